"""Outlet boilerplate: detection counts by hand, stripping keeps offsets, furniture found on AllSides."""

import pandas as pd
import pytest

from toolkit.boilerplate import detect_boilerplate, normalise_line, strip_boilerplate
from toolkit.errors import ToolkitError


def _toy():
    rows = []
    for i in range(6):
        rows.append({"id": f"a{i}", "outlet": "Daily A",
                     "text": f"Story about the budget of {['roads', 'schools', 'parks', 'water', 'police', 'fire'][i]}.\nCopyright © 20{10 + i} Daily A. Click here for permission.\n"
                             + ("Sign up for our newsletter\n" if i < 2 else "")})
    for i in range(3):
        rows.append({"id": f"b{i}", "outlet": "Weekly B",
                     "text": f"Report on {['trade', 'fishing', 'roads'][i]}.\nCopyright © 2019 Daily A. Click here for permission.\n"})
    return pd.DataFrame(rows)


def test_detect_counts_articles_per_outlet_by_hand():
    table = detect_boilerplate(_toy(), min_articles=3, min_share=0.5)
    assert list(table.columns[:5]) == ["outlet", "line", "n_articles", "n_outlet_articles", "share"]
    row = table[table["outlet"] == "Daily A"].set_index("line").loc["copyright © 0000 daily a. click here for permission."]
    assert row["n_articles"] == 6 and row["n_outlet_articles"] == 6 and row["share"] == 1.0
    # the same line at Weekly B counts only Weekly B's articles: 3 of 3
    b = table[table["outlet"] == "Weekly B"]
    assert b["n_articles"].tolist() == [3] and b["share"].tolist() == [1.0]
    # the newsletter prompt is in 2 of 6 Daily A articles: below min_articles=3
    assert not table["line"].str.contains("newsletter").any()
    looser = detect_boilerplate(_toy(), min_articles=2, min_share=0.3)
    assert looser["line"].str.contains("newsletter").any()
    stricter = detect_boilerplate(_toy(), min_articles=2, min_share=0.5)
    assert not stricter["line"].str.contains("newsletter").any()  # 2/6 = 0.33 < 0.5


def test_strip_blanks_lines_and_keeps_offsets():
    arts = _toy()
    before = arts.copy()
    table = detect_boilerplate(arts, min_articles=3, min_share=0.5)
    stripped = strip_boilerplate(arts, table)
    pd.testing.assert_frame_equal(arts, before)  # input untouched
    assert (stripped.str.len() == arts["text"].str.len()).all()
    assert not stripped.str.contains("Copyright").any()
    assert stripped.str.contains("about the budget").sum() == 6
    first = stripped.iloc[0]
    assert first.index("\n") == arts["text"].iloc[0].index("\n")


def test_normalise_line():
    assert normalise_line("  Copyright ©  2020\tThe  Times ") == "copyright © 0000 the times"


def test_validation_messages():
    with pytest.raises(ToolkitError, match="articles: expected a 'outlet' column"):
        detect_boilerplate(pd.DataFrame({"text": ["a"]}))
    with pytest.raises(ToolkitError, match="min_articles: expected an integer >= 2"):
        detect_boilerplate(_toy(), min_articles=1)
    with pytest.raises(ToolkitError, match="table: expected a boilerplate table with 'outlet' and 'line' columns"):
        strip_boilerplate(_toy(), pd.DataFrame({"x": [1]}))


@pytest.mark.slow
def test_allsides_site_furniture_is_found_and_keyness_drops_it(installed_corpus):
    from toolkit.keyness import keyness

    ref = installed_corpus("allsides-abp")
    wt = ref[ref["outlet"] == "Washington Times"]
    assert len(wt) > 1000
    sample = pd.concat([wt.head(400), ref[ref["outlet"] != "Washington Times"].head(1600)])
    table = detect_boilerplate(sample)
    wt_lines = table.loc[table["outlet"] == "Washington Times", "line"]
    assert wt_lines.str.contains("click here for reprint permission").any()
    # Washington Times against the rest: furniture dominates unless it is stripped
    target, rest = sample[sample["outlet"] == "Washington Times"], sample[sample["outlet"] != "Washington Times"]
    raw = keyness(target, rest, ngram_range=(1, 2), exclude_boilerplate=False, cache=False)
    clean = keyness(target, rest, ngram_range=(1, 2), boilerplate=table, cache=False)
    for term in ("copyright", "newsletters", "click here"):
        assert term in set(raw["term"].head(30)), f"{term!r} expected among the raw top 30"
        assert term not in set(clean["term"].head(30)), f"{term!r} still in the top 30 after stripping"
