"""Harvests newsbag's OAI-PMH data provider with Sickle, a real harvester
from PyPI, for tests/integration/serve.rs and serve_large.rs.

    oai_harvest.py URL start PAGES   ListRecords oai_dc, PAGES responses, then
                                     prints `token TOKEN` (or `end`)
    oai_harvest.py URL resume TOKEN [PAGES]
                                     goes on from TOKEN to the end (or for
                                     PAGES responses, then `token TOKEN`)
    oai_harvest.py URL verify ARCHIVE VERB [NAME=VALUE ...]
                                     harvests the whole list (ListRecords or
                                     ListIdentifiers) and checks it against
                                     the zipped bags under ARCHIVE: each
                                     record's metadata is, byte for byte, its
                                     bag's dc.xml without the XML declaration;
                                     cursor and completeListSize agree with
                                     what was received. Prints `end COUNT`.
    oai_harvest.py URL error VERB [NAME=VALUE ...]
                                     prints `error CLASS` of the OAI error
                                     Sickle raised, or `ok`

Each record harvested is printed as `record IDENTIFIER DC-IDENTIFIER`: the
header's identifier and the first dc:identifier Sickle parsed from the
oai_dc metadata.
"""
import glob
import os
import sys
import zipfile

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


def bag_records(archive):
    """{OAI identifier: dc.xml bytes} of every item of the zipped bags,
    read with Python's own zipfile (BAG/data/items/ID/dc.xml)."""
    out = {}
    for path in sorted(glob.glob(os.path.join(archive, "bags", "**", "*.zip"), recursive=True)):
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                parts = name.split("/")
                if len(parts) == 5 and parts[1:3] == ["data", "items"] and parts[4] == "dc.xml":
                    out["oai:newsbag:%s/%s" % (parts[0], parts[3])] = z.read(name)
    return out


def without_declaration(xml):
    if xml.startswith(b"\xef\xbb\xbf"):
        xml = xml[3:]
    if xml.startswith(b"<?xml"):
        xml = xml[xml.index(b"?>") + 2:]
    return xml


def verify(sickle, archive, verb, params):
    expected = bag_records(archive)
    ns = sickle.oai_namespace
    params = dict(params, verb=verb)
    iterator = OAIResponseIterator(sickle, params)
    count = 0
    sizes = set()
    for response in iterator:
        body = response.http_response.content
        token = iterator.resumption_token
        if token is not None:
            # cursor: how many were sent before this response
            if int(token.cursor) != count:
                sys.exit("cursor %s after %d records" % (token.cursor, count))
            sizes.add(int(token.complete_list_size))
        headers = list(response.xml.iterfind(".//" + ns + "header"))
        records = list(response.xml.iterfind(".//" + ns + "record"))
        metadata = [part.split(b"</metadata>", 1)[0] for part in body.split(b"<metadata>")[1:]]
        if verb == "ListRecords" and len(metadata) != len(headers):
            sys.exit("%d records, %d metadata elements" % (len(headers), len(metadata)))
        for i, header in enumerate(headers):
            identifier = header.find(ns + "identifier").text
            if identifier not in expected:
                sys.exit("%s is not an item of the bags" % identifier)
            if verb == "ListRecords":
                record = Record(records[i])
                if metadata[i] != without_declaration(expected[identifier]):
                    sys.exit("the record of %s differs from its dc.xml" % identifier)
                print("record", identifier, record.metadata["identifier"][0])
            else:
                print("record", identifier, "-")
            count += 1
    if sizes and sizes != {count}:
        sys.exit("completeListSize %s, %d records received" % (sorted(sizes), count))
    print("end", count)


def main(url, mode, *rest):
    sickle = Sickle(url, iterator=OAIResponseIterator, max_retries=0, timeout=60)
    if mode == "start":
        pages(sickle, sickle.ListRecords(metadataPrefix="oai_dc"), int(rest[0]))
    elif mode == "resume":
        limit = int(rest[1]) if len(rest) > 1 else 0
        pages(sickle, sickle.ListRecords(resumptionToken=rest[0]), limit)
    elif mode == "verify":
        params = dict(arg.split("=", 1) for arg in rest[2:])
        verify(sickle, rest[0], rest[1], params)
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
