"""Corpora: the registry of known corpora, fetch/verify/import, selections and the user's own corpora.

>>> from toolkit.corpora import fetch, load_corpus, select
>>> fetch(["basil"])                                     # doctest: +SKIP
>>> select("corpus:basil?outlet=Fox News&from=2016-01-01")  # doctest: +SKIP
"""

from toolkit.corpora.add import add_corpus
from toolkit.corpora.fetch import fetch, install_info, is_installed, safe_extract
from toolkit.corpora.registry import CORPORA, get_entry
from toolkit.corpora.select import Selection, parse_spec, select
from toolkit.corpora.store import (
    corpus_checksum,
    iter_corpus,
    lexicons_dir,
    list_corpora,
    list_tables,
    load_corpus,
    load_table,
)

__all__ = [
    "CORPORA",
    "Selection",
    "add_corpus",
    "corpus_checksum",
    "fetch",
    "get_entry",
    "install_info",
    "is_installed",
    "lexicons_dir",
    "list_corpora",
    "list_tables",
    "iter_corpus",
    "load_corpus",
    "load_table",
    "parse_spec",
    "safe_extract",
    "select",
]
