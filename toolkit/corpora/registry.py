"""The corpora the toolkit knows: where each comes from, its licence and citation, what it should hold.

The registry is data. Each entry names the archive (``NAME.tar.xz`` in a mirror folder, pinned by sha256), the
public origin (repository at a pinned commit; its GitHub tarball is the download address), the licence and terms
as the upstream states them, a citation, the counts an import must reproduce, and the adapter module in
``toolkit.corpora.adapters`` that turns the upstream layout into the canonical article table.

Corpora a user adds with a corpus card (``corpora add CARD.yaml``) are listed next to these; their cards live in
``corpora_dir()/NAME/card.yaml``.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from toolkit.errors import ToolkitError


def _github(repo: str, commit: str) -> dict:
    return {
        "repository": f"https://github.com/{repo}",
        "commit": commit,
        "url": f"https://codeload.github.com/{repo}/tar.gz/{commit}",
    }


CORPORA: dict[str, dict] = {
    "allsides-abp": {
        "description": "AllSides news articles with outlet-level political bias labels (Article-Bias-Prediction).",
        "kind": "comparison",
        "archive": "allsides-abp.tar.xz",
        "sha256": "b2f97dd0bd552da871f76a7cbf1f78167dd1422c9430b376209383b52ba48d7e",
        "origin": _github("ramybaly/Article-Bias-Prediction", "ced8111a720948e6a410e52031ace99c4e53f096"),
        "licence": "Apache-2.0 (repository); article text (c) the outlets",
        "citation": "Baly, Da San Martino, Glass, Nakov (2020). We Can Detect Your Bias: Predicting the Political "
        "Ideology of News Articles. EMNLP 2020.",
        "adapter": "allsides_abp",
        "expected": {"n_articles": 37554},
        "metadata": ["bias", "topic", "authors", "source_url", "split_random", "split_media"],
    },
    "tehran-times": {
        "description": "Tehran Times (Iranian state-aligned English daily) articles; dates estimated from the "
        "chronological article id.",
        "kind": "comparison",
        "archive": "tehran-times.tar.xz",
        "sha256": "0496acb2d30c21f2e345e63d45621376124f972325815b51349ff72866a0893a",
        "origin": _github("Kmahmoudi/Tehran-Times-Dataset", "5441021a9f52bb153c1d7ab18ae3d6a6a93f1099"),
        "licence": "README states CC BY 4.0 (pasted from another dataset; no LICENSE file); text (c) Tehran Times",
        "citation": "Mahmoudi, K. Tehran Times Dataset. https://github.com/Kmahmoudi/Tehran-Times-Dataset",
        "adapter": "tehran_times",
        "expected": {"n_articles": 33724},
        "metadata": ["tt_id", "date_estimated", "date_error_days"],
    },
    "semeval2023-task3-en": {
        "description": "SemEval-2023 Task 3 English: news genre, 14 framing dimensions and persuasion techniques.",
        "kind": "gold",
        "archive": "semeval2023-task3-en.tar.xz",
        "sha256": "3b283f087e3b5143583406dc8f8c2b98190f705f88f1d211a555a5438c3e6907",
        "origin": _github("yrf1/SemEval23-Task-3-UIUC-Team", "063567a30dc0545e8d87543f595100780e3bc17a"),
        "licence": "no licence stated; SemEval-2023 Task 3 data",
        "citation": "Piskorski, Stefanovitch, Da San Martino, Nakov (2023). SemEval-2023 Task 3: Detecting the "
        "Category, the Framing, and the Persuasion Techniques in Online News in a Multi-lingual Setup.",
        "adapter": "semeval2023",
        "expected": {"n_articles": 419, "n_frame_labelled": 334},
        "metadata": [],
    },
    "semeval2020-ptc": {
        "description": "Propaganda Techniques Corpus v2 (SemEval-2020 Task 11): technique spans.",
        "kind": "gold",
        "archive": "semeval2020-ptc.tar.xz",
        "sha256": "4e8f5752bb1015ee92f600b410618b0888d280617f78cbdc61a197d9e8f4945f",
        "origin": _github("aschern/semeval2020_task11", "84c384d3813a51f4face15086463952ebc2e0993"),
        "licence": "no licence stated; cite Da San Martino et al. 2020",
        "citation": "Da San Martino, Barron-Cedeno, Wachsmuth, Petrov, Nakov (2020). SemEval-2020 Task 11: "
        "Detection of Propaganda Techniques in News Articles.",
        "adapter": "semeval2020_ptc",
        "expected": {"n_articles": 419},
        "metadata": [],
    },
    "basil": {
        "description": "BASIL: 100 same-event triplets (Fox News, New York Times, HuffPost) with lexical and "
        "informational bias spans.",
        "kind": "gold",
        "archive": "basil.tar.xz",
        "sha256": "242a538bf58b1a8e6045b103f1591fc316dce9a7bb10883fa4355f5cde9b9e32",
        "origin": _github("launchnlp/BASIL", "4fdbc4f68d5ddae648990063cb6dd11424d96222"),
        "licence": "no licence stated",
        "citation": "Fan, White, Sharma, Su, Choubey, Huang, Wang (2019). In Plain Sight: Media Bias Through the "
        "Lens of Factual Reporting. EMNLP 2019.",
        "adapter": "basil",
        "expected": {"n_articles": 300},
        "metadata": ["triplet", "event", "relative_stance"],
    },
    "mbib-subsets": {
        "description": "Ukraine News Corpus (MBIB 019): 90 articles with sentence-level framing (pro-Russia / "
        "pro-West), subjectivity and hidden-assumption judgements.",
        "kind": "gold",
        "archive": "mbib-subsets.tar.xz",
        "sha256": "0d626d8c93ea16b391a44b7bfb3a7262b0e3a4e6e1a8ce3a2eba9b2288559d07",
        "origin": _github("Media-Bias-Group/MBIB", "b9a887ffd461fa462e89835fc27b36e370091954"),
        "licence": "GPL-3.0 (repository)",
        "citation": "Faerber, Burkard, Jatowt, Lim (2020). A Multidimensional Dataset Based on Crowdsourcing for "
        "Analyzing and Detecting News Bias. CIKM 2020; Wessel et al. (2023) MBIB.",
        "adapter": "mbib_subsets",
        "expected": {"n_articles": 90},
        "metadata": ["label"],
    },
    "pac-partisan-events": {
        "description": "Partisan events: left/right story pairs with sentence-level partisan-event labels.",
        "kind": "gold",
        "archive": "pac-partisan-events.tar.xz",
        "sha256": "447ba1de2433d13876900fcff64e27fd05bc002a6d579267e7e82180bd52cc90",
        "origin": _github("launchnlp/Partisan-Event-Dataset", "3d9e5815bb0fd7c505cd1669930918617670f80d"),
        "licence": "no licence stated",
        "citation": "Zou, Zhang, Wang (2023). Longitudinal / partisan event selection. Findings of EMNLP 2023.",
        "adapter": "pac_partisan_events",
        "expected": {"n_articles": 304},
        "metadata": ["bias", "story", "topic", "split"],
    },
    "neus-allsides-triplets": {
        "description": "NeuS: AllSides left/center/right lead triplets with a neutral roundup (title and lead only).",
        "kind": "comparison",
        "archive": "neus-allsides-triplets.tar.xz",
        "sha256": "4014f48217c1096a5d9ac22a1d044dc4f86625c32cd5dc1fcea2eb7f090e71b8",
        "origin": _github("HLTCHKUST/framing-bias-metric", "1586f55a9011853224ca4d0cee164c46f6137557"),
        "licence": "MIT (repository badge); text (c) the outlets",
        "citation": "Lee, Bang, Madotto, Fung (2022). NeuS: Neutral Multi-News Summarization for Mitigating "
        "Framing Bias. NAACL 2022.",
        "adapter": "neus_allsides_triplets",
        "expected": {"n_triplets": 3066},
        "metadata": ["triplet", "split"],
    },
    "lexicons": {
        "description": "Bias, subjectivity, opinion, moral-foundations and sentiment lexicons (unpacked for the "
        "feature code; see lexicons/README.md inside).",
        "kind": "lexicons",
        "archive": "lexicons.tar.xz",
        "sha256": "3b37e2bfc5d4ac48bcd25abce4f5fc8b8554b961d83504166db35999d573ae98",
        "origin": None,
        "licence": "varies: LSD2015, eMFD and MFD non-commercial academic use; MPQA GPL; others unstated",
        "citation": "see lexicons/README.md inside the archive",
        "adapter": "lexicons",
        "expected": {},
        "metadata": [],
    },
}


def known_names() -> list[str]:
    """Names of the registered corpora (not the user's own)."""
    return list(CORPORA)


def get_entry(name: str) -> dict:
    """The registry entry for ``name``; raises ToolkitError naming the known corpora otherwise."""
    if name in CORPORA:
        return CORPORA[name]
    from toolkit.corpora.store import user_cards

    cards = user_cards()
    if name in cards:
        return cards[name]
    known = ", ".join(sorted(list(CORPORA) + list(cards)))
    raise ToolkitError(f"unknown corpus {name!r}; expected one of: {known}")


def load_adapter(name: str) -> ModuleType:
    """Import the adapter module of corpus ``name`` lazily, so a missing adapter breaks only that corpus."""
    entry = get_entry(name)
    module_name = f"toolkit.corpora.adapters.{entry['adapter']}"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            raise ToolkitError(
                f"corpus {name!r}: its adapter module {module_name} is not installed in this toolkit"
            ) from exc
        raise
    if not callable(getattr(module, "read", None)):
        raise ToolkitError(f"corpus {name!r}: adapter {module_name} has no read(root) function")
    return module
