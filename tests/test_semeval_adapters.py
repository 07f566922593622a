"""SemEval-2023 Task 3 and PTC adapters: counts, hand-checked labels, layouts, errors."""

import shutil
from pathlib import Path

import pytest

from conftest import missing
from toolkit.corpora.adapters import semeval2020_ptc, semeval2023
from toolkit.errors import ToolkitError


@pytest.fixture(scope="module")
def raw_root(tmp_path_factory):
    """The two archives from the mirror, extracted (the adapters read the raw upstream files)."""
    from toolkit.corpora.fetch import mirror_dir, safe_extract

    mirror = mirror_dir()
    if mirror is None:
        missing("TOOLKIT_MIRROR is not set (the folder holding semeval2023-task3-en.tar.xz and semeval2020-ptc.tar.xz)")
    out = tmp_path_factory.mktemp("raw")
    roots = {}
    for name in ("semeval2023-task3-en", "semeval2020-ptc"):
        archive = Path(mirror) / f"{name}.tar.xz"
        if not archive.is_file():
            missing(f"{archive.name} is not in the mirror folder")
        roots[name] = safe_extract(archive, out / name, quiet=True)
    return roots


@pytest.fixture(scope="module")
def semeval(raw_root):
    return semeval2023.read(raw_root["semeval2023-task3-en"])


@pytest.fixture(scope="module")
def ptc(raw_root):
    return semeval2020_ptc.read(raw_root["semeval2020-ptc"])


def test_semeval_counts(semeval):
    arts = semeval["articles"]
    assert len(arts) == 419
    assert arts["id"].is_unique
    assert arts["id"].str.startswith("semeval2023-task3-en:").all()
    assert arts["frames"].notna().sum() == 334
    assert arts["genre"].notna().sum() == 334
    assert set(semeval["frames"]["frame"]) <= set(semeval2023.FRAMES)
    assert semeval["paragraphs"]["labelled"].sum() == 7471  # lines listed in train-labels-subtask-3.txt
    assert semeval["paragraphs"]["text"].str.strip().ne("").all()
    for col in ("id", "text", "title", "outlet", "date", "url", "lang"):
        assert col in arts.columns


def test_semeval_hand_checked_labels(semeval):
    # Read by eye from data/en/train-labels-subtask-1.txt, -2.txt, -3.txt and the spans folder.
    arts = semeval["articles"].set_index("id")
    row = arts.loc["semeval2023-task3-en:833042063"]
    assert row["genre"] == "satire"
    assert set(row["frames"].split(";")) == {
        "Political", "Morality", "Fairness_and_equality", "External_regulation_and_reputation",
        "Legality_Constitutionality_and_jurisprudence",
    }
    assert row["title"].startswith("Chelsea Handler")
    row = arts.loc["semeval2023-task3-en:832959523"]
    assert set(row["frames"].split(";")) == {
        "Morality", "Security_and_defense", "Policy_prescription_and_evaluation",
        "Legality_Constitutionality_and_jurisprudence", "Economic",
    }
    pt = semeval["paragraph_techniques"]
    got = set(pt.loc[pt["id"] == "semeval2023-task3-en:111111112", ["line", "technique"]].itertuples(index=False))
    assert (5, "Slogans") in got
    paras = semeval["paragraphs"].set_index(["id", "line"])
    assert paras.loc[("semeval2023-task3-en:111111112", 1), "text"] == "US bloggers banned from entering UK"
    spans = semeval["technique_spans"]
    first = spans[(spans["id"] == "semeval2023-task3-en:111111112") & (spans["start"] == 476)].iloc[0]
    assert first["technique"] == "False_Dilemma-No_Choice" and first["end"] == 556
    para = paras.loc[("semeval2023-task3-en:111111112", int(first["line"]))]
    assert para["start"] <= 476 < para["end"]


def test_ptc_counts_and_mapping(ptc):
    arts = ptc["articles"]
    assert len(arts) == 419
    assert arts["labelled"].sum() == 283
    spans = ptc["technique_spans"]
    s = spans[(spans["id"] == "semeval2020-ptc:111111112") & (spans["start"] == 476)].iloc[0]
    assert s["technique_ptc"] == "Black-and-White_Fallacy"
    assert s["technique"] == "False_Dilemma-No_Choice"
    merged = spans[spans["technique_ptc"] == "Whataboutism,Straw_Men,Red_Herring"]
    assert len(merged) > 0 and merged["technique"].isna().all()
    assert set(merged["technique_candidates"]) == {"Whataboutism;Straw_Man;Red_Herring"}
    assert set(spans["technique"].dropna()) <= set(semeval2023.TECHNIQUES)
    # every labelled span lies in a sentence line
    assert spans["line"].notna().all()


def test_other_top_folder_and_upstream_layout(raw_root, tmp_path):
    src = raw_root["semeval2023-task3-en"]
    data = next(p for p in Path(src).rglob("en") if p.is_dir())
    # the data folder itself, under another top name, and an upstream-like repository with two languages
    target = tmp_path / "repo-main" / "data" / "en"
    target.mkdir(parents=True)
    for name in ("train-labels-subtask-2.txt", "train-labels-subtask-1.txt"):
        shutil.copy(data / name, target / name)
    shutil.copytree(data / "train-articles-subtask-1", target / "train-articles-subtask-1")
    (tmp_path / "repo-main" / "data" / "fr").mkdir()
    (tmp_path / "repo-main" / "data" / "fr" / "train-labels-subtask-2.txt").write_text("")
    for root in (tmp_path / "repo-main", target):
        tables = semeval2023.read(root)
        assert len(tables["articles"]) == 334
        assert tables["articles"]["frames"].notna().sum() == 334


def test_errors_name_the_problem(tmp_path):
    with pytest.raises(ToolkitError, match="no folder under .* holds"):
        semeval2023.read(tmp_path)
    with pytest.raises(ToolkitError, match="expected a folder"):
        semeval2023.read(tmp_path / "nope")
    bad = tmp_path / "x" / "data" / "en"
    (bad / "train-articles-subtask-1").mkdir(parents=True)
    (bad / "train-articles-subtask-1" / "article1.txt").write_text("Title\n\nBody.\n")
    (bad / "train-labels-subtask-2.txt").write_text("1\tPolitical,Astrology\n")
    with pytest.raises(ToolkitError, match="unknown frame 'Astrology'"):
        semeval2023.read(tmp_path / "x")
    with pytest.raises(ToolkitError, match="no folder under"):
        semeval2020_ptc.read(tmp_path / "x")
