"""Validates an unzipped newsbag bag against newsbag's BagIt profile
(schemas/bagit-profile/newsbag.json) with PyPI's bagit-profile, the zip's
serialization against the profile, and the bag itself with bagit-python.

Usage: python .ci/validate_profile.py PROFILE.json BAG_DIR BAG.zip
"""
import json
import sys

import bagit
import bagit_profile

profile_path, bag_dir, zip_path = sys.argv[1:4]
with open(profile_path, encoding="utf-8") as f:
    data = json.load(f)
profile = bagit_profile.Profile(
    data["BagIt-Profile-Info"]["BagIt-Profile-Identifier"], profile=data
)
bag = bagit.Bag(bag_dir)
ok = profile.validate(bag)
print("profile:", profile.report)
ok = profile.validate_serialization(zip_path) and ok
bag.validate()  # raises on an invalid bag
print("bagit-python: valid")
sys.exit(0 if ok else 1)
