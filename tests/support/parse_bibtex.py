#!/usr/bin/python3
"""Parses BibTeX from stdin with bibtexparser (Debian package python3-bibtexparser) and prints
the entries as JSON (type, key, fields), for the round-trip tests."""
import json, sys
import bibtexparser
from bibtexparser.bparser import BibTexParser

parser = BibTexParser(common_strings=False)
parser.ignore_nonstandard_types = False
db = bibtexparser.loads(sys.stdin.read(), parser)
print(json.dumps([{k: v for k, v in e.items()} for e in db.entries]))
