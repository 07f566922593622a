"""Every curated notebook runs end to end on small parameters, with the seed and with any article."""

import json
import re

import pytest

from toolkit import curated, report


@pytest.fixture(scope="module")
def small_run(tmp_path_factory, seed_path):
    """All curated notebooks, small parameters, the shipped seed: one report run (about two minutes)."""
    return report.build_report(None, small=True, seed=seed_path, out_dir=tmp_path_factory.mktemp("reports"))


@pytest.mark.slow
def test_every_curated_notebook_runs_on_small_parameters(small_run):
    record = json.loads((small_run / "provenance.json").read_text())
    names = [n["notebook"] for n in record["notebooks"]]
    assert names == [p.name for p in report.list_notebooks()]
    failed = {n["notebook"]: n["error"] for n in record["notebooks"] if n["error"]}
    assert failed == {}
    for n in record["notebooks"]:
        page = (small_run / n["notebook"].replace(".py", ".html")).read_text()
        assert "Traceback" not in page and "ename" not in page, n["notebook"]
        assert n["parameters"]["small"] is True
        # each page shows a result: a figure, a table, or a notice saying what is missing
        assert re.search(r'src="data:image/png;base64,|<table|tk-notice', page), n["notebook"]


@pytest.mark.slow
def test_the_seed_notebook_shows_structure_and_figures(small_run):
    page = (small_run / "01_seed_up_close.html").read_text()
    assert "Voice spans in reading order" in page
    assert "@codepink" in page or "IraqLiveUpdate" in page  # the social posts of the seed are found
    assert len(re.findall(r'src="data:image/png;base64,', page)) >= 1


@pytest.mark.slow
def test_reference_notebook_uses_installed_corpora(small_run, installed_corpus):
    installed_corpus("allsides-abp")
    installed_corpus("tehran-times")
    page = (small_run / "02_seed_against_references.html").read_text()
    assert "corpora fetch" not in page  # nothing reported missing
    # positions, keyness against AllSides and Tehran Times, and a term map for each
    assert len(re.findall(r'src="data:image/png;base64,', page)) >= 5
    assert page.count('class="tk-scatter"') == 2  # the interactive term maps are embedded


def test_reference_groups_say_what_is_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("TOOLKIT_DATA", str(tmp_path))
    curated.NOTICES.clear()
    out = curated.reference_groups({"left": "corpus:allsides-abp?bias=left"}, 10)
    assert out is None
    assert any("python -m toolkit corpora fetch allsides-abp" in n for n in curated.NOTICES)


def test_sampling_is_reproducible_and_capped():
    import pandas as pd

    df = pd.DataFrame({"id": [f"a{i:03d}" for i in range(100)], "text": ["x"] * 100})
    a = curated.sample_articles(df, 10, random_state=1)
    assert len(a) == 10 and list(a["id"]) == sorted(a["id"])
    assert list(a["id"]) != list(curated.sample_articles(df, 10, random_state=2)["id"])
    assert list(curated.sample_articles(df, 1000)["id"]) == list(df["id"])


@pytest.mark.slow
def test_interactive_term_map_draws_in_chromium_without_errors(small_run, installed_corpus):
    installed_corpus("allsides-abp")
    from test_report import _chromium, _console_messages  # noqa: F401 - same checks as the report tests

    _chromium()
    page = small_run / "02_seed_against_references.html"
    dom, console = _console_messages(page)
    assert console == []
    scatter = dom[dom.index('class="tk-scatter"'):]
    assert "<svg" in scatter[:200_000] and "<circle" in scatter[:400_000]  # the script drew the points
