"""The compiled-loop layer: a loop compiles and runs, and a package folder nobody can write to does not stop it."""

import numpy as np

from toolkit import _compiled


def _total(values):
    out = 0.0
    for v in values:
        out += v
    return out


def _largest(values):  # a second function: ``compiled`` keeps one compiled version per function
    out = -np.inf
    for v in values:
        out = max(out, v)
    return out


def test_a_loop_compiles_and_gives_what_python_gives():
    values = np.arange(10, dtype=np.float64)
    assert _compiled.compiled(_total)(values) == _total(values) == 45.0
    assert _compiled.compiled(_total) is _compiled.compiled(_total)  # compiled once per process


def test_without_a_writable_cache_the_loop_is_compiled_in_memory(monkeypatch):
    import numba

    real = numba.njit
    asked = []

    def njit(*args, **kwargs):
        asked.append(kwargs.get("cache", False))
        if kwargs.get("cache"):
            raise RuntimeError("cannot cache function '_largest': no locator available for file")
        return real(*args, **kwargs)

    monkeypatch.setattr(numba, "njit", njit)
    assert _compiled.compiled(_largest)(np.array([1.0, 3.0, 2.0])) == 3.0
    assert asked == [True, False]


def test_preparing_the_families_compiles_every_loop_featurizing_runs(installed_corpus, seed_text):
    """Workers are forked after ``prepare_families``: every compiled loop a batch runs is compiled by then, for the
    argument types it meets (a new type would compile again, in each worker)."""
    from toolkit import lexicons, segment
    from toolkit.features import _batch, _ngrams, _terms, _wordstats, featurize, lexical, prepare_families
    from toolkit.features import readability, resolve_families

    loops = [segment._word_loop, segment._sentence_loop, segment._line_loop, lexicons._term_ids_loop,
             lexicons._rehash_loop, _batch._product_loop, _batch._phrase_loop, _batch._token_hits_loop, _ngrams._count_loop,
             _ngrams._tfidf_decision_loop, _ngrams._fill_loop, _terms._first_of_overlaps, _terms._merge_runs, lexical._factor_loop,
             readability._sum_loop, _wordstats._hyphenation_loop]
    prepare_families(resolve_families(None))
    before = [len(_compiled.compiled(loop).signatures) for loop in loops]
    assert all(before)
    texts = installed_corpus("allsides-abp")["text"].head(300).tolist() + [seed_text, "", "date 2020-12-16"]
    featurize(texts, n_jobs=1)
    assert [len(_compiled.compiled(loop).signatures) for loop in loops] == before
