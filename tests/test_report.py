"""The report pipeline: notebook discovery and parameters, provenance, runs that never overwrite, offline HTML,
escaping of article text, a missing corpus as a notice, and Chromium (console, screenshot, PDF)."""

import base64
import html
import io
import json
import os
import re
import subprocess
import tempfile
from pathlib import Path

import pytest

from toolkit import report
from toolkit.errors import ToolkitError

SCRIPT = "<script>alert(1)</script>"
IN_CI = os.environ.get("CI", "").lower() == "true"


def _chromium():
    found = report.find_chromium()
    if not found:
        if IN_CI:
            pytest.fail("chromium is required under CI=true (apt-get install -y chromium)")
        pytest.skip("chromium is not installed (apt-get install -y chromium); Chromium checks skipped")
    return found


def _seed_text():
    """A small article written for the tests, with a quotation, a social post, and a script tag in the text."""
    return (
        "date 2020-01-05 Officials in Baghdad said the strike near the airport killed two commanders.\n\n"
        f"Protesters carried signs reading {SCRIPT} outside the embassy on Sunday.\n\n"
        "\u201cThis is an act of war,\u201d the minister said. \u201cWe will respond at the right time.\u201d\n\n"
        "Crowds mourn in the streets pic.twitter.com/abc123 \u2014 Some Reporter (@reporter) January 4, 2020\n\n"
        "Analysts warned that the killing could escalate tension across the region, and markets fell sharply.\n"
    )


# ------------------------------------------------------------------------------------------------ discovery


def test_curated_notebooks_open_with_a_question_and_literal_parameters():
    paths = report.list_notebooks()
    assert [p.name[:2] for p in paths] == ["01", "02", "03", "04", "05", "06"]
    for path in paths:
        nb = report.read_notebook(path)
        first = nb.cells[0]
        assert first.cell_type == "markdown" and first.source.lstrip().startswith("# "), path.name
        assert "Question" in first.source, path.name
        params = report.notebook_parameters(nb)  # raises unless literals only
        tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
        assert tagged == [1], path.name  # the cell right after the question
        assert "random_state" in params and "small" in params, path.name
        # papermill must see the same parameters (it cannot parse, e.g., '=' inside a default string)
        from papermill.translators import PythonTranslator

        assert [p.name for p in PythonTranslator.inspect(nb.cells[1])] == list(params), path.name
    # every notebook that samples a corpus has a small-parameters knob the report sets
    declared = {p.name: report.notebook_parameters(p) for p in paths}
    for name in ("02_seed_against_references.py", "04_state_aligned_vs_independent.py", "06_bring_your_own.py"):
        assert declared[name]["max_reference_articles"] > report.SMALL_PARAMETERS["max_reference_articles"]


def test_selection_of_notebooks_by_number_and_name():
    assert [p.name[:2] for p in report.list_notebooks("03,01")] == ["03", "01"]
    assert [p.name[:2] for p in report.list_notebooks(["1"])] == ["01"]
    with pytest.raises(ToolkitError, match=r"--notebooks: no curated notebook matches '99'"):
        report.list_notebooks("99")


def test_parameters_cell_refuses_derived_values(tmp_path):
    src = tmp_path / "01_bad.py"
    src.write_text('# %% [markdown]\n# # Q\n\n# %% tags=["parameters"]\nn = 3\nm = n * 2\n')
    with pytest.raises(ToolkitError, match=r"m must be a literal .*got 'n \* 2'"):
        report.notebook_parameters(src)


def test_parse_param_reads_literals_and_keeps_strings():
    assert report.parse_param("max_reference_articles=500") == ("max_reference_articles", 500)
    assert report.parse_param("families=['sentiment']") == ("families", ["sentiment"])
    assert report.parse_param("event_query=soleimani") == ("event_query", "soleimani")
    with pytest.raises(ToolkitError, match=r"--param: expected key=value, got 'oops'"):
        report.parse_param("oops")


def test_unknown_parameter_is_refused_before_anything_runs(tmp_path):
    with pytest.raises(ToolkitError, match=r"no selected notebook has parameter\(s\) \['nope'\]"):
        report.build_report("01", parameters={"nope": 1}, out_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_pinned_kernel_runs_this_interpreter():
    import sys

    from jupyter_client.kernelspec import KernelSpecManager

    with report.pinned_kernel():
        spec = KernelSpecManager().get_kernel_spec("python3")
    assert spec.argv[0] == sys.executable
    assert "JUPYTER_PATH" not in os.environ or os.environ["JUPYTER_PATH"].find("toolkit-kernel-") < 0


def test_provenance_records_what_made_the_report(tmp_path):
    seed = tmp_path / "seed.txt"
    seed.write_text(_seed_text())
    record = report.provenance({"random_state": 3}, [], seed_path=seed)
    for key in ("git", "parameters", "packages", "corpora", "lexicons", "python", "platform", "random_seeds", "seed"):
        assert key in record
    assert record["random_seeds"]["random_state"] == 3
    assert record["packages"]["papermill"] and record["packages"]["pandas"]
    assert set(record["git"]) == {"commit", "dirty"}
    names = {c["name"] for c in record["corpora"]}
    assert {"allsides-abp", "tehran-times", "lexicons"} <= names
    tt = next(c for c in record["corpora"] if c["name"] == "tehran-times")
    assert re.fullmatch(r"[0-9a-f]{64}", tt["archive_sha256"]) and tt["licence"]
    import hashlib

    from toolkit import lexicons

    assert {l["name"] for l in record["lexicons"]} == set(lexicons.registry())
    for lex in record["lexicons"]:
        assert "licence" in lex and "sha256" in lex
        if lex["sha256"]:  # available here: the checksum is of the file read
            assert re.fullmatch(r"[0-9a-f]{64}", lex["sha256"])
    assert record["seed"]["sha256"] == hashlib.sha256(seed.read_bytes()).hexdigest()


# ------------------------------------------------------------------------------------------------ a real run


@pytest.fixture(scope="module")
def seed_run(tmp_path_factory):
    """Notebook 01 run twice on the test article (which contains a script tag), small parameters."""
    root = tmp_path_factory.mktemp("reports")
    seed = root / "seed_with_script.txt"
    seed.write_text(_seed_text())
    # two light feature families keep the two runs fast; the pipeline is the same for every family
    params = {"families": ["sentiment", "bias"]}
    first = report.build_report("01", small=True, seed=seed, parameters=params, out_dir=root)
    second = report.build_report("01", small=True, seed=seed, parameters=params, out_dir=root)
    return first, second


def _images(page: str) -> list[bytes]:
    return [base64.b64decode(m) for m in re.findall(r'<img[^>]+src="data:image/png;base64,([^"]+)"', page)]


@pytest.mark.slow
def test_report_run_writes_html_index_and_provenance(seed_run):
    first, second = seed_run
    assert first != second and first.is_dir() and second.is_dir()  # a new run never overwrites an old one
    assert not list(first.parent.glob(".*.partial"))
    assert re.fullmatch(r"\d{8}T\d{6}Z-[0-9a-f]{7}(-\d+)?", first.name)
    page = (first / "01_seed_up_close.html").read_text()
    assert "The seed up close" in page
    assert "import pandas" not in page and "curated.load_seed" not in page  # code hidden
    assert "<script src=" not in page and "<link rel=\"stylesheet\" href=\"http" not in page  # offline
    index = (first / "index.html").read_text()
    assert 'href="01_seed_up_close.html"' in index and "provenance.json" in index
    record = json.loads((first / "provenance.json").read_text())
    assert record["run"] == first.name
    nb = record["notebooks"][0]
    assert nb["notebook"] == "01_seed_up_close.py" and nb["error"] is None
    assert nb["parameters"]["small"] is True and nb["parameters"]["seed_path"].endswith("seed_with_script.txt")
    assert nb["outputs"]["01_seed_up_close.html"] == report._sha256(first / "01_seed_up_close.html")


@pytest.mark.slow
def test_report_figures_are_embedded_pngs_and_identical_between_runs(seed_run):
    from PIL import Image

    pages = [(run / "01_seed_up_close.html").read_text() for run in seed_run]
    images = [_images(p) for p in pages]
    assert images[0], "the report has no embedded figure"
    for data in images[0]:
        Image.open(io.BytesIO(data)).verify()
    assert images[0] == images[1]  # same inputs, same figures


@pytest.mark.slow
def test_article_text_is_escaped_in_the_report(seed_run):
    page = (seed_run[0] / "01_seed_up_close.html").read_text()
    assert SCRIPT not in page
    assert "alert(1)" in page  # the text is there …
    assert html.escape(SCRIPT) in page or "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # … escaped


@pytest.mark.slow
def test_missing_corpus_gives_a_notice_not_a_crash(tmp_path, monkeypatch):
    monkeypatch.setenv("TOOLKIT_DATA", str(tmp_path / "empty-data"))  # no corpus installed there
    seed = tmp_path / "seed.txt"
    seed.write_text(_seed_text())
    run = report.build_report("02", small=True, seed=seed, out_dir=tmp_path / "reports")
    record = json.loads((run / "provenance.json").read_text())
    assert record["notebooks"][0]["error"] is None
    page = (run / "02_seed_against_references.html").read_text()
    assert "python -m toolkit corpora fetch allsides-abp" in page
    assert "python -m toolkit corpora fetch tehran-times" in page


# ------------------------------------------------------------------------------------------------ Chromium


def _run_chromium(*args, timeout=120):
    chromium = _chromium()
    with tempfile.TemporaryDirectory() as profile:
        cmd = report.chromium_command(chromium, profile, *args)
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def _console_messages(page):
    """The DOM after scripts ran, and every console message or uncaught error Chromium logged."""
    proc = _run_chromium("--enable-logging=stderr", "--v=0", "--virtual-time-budget=3000", "--dump-dom",
                         page.as_uri())
    assert proc.returncode == 0, proc.stderr[-800:]
    return proc.stdout, [l for l in proc.stderr.splitlines() if ":CONSOLE" in l]


@pytest.mark.slow
def test_report_page_in_chromium_has_no_console_errors_and_loads_every_figure(seed_run, tmp_path):
    page = seed_run[0] / "01_seed_up_close.html"
    # the check itself catches a broken page
    bad = tmp_path / "bad.html"
    bad.write_text("<html><body><script>console.error('boom'); undefinedFn();</script></body></html>")
    assert len(_console_messages(bad)[1]) == 2
    dom, console = _console_messages(page)
    assert console == []

    assert "The seed up close" in dom
    assert len(re.findall(r"<img[^>]+src=\"data:image/png;base64,", dom)) == len(_images(page.read_text()))
    assert "<script>alert(1)</script>" not in dom.replace("&lt;", "<x")  # the script tag never became an element
    shot = tmp_path / "page.png"
    proc = _run_chromium("--window-size=1100,1600", f"--screenshot={shot}", page.as_uri())
    from PIL import Image

    img = Image.open(shot)
    assert img.size == (1100, 1600)
    import numpy as np

    assert len(np.unique(np.asarray(img.convert("L")))) > 10  # not a blank page


@pytest.mark.slow
def test_pdf_has_pages_with_text(seed_run, tmp_path):
    _chromium()
    pdf = report.print_pdf(seed_run[0] / "01_seed_up_close.html", tmp_path / "page.pdf")
    from pypdf import PdfReader

    reader = PdfReader(str(pdf))
    assert len(reader.pages) >= 2
    text = " ".join(p.extract_text() or "" for p in reader.pages)
    assert "The seed up close" in text and "Question" in text


TINY = '''# %% [markdown]
# # Tiny
#
# **Question:** does the pipeline run a notebook from a folder?

# %% tags=["parameters"]
n = 3
random_state = 0

# %%
print("n is", n)
'''


def test_pdf_without_chromium_writes_html_and_says_why(tmp_path, monkeypatch):
    folder = tmp_path / "nbs"
    folder.mkdir()
    (folder / "01_tiny.py").write_text(TINY)
    monkeypatch.setenv("TOOLKIT_CHROMIUM", str(tmp_path / "no-such-chromium"))
    run = report.build_report(None, pdf=True, parameters={"n": 7}, notebooks_dir=folder, out_dir=tmp_path / "out")
    assert (run / "01_tiny.html").is_file() and not list(run.glob("*.pdf"))
    assert "n is 7" in (run / "01_tiny.html").read_text()
    record = json.loads((run / "provenance.json").read_text())
    assert record["pdf"].startswith("PDF skipped: no Chromium found")
    assert record["notebooks"][0]["parameters"] == {"n": 7, "random_state": 0}
