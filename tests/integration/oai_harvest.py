"""Harvests newsbag's OAI-PMH data provider with Sickle, a real harvester
from PyPI, for tests/integration/serve.rs.

    oai_harvest.py URL start PAGES   ListRecords oai_dc, PAGES responses, then
                                     prints `token TOKEN` (or `end`)
    oai_harvest.py URL resume TOKEN  goes on from TOKEN to the end
    oai_harvest.py URL error VERB [NAME=VALUE ...]
                                     prints `error CLASS` of the OAI error
                                     Sickle raised, or `ok`

Each record harvested is printed as `record IDENTIFIER DC-IDENTIFIER`: the
header's identifier and the first dc:identifier Sickle parsed from the
oai_dc metadata.
"""
import sys

from sickle import Sickle, oaiexceptions
from sickle.iterator import OAIResponseIterator
from sickle.models import Record


def pages(sickle, iterator, limit):
    ns = sickle.oai_namespace
    for n, response in enumerate(iterator, start=1):
        for element in response.xml.iterfind(".//" + ns + "record"):
            record = Record(element)
            print("record", record.header.identifier, record.metadata["identifier"][0])
        if limit and n == limit:
            token = iterator.resumption_token
            if token is not None and token.token:
                print("token", token.token)
                return
    print("end")


def main(url, mode, *rest):
    sickle = Sickle(url, iterator=OAIResponseIterator, max_retries=0, timeout=60)
    if mode == "start":
        pages(sickle, sickle.ListRecords(metadataPrefix="oai_dc"), int(rest[0]))
    elif mode == "resume":
        pages(sickle, sickle.ListRecords(resumptionToken=rest[0]), 0)
    elif mode == "error":
        params = dict(arg.split("=", 1) for arg in rest[1:])
        params["verb"] = rest[0]
        try:
            next(OAIResponseIterator(sickle, params))
            print("ok")
        except Exception as e:  # Sickle's error classes share no base
            if type(e).__module__ != oaiexceptions.__name__:
                raise
            print("error", type(e).__name__)
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main(*sys.argv[1:])
