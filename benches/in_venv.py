"""Re-running a benchmark or build script inside a virtual environment
under ``target/`` that has the PyPI packages it needs (shared by
benches/compare_encoding.py and scripts/build_encoding_models.py)."""

import os
import subprocess
import sys


def reexec_in_venv(venv, packages, optional=(), marker="NEWSBAG_IN_VENV"):
    """Creates ``venv`` if needed, ``pip install``s ``packages`` (and
    ``optional`` ones, whose failure is tolerated) into it, and replaces
    the running script with itself run by the venv's Python. Exits if the
    script already runs there (``marker`` set) and still lacks them."""
    if os.environ.get(marker):
        sys.exit(f"{', '.join(packages)} could not be imported in the venv {venv}")
    python = os.path.join(venv, "bin", "python")
    if not os.path.exists(python):
        subprocess.check_call([sys.executable, "-m", "venv", venv])
    pip = [python, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.check_call(pip + list(packages))
    for package in optional:
        subprocess.call(pip + [package])
    env = dict(os.environ, **{marker: "1"})
    os.execve(python, [python] + sys.argv, env)
