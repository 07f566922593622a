"""The feature-family contract, checked on every discovered family; the vectorised counts against a plain loop."""

import os
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from toolkit.__main__ import main
from toolkit.errors import ToolkitError
from toolkit.features import (
    Batch,
    FeatureTransformer,
    explain,
    family_names,
    feature_names,
    featurize,
)
from toolkit.features import _family as family_module
from toolkit.features._batch import EVIDENCE_COLUMNS, NEGATION_WINDOW, NEGATORS
from toolkit.segment import VOICE_CODE

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
FAMILIES = family_names()


@pytest.fixture(scope="module")
def articles(seed_text):
    """The seed, an empty text, a text without words and a long text (the seed five times over)."""
    long_text = "\n\n".join([seed_text] * 5)
    return pd.DataFrame({
        "id": ["seed", "empty", "punctuation", "long"],
        "text": [seed_text, "", "… — !?", long_text],
        "outlet": ["Tehran Times", None, None, None],
    })


def _require(name, request):
    module = family_module(name)
    why = module.available() if hasattr(module, "available") else None
    if why:
        # Lexicon-backed families must run where the lexicons are installed (always, under CI).
        request.getfixturevalue("lexicons_available")
        if IN_CI and "lexicon" in why.lower():
            pytest.fail(f"family {name!r} is unavailable under CI: {why}")
        pytest.skip(f"family {name!r} is unavailable here: {why}")
    return module


@pytest.mark.parametrize("name", FAMILIES)
def test_family_contract(name, articles, seed_text, request):
    module = _require(name, request)
    assert module.__doc__ and len(module.__doc__.strip().splitlines()) > 2, "a family documents its features"
    before = articles.copy(deep=True)

    table = featurize(articles, [name], n_jobs=1)
    expected = feature_names([name])

    # The input is untouched.
    pd.testing.assert_frame_equal(articles, before)
    # One row per article, indexed by id; the documented columns, in order.
    assert list(table.index) == list(articles["id"])
    assert list(table.columns) == expected
    assert expected and all(c.startswith(f"{name}.") for c in expected)
    # Finite values everywhere, empty and word-less texts included.
    values = table.to_numpy(dtype=np.float64)
    assert np.isfinite(values).all(), table.columns[~np.isfinite(values).all(axis=0)].tolist()
    # The same columns for an empty text and a long text, computed alone.
    empty = featurize([""], [name], n_jobs=1)
    long = featurize([articles["text"].iloc[-1]], [name], n_jobs=1)
    assert list(empty.columns) == list(long.columns) == expected
    # An empty text has no evidence for anything: every count-based value is 0.
    assert (empty.to_numpy() == 0).all() or name in _NONZERO_ON_EMPTY
    # Deterministic: a second run gives the same numbers.
    again = featurize(articles, [name], n_jobs=1)
    pd.testing.assert_frame_equal(table, again)
    # The scikit-learn transformer names the same columns and gives the same numbers.
    transformer = FeatureTransformer(families=[name]).fit(articles)
    assert list(transformer.get_feature_names_out()) == expected
    np.testing.assert_allclose(transformer.transform(articles), values)

    # explain() returns the evidence columns for every feature (whole article; first feature of each voice).
    features = list(module.FEATURES() if callable(module.FEATURES) else module.FEATURES)
    columns = [c for c in expected if "@" not in c]
    columns += [c for c in expected if "@" in c and c.split(".", 1)[1].split("@")[0] == features[0]]
    for column in columns:
        rows = explain(seed_text, column)
        assert isinstance(rows, pd.DataFrame), column
        assert set(EVIDENCE_COLUMNS) <= set(rows.columns), (column, list(rows.columns))
        if len(rows):
            assert (rows["start"] >= 0).all() and (rows["end"] <= len(seed_text)).all(), column
            assert rows["voice"].isin(list(VOICE_CODE)).all(), column


# Families whose value on an empty text is not 0 by definition (none so far).
_NONZERO_ON_EMPTY: set[str] = set()


def test_featurize_in_parallel_equals_serial(articles):
    names = [n for n in family_names(default_only=True) if not getattr(family_module(n), "available", lambda: None)()]
    many = pd.concat([articles] * 3, ignore_index=True)
    many["id"] = [f"a{i}" for i in range(len(many))]
    serial = featurize(many, names, n_jobs=1, batch_size=4)
    parallel = featurize(many, names, n_jobs=2, batch_size=4)
    pd.testing.assert_frame_equal(serial, parallel)


_LATE_JOINS = """
import json, sys
from toolkit import lexicons
from toolkit.features import featurize, prepare_families, resolve_families
names = resolve_families(None)
prepare_families(names)
joined, builds, real_join, real_build = [], [], lexicons._SharedRows.join, lexicons._SharedRows._build_index
def join(self, lexicon):
    if id(lexicon) not in self._members:
        joined.append(lexicon.name)
    real_join(self, lexicon)
def build(self):
    builds.append(len(self._members))
    return real_build(self)
lexicons._SharedRows.join, lexicons._SharedRows._build_index = join, build
texts = [open(sys.argv[1], encoding="utf-8").read()] * 3 + ["The US said Iran's resistance front. Daesh."] * 3
featurize(texts, names, n_jobs=1, batch_size=2)
print(json.dumps({"joined": joined, "builds": builds}))
"""


def test_families_share_their_lexicons_rows_from_the_first_batch(seed_path, lexicons_available):
    """Every lexicon the default families use joins the shared row lookup when they are prepared (before workers
    are forked), so a worker builds the index of all their entries once and looks each new word up in it once:
    a lexicon joining during a batch looks up the words met before by itself, and has the index built again.
    In a process of its own: in this one, earlier tests joined the lexicons already."""
    import json
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-c", _LATE_JOINS, str(seed_path)], capture_output=True, text=True,
                         timeout=300, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    found = json.loads(run.stdout.strip().splitlines()[-1])
    assert found["joined"] == [], found
    assert len(found["builds"]) == 1 and found["builds"][0] >= 20, found


def test_bounded_vocabulary_gives_the_same_features(corpus_sample, monkeypatch):
    """Memory stays bounded: the process vocabulary is replaced when it grows past its limit, values unchanged."""
    from toolkit import lexicons

    texts = corpus_sample["text"].tolist()
    before = featurize(texts, n_jobs=1, batch_size=10)
    first = lexicons.default_vocabulary()
    assert len(first) > 2000
    monkeypatch.setattr(lexicons, "VOCABULARY_LIMIT", 2000)
    monkeypatch.setattr(lexicons, "VOCABULARY_KEEP", 300)
    after = featurize(texts, n_jobs=1, batch_size=10)
    vocab = lexicons.default_vocabulary()
    assert vocab is not first and vocab.terms[:300] == first.terms[:300]
    assert len(vocab) < 2000 + 10 * 1000  # the limit plus at most one batch of new words
    pd.testing.assert_frame_equal(before, after)


def test_a_batch_keeps_the_vocabulary_it_is_given():
    from toolkit.lexicons import Vocabulary

    vocab = Vocabulary()  # empty, so falsy: still the one the batch uses
    batch = Batch(["A dog met a dog."], vocab=vocab)
    assert batch.vocab is vocab and vocab.terms == ["a", "dog", "met"]
    assert batch.token_ids.tolist() == [0, 1, 2, 0, 1]


def test_batches_are_cut_short_by_characters(corpus_sample, monkeypatch):
    import toolkit.features as features

    texts = corpus_sample["text"].tolist()
    lengths = [len(t) for t in texts]
    spans = list(features.batch_spans(texts, batch_size=8, max_chars=20_000))
    assert spans[0][0] == 0 and spans[-1][1] == len(texts)
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:]))  # consecutive, nothing left out
    for start, stop in spans:
        assert 1 <= stop - start <= 8
        # within the cap, unless the batch is one long article; and the next article would not have fitted
        assert stop - start == 1 or sum(lengths[start:stop]) <= 20_000
        assert stop == len(texts) or stop - start == 8 or sum(lengths[start : stop + 1]) > 20_000
    assert len(spans) > len(texts) / 8  # some batches were cut short
    assert list(features.batch_spans(["x" * 50, "y"], max_chars=10)) == [(0, 1), (1, 2)]
    before = featurize(texts, n_jobs=1)
    monkeypatch.setattr(features, "BATCH_CHARS", 20_000)
    pd.testing.assert_frame_equal(featurize(texts, n_jobs=1), before)


def test_streaming_equals_featurize(corpus_sample, tmp_path):
    """Chunks in, one table per batch out, in order; written to Parquet batch by batch."""
    from toolkit.features import featurize_iter, write_features

    names = [n for n in family_names(default_only=True) if not getattr(family_module(n), "available", lambda: None)()]
    table = corpus_sample[["id", "text"]]
    whole = featurize(table, names, n_jobs=1, batch_size=8)
    chunks = [table.iloc[i : i + 13] for i in range(0, len(table), 13)]  # chunks that do not align with batches
    parts = list(featurize_iter(chunks, names, n_jobs=2, batch_size=8))
    assert [len(p) for p in parts[:2]] == [8, 5]  # a batch never spans two chunks
    pd.testing.assert_frame_equal(pd.concat(parts), whole)
    path = tmp_path / "f.parquet"
    assert write_features(iter(chunks), path, names, n_jobs=2) == len(table)
    pd.testing.assert_frame_equal(pd.read_parquet(path), whole)
    # plain texts are numbered across chunks
    texts = table["text"].tolist()
    numbered = pd.concat(featurize_iter([texts[:7], texts[7:]], names, n_jobs=1, batch_size=8))
    assert list(numbered.index) == [str(i) for i in range(len(texts))]
    assert write_features([], tmp_path / "empty.parquet", names) == 0
    assert list(pd.read_parquet(tmp_path / "empty.parquet").columns) == feature_names(names)


def test_cli_streams_a_whole_corpus(installed_corpus, tmp_path, capsys):
    basil = installed_corpus("basil")
    out = tmp_path / "basil.parquet"
    assert main(["features", "corpus:basil", "-o", str(out), "--families", "lexical", "readability",
                 "--no-progress"]) == 0
    got = pd.read_parquet(out)
    assert "wrote 300 articles" in capsys.readouterr().err
    expected = featurize(basil[["id", "text"]], ["lexical", "readability"], n_jobs=1)
    pd.testing.assert_frame_equal(got, expected)


def test_unknown_family_and_feature_are_named(seed_text):
    with pytest.raises(ToolkitError, match="unknown feature family 'nope'"):
        featurize([seed_text], ["nope"])
    with pytest.raises(ToolkitError, match="family 'lexical' has no feature 'nope'"):
        explain(seed_text, "lexical.nope")
    with pytest.raises(ToolkitError, match="expected an article table or a list of texts, got a single string"):
        featurize(seed_text)


# -- the vectorised counts against a plain loop over tokens ------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_sample(installed_corpus):
    table = installed_corpus("allsides-abp")
    return table.sample(50, random_state=7).reset_index(drop=True)


def _in_scope(voice: int, scope: str) -> bool:
    if scope == "all":
        return voice != VOICE_CODE["boilerplate"]
    return voice == VOICE_CODE[scope]


def _loop_negated(seg) -> list[bool]:
    """Per token: a negator among the NEGATION_WINDOW words before it in the same sentence."""
    out = []
    for i in range(seg.n_tokens):
        hit = False
        for k in range(1, NEGATION_WINDOW + 1):
            j = i - k
            if j < 0 or seg.token_sentence[j] != seg.token_sentence[i]:
                break
            t = seg.tokens[j]
            if t in NEGATORS or t.endswith("n't"):
                hit = True
        out.append(hit)
    return out


def _loop_lexicon_counts(seg, lexicon, scope: str) -> np.ndarray:
    """Lexicon matches of one article, one token (and one phrase start) at a time."""
    out = np.zeros(len(lexicon.categories))
    for i, token in enumerate(seg.tokens):
        if not _in_scope(int(seg.token_voice[i]), scope):
            continue
        for cat, weight in lexicon.match(token).items():
            out[cat] += weight
        for words, cats in lexicon.phrases.items():
            k = len(words)
            if tuple(seg.tokens[i : i + k]) == words and len(set(seg.token_sentence[i : i + k].tolist())) == 1:
                for cat, weight in cats.items():
                    out[cat] += weight
    return out


@pytest.mark.slow
def test_vectorised_counts_equal_a_plain_loop(corpus_sample):
    from toolkit.features.sentiment import gi_polarity
    from toolkit.lexicons import Lexicon, load_lexicon

    batch = Batch(corpus_sample["text"], corpus_sample["id"])
    style, gi = load_lexicon("style"), gi_polarity()
    assert style.phrases, "the oracle should exercise phrase matching"
    # phrases of two, three and four words, overlapping ones, ones with the same first word, a prefix
    phrases = Lexicon(name="oracle", categories=["a", "b"])
    for term, cat in (("in the", "a"), ("of the", "b"), ("the united states", "a"), ("united states", "b"),
                      ("the united states of", "a"), ("said", "b"), ("presid*", "a"), ("it is not", "b")):
        phrases.add(term, cat)
    for scope in ("all", "authorial", "quoted"):
        counts = batch.counts(scope)
        style_counts = batch.lexicon_counts(style, scope)
        gi_counts = batch.lexicon_counts(gi, scope)
        phrase_counts = batch.lexicon_counts(phrases, scope)
        assert phrase_counts.sum() > 0
        for d, seg in enumerate(batch.segmentations):
            expected = Counter(t for t, v in zip(seg.tokens, seg.token_voice) if _in_scope(int(v), scope))
            row = counts.getrow(d)
            got = {batch.vocab.terms[j]: int(c) for j, c in zip(row.indices, row.data)}
            assert got == dict(expected), (scope, d)
            assert batch.n_words(scope)[d] == sum(expected.values())
            np.testing.assert_allclose(style_counts[d], _loop_lexicon_counts(seg, style, scope))
            np.testing.assert_allclose(gi_counts[d], _loop_lexicon_counts(seg, gi, scope))
            np.testing.assert_allclose(phrase_counts[d], _loop_lexicon_counts(seg, phrases, scope))
    negated = np.concatenate([_loop_negated(seg) for seg in batch.segmentations])
    np.testing.assert_array_equal(batch.negated, negated)
    assert negated.any()
    more = Batch(["They shan't go; we mightn't, nor never."])  # negators new to the vocabulary: its flags grow
    np.testing.assert_array_equal(more.negated, np.concatenate([_loop_negated(s) for s in more.segmentations]))
    assert more.negator_mask.sum() == 4 and more.negated.sum() > 4


def test_counts_under_any_mask(corpus_sample):
    batch = Batch(list(corpus_sample["text"][:40]) + ["", "date 2020-12-16"])  # two articles without tokens
    rng = np.random.default_rng(5)
    for mask in (batch.mask("quoted"), rng.random(len(batch.token_ids)) < 0.3, None):
        m = np.ones(len(batch.token_ids), dtype=bool) if mask is None else mask
        ids, docs = batch.token_ids[m], batch.token_doc[m]
        counts = batch.counts_under(mask)
        assert counts.has_canonical_format
        plain = np.zeros(counts.shape)
        np.add.at(plain, (docs, ids), 1.0)
        np.testing.assert_array_equal(counts.toarray(), plain)
    assert batch.counts_under(batch.mask("quoted")) is batch.counts("quoted")  # a scope mask: the cached matrix


def test_lexicon_products_equal_sparse_products_bit_for_bit(corpus_sample, lexicons_available):
    """The compiled product of counts and lexicon matrices adds what ``scipy.sparse`` adds, in the same order:
    every default lexicon (eMFD's weights are fractions), every scope; and the loop run by Python agrees."""
    from toolkit._compiled import compiled
    from toolkit.features._batch import _product_loop, phrase_table
    from toolkit.lexicons import load_lexicon

    batch = Batch(corpus_sample["text"][:60])
    for name in ("style", "gi", "lsd2015", "emfd", "mfd2", "bias_recasens", "mpqa"):
        lexicon = load_lexicon(name)
        matrix = lexicon.matrix(batch.vocab)
        for scope in ("all", "authorial", "quoted"):
            counts = batch.counts(scope)
            sparse_product = np.asarray((counts @ matrix).todense())
            args = (counts.indptr, counts.indices, counts.data, matrix.indptr, matrix.indices, matrix.data,
                    matrix.shape[1], False)
            got = compiled(_product_loop)(*args)
            assert got.shape == sparse_product.shape and np.array_equal(got, sparse_product), (name, scope)
            if scope == "quoted":
                assert np.array_equal(_product_loop(*args), got)
        assert np.abs(sparse_product).sum() > 0, name
    # Negated and plain matches of lexicons with whole weights are summed token by token: the same numbers.
    from toolkit.features.sentiment import gi_polarity

    for lexicon in (load_lexicon("lsd2015"), gi_polarity()):
        phrases = phrase_table(lexicon, batch.vocab)  # (may grow the vocabulary: before the matrix)
        matrix = lexicon.matrix(batch.vocab)
        for scope in ("all", "quoted"):
            for negated in (True, False):
                m = batch.mask(scope) & (batch.negated if negated else ~batch.negated)
                expected = np.asarray((batch.counts_under(m) @ matrix).todense())
                if phrases:
                    expected += batch._phrase_counts(phrases, len(lexicon.categories), m)
                assert np.array_equal(batch.lexicon_counts(lexicon, scope, negated=negated), expected)
                assert expected.sum() > 0, (lexicon.name, scope, negated)


def test_fractional_lexicon_sums_are_exact_whatever_the_order_of_the_word_ids(corpus_sample, lexicons_available):
    """eMFD's weights are fractions: its sums are the exact sums correctly rounded (``math.fsum``), so they are the
    same bit for bit when the words have other ids (a process that met other words first, another worker)."""
    import math

    from toolkit._compiled import compiled
    from toolkit.features._batch import _product_loop
    from toolkit.lexicons import Vocabulary, load_lexicon

    emfd = load_lexicon("emfd")
    texts = list(corpus_sample["text"][:60])
    batch = Batch(texts, vocab=Vocabulary())
    other = Vocabulary()
    other.ids(batch.vocab.terms[::-1])  # the same words, ids in the reverse order
    reordered = Batch(texts, vocab=other)
    assert not np.array_equal(batch.token_ids, reordered.token_ids)
    matrix = emfd.matrix(batch.vocab).tocsr()
    assert not np.array_equal(matrix.data, np.round(matrix.data))
    for scope in ("all", "quoted"):
        got = batch.lexicon_counts(emfd, scope)
        assert np.array_equal(got, reordered.lexicon_counts(emfd, scope)), scope
        counts = batch.counts(scope)
        for doc in range(0, len(texts), 7):
            terms = counts.indices[counts.indptr[doc] : counts.indptr[doc + 1]]
            n = counts.data[counts.indptr[doc] : counts.indptr[doc + 1]]
            for cat in range(len(emfd.categories)):
                weights = np.asarray(matrix[terms, cat].todense()).ravel()
                exact = math.fsum(w for w, k in zip(weights.tolist(), n.tolist()) for _ in range(int(k)))
                assert got[doc, cat] == exact, (scope, doc, emfd.categories[cat])
        assert np.abs(got).sum() > 0
    # The loop run by Python gives the same numbers.
    counts = batch.counts("all")
    args = (counts.indptr, counts.indices, counts.data, matrix.indptr, matrix.indices, matrix.data, matrix.shape[1],
            True)
    assert np.array_equal(_product_loop(*args), compiled(_product_loop)(*args))


def test_lexicons_counted_together_give_what_each_gives_alone(corpus_sample, lexicons_available):
    """``lexicon_counts_many`` joins several lexicons' matrices, with whole and with fractional weights, for one pass
    each. Every lexicon still gets what it gets alone, bit for bit: in every scope, with and without negation, in a
    second batch whose new words extend the joined matrix, and after a lexicon changes; and scipy's product plus a
    plain loop over the phrase matches give the same sums."""
    from toolkit.features._batch import phrase_table
    from toolkit.lexicons import Lexicon, load_lexicon

    own = Lexicon("own", ["threat", "calm"])
    own.add("attack*", "threat")
    own.add("prime minister", "threat", 2.0)
    own.add("peace talks", "calm")
    lexicons = [load_lexicon(name) for name in ("bias_recasens", "hedges", "emfd", "mpqa", "lsd2015")] + [own]
    texts = list(corpus_sample["text"])
    for round_, batch_texts in enumerate((texts[:25], texts[25:], texts[:25])):
        if round_ == 2:
            own.add("revenge", "calm", 0.5)  # now fractional: a new matrix, and a lexicon of the other group
        batch = Batch(batch_texts)
        for scope in ("all", "authorial", "quoted"):
            for negated in (None, True, False):
                together = batch.lexicon_counts_many(lexicons, scope, negated)
                mask = batch.mask(scope) & (True if negated is None else batch.negated == negated)
                for lexicon, got in zip(lexicons, together):
                    alone = batch.lexicon_counts(lexicon, scope, negated)
                    assert got.shape == alone.shape and np.array_equal(got, alone), (lexicon.name, scope, negated)
                    matrix = lexicon.matrix(batch.vocab)
                    if np.array_equal(matrix.data, np.round(matrix.data)):  # whole sums: any order gives them
                        expected = (batch.counts_under(mask) @ matrix).toarray() + _plain_phrase_sums(
                            batch, phrase_table(lexicon, batch.vocab), len(lexicon.categories), mask)
                        assert np.array_equal(got, expected), (lexicon.name, scope, negated)
        assert together[-1].sum() > 0 and together[1].sum() > 0
        for lexicon in (load_lexicon("hedges"), own):
            phrases = phrase_table(lexicon, batch.vocab)
            mask = batch.mask("quoted")
            expected = _plain_phrase_sums(batch, phrases, len(lexicon.categories), mask)
            assert np.array_equal(batch._phrase_counts(phrases, len(lexicon.categories), mask), expected)
            assert len(batch._phrase_hits(phrases)[0]) > 0, lexicon.name


def test_lexicons_asked_by_the_previous_batch_are_counted_together_and_kept(corpus_sample, lexicons_available):
    """The first lexicon a batch asks for is counted together with those the batch before asked for (same scope and
    negation); each is then served from what was kept, as a copy, with the numbers it gets alone."""
    from toolkit.lexicons import load_lexicon

    texts = list(corpus_sample["text"])
    lexicons = [load_lexicon(name) for name in ("mfd2", "emfd", "hedges")]
    first = Batch(texts[:20])
    for lexicon in lexicons:
        first.lexicon_counts(lexicon, "authorial")
    second = Batch(texts[20:])
    got = second.lexicon_counts(lexicons[2], "authorial")
    kept = second.__dict__["_lexicon_count_cache"]
    assert {(id(lexicon), ("authorial", None)) for lexicon in lexicons} <= set(kept)  # one call counted all three
    alone = second.lexicon_counts_many(lexicons, "authorial")
    for lexicon, expected in zip(lexicons, alone):
        counts = second.lexicon_counts(lexicon, "authorial")
        assert np.array_equal(counts, expected) and counts.sum() > 0, lexicon.name
        counts[:] = -1  # a copy: what is kept does not change
        assert np.array_equal(second.lexicon_counts(lexicon, "authorial"), expected)
    assert np.array_equal(got, alone[2])
    assert (id(lexicons[0]), ("quoted", None)) not in kept  # another scope is counted when asked for


def _plain_phrase_sums(batch, phrases, n_categories, mask):
    """Articles × categories: the weights of the phrase matches that start in ``mask``, phrase by phrase."""
    pos, which = batch._phrase_hits(phrases)
    out = np.zeros((len(batch), n_categories))
    for p, j in sorted(zip(pos.tolist(), which.tolist()), key=lambda hit: hit[1]):
        if mask[p]:
            for cat, weight in phrases[j][1].items():
                out[batch.token_doc[p], cat] += weight
    return out


def test_batch_code_points_are_those_of_the_texts_joined_by_newlines(corpus_sample):
    """The batch joins the code points its layouts were made from; a batch made from segmentations reads the texts."""
    from toolkit.segment import _code_points, segment

    texts = list(corpus_sample["text"][:30]) + ["", "Iran’s “revenge” 🙂 \ud83d"]
    codes, bases = Batch(texts).code_points
    np.testing.assert_array_equal(codes, _code_points("\n".join(texts)))
    assert bases.tolist() == [sum(len(t) + 1 for t in texts[:i]) for i in range(len(texts))]
    again, _ = Batch(texts[-3:], segmentations=[segment(t) for t in texts[-3:]]).code_points
    np.testing.assert_array_equal(again, _code_points("\n".join(texts[-3:])))


def test_phrase_hits_equal_trying_every_phrase_at_every_token(corpus_sample):
    """The compiled phrase pass finds what trying each phrase at each token finds (in one sentence), by position
    then phrase, for a table with phrases of one to five words sharing first words; run by Python, the same."""
    from toolkit._compiled import compiled
    from toolkit.features import _batch

    batch = Batch(list(corpus_sample["text"][:40]) + ["The United States. States of the United States of America."])
    terms = ["the united states", "the united", "united states of america", "of the", "the united states of america",
             "in the", "the", "states of the united states", "said the", "said", "america"]
    phrases = [(batch.vocab.ids(t.split()), {0: 1.0}) for t in terms]
    ids, sent = batch.token_ids.tolist(), batch.token_sentence.tolist()
    expected = [(p, j) for p in range(len(ids)) for j, (words, _) in enumerate(phrases)
                if ids[p : p + len(words)] == words.tolist() and len(set(sent[p : p + len(words)])) == 1]
    pos, which = batch._phrase_hits(phrases)
    assert list(zip(pos.tolist(), which.tolist())) == expected
    assert len(expected) > 100 and {j for _, j in expected} >= {0, 1, 2, 4, 6, 7, 9, 10}
    args = (batch.token_ids, batch.token_sentence, *_batch._phrase_arrays(phrases, len(batch.vocab)))
    for loop in (_batch._phrase_loop, compiled(_batch._phrase_loop)):
        got = _batch.find_phrases(loop, args[0], args[1], args[2:])
        np.testing.assert_array_equal(got[0], pos)
        np.testing.assert_array_equal(got[1], which)
    # More matches than tokens (the output arrays run out of room): the pass runs again with room for them all.
    many = Batch(["the the the. The"] * 3)
    table = [(many.vocab.ids(["the"]), {0: 1.0})] * 12 + [(many.vocab.ids(["the", "the"]), {0: 1.0})] * 9
    pos, which = _batch.find_phrases(compiled(_batch._phrase_loop), many.token_ids, many.token_sentence,
                                     _batch._phrase_arrays(table, len(many.vocab)))
    in_sentence = [p for p in range(len(many.token_ids) - 1) if many.token_sentence[p] == many.token_sentence[p + 1]]
    expected = sorted([(p, j) for p in range(len(many.token_ids)) for j in range(12)]
                      + [(p, j) for p in in_sentence for j in range(12, 21)])
    assert list(zip(pos.tolist(), which.tolist())) == expected
    assert len(expected) == 3 * (4 * 12 + 2 * 9) > len(many.token_ids) + 16


def test_phrase_tables_asked_by_the_previous_batch_are_matched_together(corpus_sample):
    """A batch matches the first phrase table asked for together with those the batch before it asked for, in one
    pass: each table still gets exactly the matches of its own pass, by position then phrase."""
    from toolkit._compiled import compiled
    from toolkit.features import _batch

    texts = list(corpus_sample["text"])
    first = Batch(texts[:20])
    tables = [[(first.vocab.ids(t.split()), {0: 1.0}) for t in terms] for terms in (
        ["the united states", "of the", "said"], [], ["the", "in the", "the united"], ["no such phrase here"])]
    for table in tables:
        first._phrase_hits(table)
    second = Batch(texts[20:])
    second._phrase_hits(tables[2])
    cache = second.__dict__["_phrase_hit_cache"]
    assert all(id(table) in cache for table in tables)  # one pass matched all four
    for table in tables:
        pos, which = second._phrase_hits(table)
        if table:
            alone = _batch.find_phrases(compiled(_batch._phrase_loop), second.token_ids, second.token_sentence,
                                        _batch._phrase_arrays(table, len(second.vocab)))
        else:
            alone = (np.zeros(0), np.zeros(0))
        np.testing.assert_array_equal(pos, alone[0])
        np.testing.assert_array_equal(which, alone[1])
    assert len(second._phrase_hits(tables[0])[0]) > 10 and len(second._phrase_hits(tables[2])[0]) > 10


def test_token_hits_equal_gathering_every_row(corpus_sample, lexicons_available):
    from toolkit.lexicons import load_lexicon

    from toolkit._compiled import compiled
    from toolkit.features._batch import _token_hits_loop

    batch = Batch(corpus_sample["text"][:40])
    for name in ("style", "gi", "emfd"):  # a few entries, many per word, fractional weights
        matrix = load_lexicon(name).matrix(batch.vocab)
        plain = matrix[batch.token_ids].tocoo()
        rows, cols, values = batch.token_hits(matrix)
        assert len(rows) > 100
        for got, expected in ((rows, plain.row), (cols, plain.col), (values, plain.data)):
            np.testing.assert_array_equal(got, expected)
        assert (rows.dtype, cols.dtype, values.dtype) == (np.int64, plain.col.dtype, plain.data.dtype)
        assert batch.token_hits(matrix)[0] is rows  # cached
        args = (batch.token_ids[:3000], matrix.indptr, matrix.indices, matrix.data)
        for a, b in zip(_token_hits_loop(*args), compiled(_token_hits_loop)(*args)):  # Python and compiled agree
            np.testing.assert_array_equal(a, b)
    short = matrix[: int(batch.token_ids.max())]  # rows for all but the largest id: not read past its end
    with pytest.raises(ValueError, match="the batch's token ids need"):
        batch.token_hits(short)


def _loop_terminal(batch) -> list[str]:
    """Each sentence's final . ! or ?, closing quotes and brackets skipped, one sentence at a time."""
    out = []
    for lay in batch.layouts:
        for start, end in zip(lay.sentence_start.tolist(), lay.sentence_end.tolist()):
            tail = lay.text[max(start, end - 8) : end].rstrip().rstrip("\"”’')]»")
            out.append(tail[-1] if tail and tail[-1] in ".!?" else "")
    return out


def test_sentence_terminals_equal_a_loop_over_sentences(corpus_sample):
    rng = np.random.default_rng(3)
    odd = ["", "A.", "Hi!\u3000 ", "“Why?”", "Yes .”) ", "no end", "x ” ” ” ” ” ” ” ” !", "Stop!\u00a0\u2029",
           "Q?’ ’ ’ ’ ’ ’ ’ ’ ’"]
    odd += ["".join(rng.choice(list("ab .!?\"”’')]» \u3000\u00a0\n"), size=rng.integers(0, 40))) for _ in range(200)]
    for texts in (corpus_sample["text"].tolist(), odd, [""], []):
        batch = Batch(texts)
        got = batch.sentence_terminal
        assert got.dtype == np.dtype("<U1")
        assert got.tolist() == _loop_terminal(batch)
    assert {"", ".", "!", "?"} <= set(Batch(odd).sentence_terminal.tolist())


# -- command line ------------------------------------------------------------------------------------------------


def test_cli_writes_features_and_refuses_to_overwrite(tmp_path, seed_path, capsys):
    out = tmp_path / "seed.parquet"
    assert main(["features", str(seed_path), "-o", str(out), "--families", "lexical", "readability",
                 "--no-progress"]) == 0
    table = pd.read_parquet(out)
    assert table.shape[0] == 1
    assert list(table.columns) == feature_names(["lexical", "readability"])
    assert main(["features", str(seed_path), "-o", str(out), "--families", "lexical", "--no-progress"]) != 0
    assert "exists; pass --force to overwrite it" in capsys.readouterr().err
    assert list(pd.read_parquet(out).columns) == feature_names(["lexical", "readability"])  # untouched
    assert main(["features", str(seed_path), "-o", str(out), "--families", "lexical", "--force",
                 "--no-progress"]) == 0
    assert list(pd.read_parquet(out).columns) == feature_names(["lexical"])
    assert [p.name for p in tmp_path.iterdir()] == ["seed.parquet"]  # no temporary file left behind


def test_cli_explain_prints_the_evidence(seed_path, capsys):
    assert main(["features", str(seed_path), "--explain", "lexical.first_plural_per_1k@quoted"]) == 0
    out = capsys.readouterr().out
    assert "first_plural" in out and " we " in f" {out} " and "quoted" in out


def test_cli_list_names_every_family(capsys):
    assert main(["features", "--list"]) == 0
    out = capsys.readouterr().out
    for name in FAMILIES:
        assert f"{name} (" in out


def test_an_article_that_is_only_a_header_leaves_the_rest_of_its_batch_alone(seed_text):
    """An article whose only words are header lines (``date …``, ``title: …``) has tokens but no sentence; in a
    batch, anywhere, it once made the sentence-based families fail. Each row equals the article featurized alone."""
    header = "date 2020-12-16\ntitle: Only a header"
    texts = [header, seed_text, header, "Hello world.", header]
    together = featurize(texts)
    alone = pd.concat([featurize([t]) for t in texts], ignore_index=True)
    pd.testing.assert_frame_equal(together.reset_index(drop=True), alone, check_exact=False, rtol=1e-12)
    assert (together.iloc[[0, 2, 4]]["lexical.n_words"] == 0).all() and together.iloc[1]["lexical.n_words"] > 500
