"""Lexicon readers (every format, and a clear error for every kind of bad input), the registry, coverage, CLI."""

import json
import re

import numpy as np
import pytest

from toolkit import lexicons
from toolkit.coverage import lexicon_coverage
from toolkit.errors import ToolkitError
from toolkit.lexicons import Lexicon, load_lexicon, read_lexicon, registry


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def raises_exactly(message):
    return pytest.raises(ToolkitError, match="^" + re.escape(message) + "$")


# -- readers: good input ---------------------------------------------------------------------------------------


def test_dic_reads_words_prefixes_phrases_and_several_codes_per_entry(tmp_path):
    # MFD 1.0 writes "preserve<TAB>01 07 09" and pads codes with zeros; MFD 2.0 has phrases with spaces
    path = write(tmp_path, "moral.dic", "%\n01\tcare.virtue\n02\tcare.vice\n7\tauthority.virtue\n%\n"
                 "safe*\t01\npreserve\t01 07\nharm\t2\ncivil rights\t7\nresistance front 1 2\n")
    lex = read_lexicon(path)
    assert lex.categories == ["care.virtue", "care.vice", "authority.virtue"]
    assert lex.match("safety") == {0: 1.0}
    assert lex.match("preserve") == {0: 1.0, 2: 1.0}
    assert lex.match("harm") == {1: 1.0}
    assert lex.phrases[("civil", "rights")] == {2: 1.0}
    assert lex.phrases[("resistance", "front")] == {0: 1.0, 1: 1.0}
    assert lex.name == "moral" and len(lex.sha256) == 64


def test_csv_long_and_wide(tmp_path):
    long = read_lexicon(write(tmp_path, "long.csv", "term,category,weight\nwar,conflict,2\npeace,harmony,\n"))
    assert long.match("war") == {long.category_index("conflict"): 2.0}
    assert long.match("peace") == {long.category_index("harmony"): 1.0}
    # eMFD layout: word, then one numeric column per category; a byte-order mark is ignored
    wide = read_lexicon(write(tmp_path, "wide.csv", "\ufeffword,care_p,care_sent\nkill,0.5,-0.75\nhelp,0.25,0\n"))
    assert wide.categories == ["care_p", "care_sent"]
    assert wide.match("kill") == {0: 0.5, 1: -0.75}
    assert wide.match("help") == {0: 0.25}


def test_yaml_lists_weights_and_provenance(tmp_path):
    path = write(tmp_path, "frames.yaml", "name: cues\nsource: hand-made\nversion: '2'\nlicence: CC0\n"
                 "categories:\n  conflict: [war, 'axis of resistance', 'martyr*']\n  economy: {oil: 0.5}\n")
    lex = read_lexicon(path)
    assert (lex.name, lex.source, lex.version, lex.licence) == ("cues", "hand-made", "2", "CC0")
    assert lex.match("martyrdom") == {0: 1.0}
    assert lex.phrases[("axis", "of", "resistance")] == {0: 1.0}
    assert lex.match("oil") == {1: 0.5}


def test_plain_list_uses_file_stem_and_skips_comments(tmp_path):
    lex = read_lexicon(write(tmp_path, "hedges.txt", "# header\n;also a comment\n\nperhaps\nto some extent\n"))
    assert lex.categories == ["hedges"]
    assert lex.terms() == ["perhaps", "to some extent"]


def test_tff_strength_and_prior_polarity(tmp_path):
    path = write(tmp_path, "clues.tff",
                 "type=strongsubj len=1 word1=abuse pos1=verb stemmed1=y priorpolarity=negative\n"
                 "type=weaksubj len=1 word1=able pos1=adj stemmed1=n priorpolarity=positive\n")
    lex = read_lexicon(path)
    assert {lex.categories[c] for c in lex.match("abused")} == {"strongsubj", "strongsubj_negative"}
    assert {lex.categories[c] for c in lex.match("able")} == {"weaksubj", "weaksubj_positive"}
    assert lex.match("abler") == {}


def test_lc3_categories_without_colour(tmp_path):
    lex = read_lexicon(write(tmp_path, "lsd.lc3", "+negative#FF0000\nabandon*\nat odds\n+positive#00BB00\nable\n"))
    assert lex.categories == ["negative", "positive"]
    assert lex.match("abandoned") == {0: 1.0}
    assert lex.phrases[("at", "odds")] == {0: 1.0}
    assert lex.match("able") == {1: 1.0}


def test_latin1_file_is_read(tmp_path):
    lex = read_lexicon(write(tmp_path, "words.txt", "café\n", encoding="latin-1"))
    assert lex.terms() == ["café"]


# -- readers: bad input ----------------------------------------------------------------------------------------


def test_missing_file_and_unknown_format(tmp_path):
    missing = tmp_path / "nope.dic"
    with raises_exactly(f"lexicon file not found: '{missing}'"):
        read_lexicon(missing)
    path = write(tmp_path, "words.docx", "x")
    with raises_exactly(f"cannot read lexicon '{path}': expected a .dic, .csv, .yaml, .txt, .tff or .lc3 file, "
                        "got '.docx'"):
        read_lexicon(path)


def test_empty_lexicon(tmp_path):
    path = write(tmp_path, "empty.txt", "# only a comment\n")
    with raises_exactly(f"lexicon '{path}' has no entries (read as txt)"):
        read_lexicon(path)
    path = write(tmp_path, "noclue.tff", "type=strongsubj len=1 pos1=verb\n")
    with raises_exactly(f"lexicon '{path}' has no entries (read as tff)"):
        read_lexicon(path)


def test_dic_errors(tmp_path):
    path = write(tmp_path, "a.dic", "care\t1\n")
    with raises_exactly(f"'{path}' is not a LIWC .dic file: expected a header between two '%' lines"):
        read_lexicon(path)
    path = write(tmp_path, "b.dic", "%\n1\tcare\n%\nkind\t3\n")
    with raises_exactly(f"'{path}': entry 'kind' names category '3', which the header does not define"):
        read_lexicon(path)
    path = write(tmp_path, "c.dic", "%\n1\tcare\n%\nkind\n")
    with raises_exactly(f"'{path}': entry 'kind' names no category; expected a term followed by category numbers"):
        read_lexicon(path)


def test_csv_errors(tmp_path):
    path = write(tmp_path, "a.csv", "lemma,score\nwar,1\n")
    with raises_exactly(f"'{path}': expected a column named term or word, found ['lemma', 'score']"):
        read_lexicon(path)
    path = write(tmp_path, "b.csv", "word,care_p\nwar,high\n")
    with raises_exactly(f"'{path}': column 'care_p' holds 'high', expected a number"):
        read_lexicon(path)
    path = write(tmp_path, "c.csv", "term,category,weight\nwar,conflict,x\n")
    with raises_exactly(f"'{path}': line 2, column 'weight' holds 'x', expected a number"):
        read_lexicon(path)


def test_yaml_errors(tmp_path):
    path = write(tmp_path, "a.yaml", "categories: [unclosed\n")
    with pytest.raises(ToolkitError, match="^" + re.escape(f"'{path}' is not valid YAML: ")):
        read_lexicon(path)
    path = write(tmp_path, "b.yaml", "- war\n- peace\n")
    with raises_exactly(f"'{path}': expected a mapping with a 'categories' mapping of category → terms"):
        read_lexicon(path)
    path = write(tmp_path, "c.yaml", "categories:\n  conflict: {war: heavy}\n")
    with raises_exactly(f"'{path}': category 'conflict', term 'war' holds 'heavy', expected a number"):
        read_lexicon(path)
    path = write(tmp_path, "d.yaml", "categories:\n  conflict: 5\n")
    with raises_exactly(f"'{path}': category 'conflict' holds 5, expected a list of terms or a mapping of term → weight"):
        read_lexicon(path)


def test_lc3_term_before_category(tmp_path):
    path = write(tmp_path, "a.lc3", "abandon*\n+negative\n")
    with raises_exactly(f"'{path}' is not a Lexicoder .lc3 file: expected a '+category' line before 'abandon*'"):
        read_lexicon(path)


# -- registry ----------------------------------------------------------------------------------------------------


def test_registry_states_source_version_licence():
    reg = registry()
    assert {"mfd2", "mfd1", "emfd", "mpqa", "hedges", "bias_recasens"} <= set(reg)
    for name, entry in reg.items():
        assert entry.get("where") in ("package", "user", "python"), name
        for key in ("source", "version", "licence"):
            assert entry.get(key), f"{name}: no {key}"
        if entry["where"] in ("package", "user"):
            assert entry.get("path") and entry.get("format"), name
            assert not str(entry["path"]).startswith("/"), name


def test_missing_user_lexicon_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv("TOOLKIT_LEXICONS", str(tmp_path))
    monkeypatch.setattr(lexicons, "_CACHE", {})
    with raises_exactly(
        "lexicon 'mfd2' (Moral Foundations Dictionary 2.0 (Frimer et al.), LIWC format, as distributed in "
        "medianeuroscience/emfdscore @5523d76) is not available: its terms do not allow us to ship it. Run "
        "'python -m toolkit corpora fetch lexicons', or set TOOLKIT_LEXICONS to a folder holding "
        "moral-foundations/mfd2.0.dic"
    ):
        load_lexicon("mfd2")
    with pytest.raises(ToolkitError, match="^unknown lexicon 'no-such-lexicon': expected a lexicon file path or one of: "):
        load_lexicon("no-such-lexicon")


def test_user_registry_entries_load_with_their_provenance(lexicons_available):
    def plain_entries(path):  # oracle: the non-comment lines of a plain list
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        return {ln.strip().lower() for ln in lines if ln.strip() and not ln.strip().startswith(("#", ";"))}

    for name, entry in registry().items():
        if entry["where"] != "user":
            continue
        lex = load_lexicon(name)
        assert lex.source == entry["source"] and lex.licence == entry["licence"], name
        assert lex.path == str(lexicons_available / entry["path"])
        if entry["format"] == "txt":
            assert lex.n_entries == len(plain_entries(lexicons_available / entry["path"])), name
    mfd2 = load_lexicon("mfd2")
    assert mfd2.categories == [f"{f}.{p}" for f in ("care", "fairness", "loyalty", "authority", "sanctity")
                               for p in ("virtue", "vice")]
    # MFD 1.0 writes several codes in one field ("preserve<TAB>01 07 09"); all of them are read
    mfd1 = load_lexicon("mfd1")
    assert {mfd1.categories[c] for c in mfd1.match("preserve")} == {"care.virtue", "authority.virtue",
                                                                   "sanctity.virtue"}


# -- coverage ----------------------------------------------------------------------------------------------------


def toy_lexicon():
    lex = Lexicon(name="toy", categories=[])
    for term, cat in (("cat", "a"), ("big dog", "a"), ("dog*", "b")):
        lex.add(term, cat)
    lex.__post_init__()
    return lex


def test_coverage_on_a_toy_corpus_by_hand():
    texts = ["The cat sat.", "A big dog barked at dogs.", "Nothing here."]
    table = lexicon_coverage(texts, [toy_lexicon()]).set_index("category")
    # 3 + 6 + 2 = 11 tokens. a: "cat" (article 0) and "big dog" (2 tokens, article 1) → 3 tokens, 2 articles.
    # b: "dog" and "dogs" (article 1) → 2 tokens, 1 article. Whole lexicon: cat, big, dog, dogs → 4 tokens.
    assert table.loc["a", ["n_articles", "n_hit_articles", "n_tokens", "n_matched_tokens"]].tolist() == [3, 2, 11, 3]
    assert table.loc["b", ["n_hit_articles", "n_matched_tokens"]].tolist() == [1, 2]
    assert table.loc["*", ["n_hit_articles", "n_matched_tokens"]].tolist() == [2, 4]
    assert table.loc["a", "hit_rate"] == pytest.approx(2 / 3)
    assert table.loc["*", "token_share"] == pytest.approx(4 / 11)


def test_coverage_per_corpus():
    import pandas as pd

    articles = pd.DataFrame({"id": ["1", "2", "3"], "text": ["The cat sat.", "A big dog barked at dogs.", "No."],
                             "outlet": ["x", "y", "x"]})
    table = lexicon_coverage(articles, [toy_lexicon()], by="outlet")
    whole = table[table["category"] == "*"].set_index("corpus")
    assert whole.loc["x", ["n_articles", "n_hit_articles", "n_tokens", "n_matched_tokens"]].tolist() == [2, 1, 4, 1]
    assert whole.loc["y", ["n_articles", "n_hit_articles", "n_tokens", "n_matched_tokens"]].tolist() == [1, 1, 6, 3]
    with raises_exactly("lexicon_coverage(by='bias'): the article table has no such column; its columns are "
                        "['id', 'text', 'outlet']"):
        lexicon_coverage(articles, [toy_lexicon()], by="bias")


# -- command line ------------------------------------------------------------------------------------------------


def test_cli_show_list_and_coverage(tmp_path, capsys):
    from toolkit.__main__ import main

    lex_path = write(tmp_path, "toy.yaml", "source: hand-made\nversion: '1'\nlicence: CC0\n"
                     "categories:\n  a: [cat, 'big dog']\n  b: ['dog*']\n")
    assert main(["lexicons", "show", str(lex_path), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["licence"] == "CC0" and shown["n_entries_by_category"] == {"a": 2, "b": 1}

    assert main(["lexicons", "list", "--json"]) == 0
    listed = {row["name"]: row for row in json.loads(capsys.readouterr().out)}
    assert set(listed) == set(registry())

    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "one.txt").write_text("The cat sat on the big dog.\n", encoding="utf-8")
    (folder / "two.txt").write_text("Nothing to see.\n", encoding="utf-8")
    assert main(["lexicons", "coverage", str(folder), "--lexicon", str(lex_path), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 1
    # one.txt: 7 tokens, matched cat, big, dog; two.txt: 3 tokens, none
    assert (rows[0]["n_articles"], rows[0]["n_hit_articles"], rows[0]["n_tokens"], rows[0]["n_matched_tokens"]) == (
        2, 1, 10, 3)

    assert main(["lexicons", "show", str(tmp_path / "missing.dic")]) == 2
    assert capsys.readouterr().err.strip() == f"error: lexicon file not found: '{tmp_path / 'missing.dic'}'"


def test_phrase_weights_reach_lexicon_counts():
    from toolkit.features import Batch

    batch = Batch(["The big dog met a dog. Big. Dog."])
    counts = batch.lexicon_counts(toy_lexicon())
    # a: "big dog" once (the phrase does not cross "Big. Dog."); b: dog, dog, Dog
    assert np.array_equal(counts, [[1.0, 3.0]])


def test_vocabulary_ids_by_first_occurrence():
    rng = np.random.default_rng(0)
    words = ["nan", "None", "", "dog", "Dog", "dög", "7.5", "a b"] + [f"w{i}" for i in range(200)]
    vocab, expected = lexicons.Vocabulary(), {}
    for size in (0, 1, 5, 300, 2000):
        tokens = [words[i] for i in rng.integers(0, len(words), size)]
        ids = vocab.ids(tokens)
        for token in tokens:  # what a plain loop assigns: the next free id at a token's first occurrence
            expected.setdefault(token, len(expected))
        assert ids.dtype == np.int32 and ids.tolist() == [expected[t] for t in tokens]
        assert vocab.terms == list(expected) and vocab.index == expected


def test_rows_found_for_all_lexicons_at_once_equal_each_lexicon_alone(lexicons_available, seed_text, monkeypatch):
    from toolkit.segment import tokenize

    monkeypatch.setattr(lexicons, "_DEFAULT_VOCAB", lexicons.Vocabulary())  # a process vocabulary of its own

    toy_a = Lexicon("toy-a", ["x", "y"])
    for term, cat in (("martyr*", "x"), ("martyrdom", "y"), ("mart*", "y"), ("revenge", "x"), ("revenge", "y")):
        toy_a.add(term, cat)
    toy_b = Lexicon("toy-b", ["z"])
    toy_b.add("martyrdo*", "z")
    toy_b.add("revenge", "z", 0.5)
    lexs = [load_lexicon(name) for name in ("lsd2015", "mpqa", "mfd2", "style")] + [toy_a, toy_b]
    vocab = lexicons.default_vocabulary()
    texts = ["A first text.", seed_text, "Martyrs, martyrdom and the martyrdoms of marts: revenge, revenges, unheard-of words.",
             "Resistance fronts denounced aggression; a wholly unseen zqxw token."]
    for text in texts:  # the first text makes every lexicon join; the later ones find their rows together
        vocab.ids(tokenize(text))
        for lex in lexs:
            lex.matrix(vocab)
    assert lexicons._ROWS._upto == len(vocab)  # the rows were looked up for all lexicons at once
    for lex in lexs:
        alone = np.zeros((len(vocab), len(lex.categories)))
        for i, term in enumerate(vocab.terms):  # Lexicon.match, one term at a time
            for cat, weight in lex.match(term).items():
                alone[i, cat] = weight
        assert np.array_equal(lex.matrix(vocab).toarray(), alone), lex.name
    # entries added after the matrix was built reach it
    toy_b.add("zqxw", "z", 2.0)
    assert toy_b.matrix(vocab)[vocab.get("zqxw"), 0] == 2.0
    assert toy_a.matrix(vocab)[vocab.get("martyrdoms")].toarray().tolist() == [[1.0, 0.0]]


def _ids_at(vocab, tokens):
    """``vocab.ids_at`` of ``tokens`` given as the code points of their concatenation."""
    from toolkit.segment import _code_points

    ends = np.cumsum([len(t) for t in tokens], dtype=np.int64)
    return vocab.ids_at(_code_points("".join(tokens)), ends - np.array([len(t) for t in tokens], dtype=np.int64), ends)


def test_vocabulary_ids_from_code_points_equal_ids_from_strings(installed_corpus, seed_text):
    """The term table (``ids_at``) gives what ``ids`` gives, through table growth (it starts with room for 1,024
    terms), colliding hash slots, and terms added from strings in between; the batch tokens of the seed and 300
    AllSides articles, and made-up tokens (non-Latin, astral-plane, equal hashes of different lengths)."""
    from toolkit.segment import layouts

    texts = [seed_text] + installed_corpus("allsides-abp")["text"].head(300).tolist()
    by_strings, by_codes = lexicons.Vocabulary(), lexicons.Vocabulary()
    # "a" and "\x00a" hash alike, as do "a\U000f4243" and "b\x00" (97 × 1000003 + 1000003 = 98 × 1000003 + 0)
    odd = ["", "dög", "دم", "𝔡og", "a", "\x00", "aa", "\x00a", "a\U000f4243", "b\x00", "soleimani's"]
    for i, lay in enumerate(layouts(texts)):
        tokens = lay.tokens + (odd if i % 50 == 0 else [])
        assert np.array_equal(_ids_at(by_codes, tokens), by_strings.ids(tokens))
        if i % 7 == 0:  # terms added from strings (lexicon phrases do this) join the table before its next lookup
            extra = [f"x{i}", tokens[0] if tokens else "y", f"ß{i}"]
            assert np.array_equal(by_codes.ids(extra), by_strings.ids(extra))
    assert by_codes.terms == by_strings.terms and by_codes.index == by_strings.index
    assert len(by_codes.terms) > 4 * 1024 and len(by_codes._table.slot_term) >= 2 * len(by_codes.terms)
    # Every term is found again where it is: the ids of all terms, looked up at once, are 0, 1, 2, …
    assert np.array_equal(_ids_at(by_codes, by_codes.terms), np.arange(len(by_codes.terms)))


def test_compiled_term_loop_equals_the_same_code_run_by_python():
    from toolkit._compiled import compiled
    from toolkit.lexicons import _term_ids_loop, _TermTable
    from toolkit.segment import _code_points

    tokens = ["dog", "cat", "dog", "dög", "𝔡og", "cat", "", "catalogue"] * 3
    ends = np.cumsum([len(t) for t in tokens], dtype=np.int64)
    starts = ends - np.array([len(t) for t in tokens], dtype=np.int64)
    codes = _code_points("".join(tokens))
    results = []
    for loop in (_term_ids_loop, compiled(_term_ids_loop)):
        table = _TermTable(capacity=4)  # full at four terms: the loop stops at the fifth, to resume after growing
        out = np.full(len(tokens), -1, dtype=np.int32)
        done, n_terms = loop(codes, starts, ends, 0, table.slot_term, table.term_hash, table.term_ptr,
                             table.term_codes, 0, out)
        results.append((done, n_terms, out.copy(), table.term_hash.copy(), table.slot_term.copy()))
    assert results[0][:2] == results[1][:2] == (6, 4)  # dog cat dög 𝔡og, then "" (token 6) does not fit
    for a, b in zip(results[0][2:], results[1][2:]):
        np.testing.assert_array_equal(a, b)
