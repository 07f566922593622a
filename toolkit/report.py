"""Reproducible reports: run the curated notebooks and write HTML (and PDF) with a provenance record.

One entry point runs a notebook for everyone (the report command, the tests, the user):

1. read the percent-format source with jupytext;
2. execute it with papermill on a kernel named ``python3`` that is pinned to the current interpreter, with the
   notebook's ``parameters`` cell overridden by the caller's parameters;
3. export HTML with nbconvert, code hidden (``exclude_input``), figures embedded as ``data:`` URIs, and no
   script or stylesheet fetched from the network (the report works offline);
4. optionally print each HTML page to PDF with the system's headless Chromium.

Every run writes a new folder ``<reports_dir>/<UTC timestamp>-<short hash>/`` (built under a temporary name and
renamed into place, never overwriting an older run) with one HTML per notebook, the executed ``.ipynb``, an
``index.html`` and ``provenance.json`` (parameters, git commit and dirty flag, package versions, corpus and
lexicon checksums and licences, random seeds, Python and platform).
"""

from __future__ import annotations

import ast
import contextlib
import datetime as _dt
import hashlib
import html
import importlib.metadata
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from toolkit.errors import ToolkitError
from toolkit.paths import REPO_DIR, reports_dir

NOTEBOOKS_DIR = REPO_DIR / "notebooks"
KERNEL_NAME = "python3"
#: Parameters used by ``--small``: applied to each notebook that declares them, so the suite runs every notebook fast.
SMALL_PARAMETERS = {
    "max_reference_articles": 40,
    "max_group_articles": 20,
    "max_gold_articles": 60,
    "max_terms": 300,
    "n_features": 6,
    "n_boot": 100,
    "n_splits": 2,
    "tasks": ["genre"],  # validation retrains per fold; one task exercises the same code path
    "small": True,
}
#: Parameters every report run sets (a static page cannot run widgets).
REPORT_PARAMETERS = {"interactive": False}
#: Packages whose versions go into the provenance record (besides everything ``toolkit`` depends on).
_EXTRA_PACKAGES = ["toolkit", "nbclient", "nbformat", "jupyter_client", "ipykernel", "ipython", "pillow"]
_NB_NAME_RE = re.compile(r"^(\d\d)_[A-Za-z0-9_]+\.py$")


# --------------------------------------------------------------------------------------------------------------
# Finding notebooks and their parameters


def list_notebooks(selection=None, notebooks_dir: Path | None = None) -> list[Path]:
    """Curated notebooks (``NN_name.py``) in order; ``selection`` is ``"01,03"``, a list of numbers/names, or None."""
    folder = Path(notebooks_dir) if notebooks_dir else NOTEBOOKS_DIR
    if not folder.is_dir():
        raise ToolkitError(f"notebooks folder {str(folder)!r} does not exist; expected the checkout's notebooks/")
    found = sorted(p for p in folder.iterdir() if _NB_NAME_RE.match(p.name))
    if selection is None or selection == "" or selection == []:
        return found
    if isinstance(selection, str):
        selection = [s.strip() for s in selection.split(",") if s.strip()]
    chosen = []
    for item in selection:
        key = str(item).strip()
        key = key.zfill(2) if key.isdigit() else key
        matches = [p for p in found if p.name[:2] == key or p.stem == key or p.name == key]
        if not matches:
            raise ToolkitError(
                f"--notebooks: no curated notebook matches {item!r}; expected one of "
                f"{', '.join(p.name[:2] for p in found)} (or a file name in {folder.name}/)"
            )
        chosen.extend(m for m in matches if m not in chosen)
    return chosen


def read_notebook(path):
    """The notebook (nbformat node) for a percent-format ``.py`` source or an ``.ipynb``."""
    import jupytext

    path = Path(path)
    if not path.is_file():
        raise ToolkitError(f"notebook {str(path)!r} does not exist")
    nb = jupytext.read(path)
    nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": "Python 3", "language": "python"}
    nb.metadata.setdefault("language_info", {"name": "python"})
    return nb


def notebook_parameters(nb_or_path) -> dict:
    """The literal values of the notebook's ``parameters`` cell (raises if it holds anything but literals)."""
    nb = read_notebook(nb_or_path) if isinstance(nb_or_path, (str, Path)) else nb_or_path
    cells = [c for c in nb.cells if c.cell_type == "code" and "parameters" in c.metadata.get("tags", [])]
    if len(cells) != 1:
        raise ToolkitError(f"notebook: expected exactly one cell tagged 'parameters', found {len(cells)}")
    params = {}
    for node in ast.parse(cells[0].source).body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # a docstring-like comment
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            raise ToolkitError(
                f"notebook parameters cell: expected only 'name = literal' lines, got {ast.unparse(node)!r}"
            )
        try:
            params[node.targets[0].id] = ast.literal_eval(node.value)
        except ValueError:
            raise ToolkitError(
                f"notebook parameters cell: {node.targets[0].id} must be a literal (papermill does not recompute "
                f"derived values), got {ast.unparse(node.value)!r}"
            ) from None
    return params


def notebook_title(nb) -> str:
    """The first markdown heading (or first line) of the notebook."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                line = line.strip().lstrip("#").strip()
                if line:
                    return line
    return "notebook"


def parse_param(text: str) -> tuple[str, object]:
    """``key=value`` from the command line; the value is read as a Python literal, else kept as a string."""
    if "=" not in text:
        raise ToolkitError(f"--param: expected key=value, got {text!r}")
    key, value = text.split("=", 1)
    key = key.strip()
    if not key.isidentifier():
        raise ToolkitError(f"--param: expected a parameter name before '=', got {key!r}")
    try:
        return key, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return key, value


# --------------------------------------------------------------------------------------------------------------
# Kernel


@contextlib.contextmanager
def pinned_kernel():
    """Make the kernel named ``python3`` run this interpreter, whatever kernelspecs the user has installed.

    A temporary kernelspec folder is put first on ``JUPYTER_PATH`` for the duration of the block; nothing is
    installed or changed on the machine.
    """
    with tempfile.TemporaryDirectory(prefix="toolkit-kernel-") as tmp:
        spec_dir = Path(tmp) / "kernels" / KERNEL_NAME
        spec_dir.mkdir(parents=True)
        spec = {
            "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3 (toolkit)",
            "language": "python",
            "env": {"PYTHONHASHSEED": "0", "MPLBACKEND": "module://matplotlib_inline.backend_inline"},
            "metadata": {"debugger": False},
        }
        (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1))
        old = os.environ.get("JUPYTER_PATH")
        os.environ["JUPYTER_PATH"] = tmp + (os.pathsep + old if old else "")
        try:
            yield spec
        finally:
            if old is None:
                os.environ.pop("JUPYTER_PATH", None)
            else:
                os.environ["JUPYTER_PATH"] = old


# --------------------------------------------------------------------------------------------------------------
# Running one notebook


def execute_notebook(path, parameters: dict | None = None, *, output_path=None, cwd=None, timeout: int = 900):
    """Execute one curated notebook with papermill; returns ``(notebook, error message or None)``.

    Only parameters the notebook declares are passed. A failing cell does not raise: the executed notebook (with
    the error in it) is returned with the error message, so a report can still show how far it got.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    path = Path(path)
    nb = read_notebook(path)
    declared = notebook_parameters(nb)
    params = {k: v for k, v in (parameters or {}).items() if k in declared}
    with tempfile.TemporaryDirectory(prefix="toolkit-nb-") as tmp:
        out = Path(output_path) if output_path else Path(tmp) / (path.stem + ".ipynb")
        error = None
        with pinned_kernel():
            try:
                papermill.execute_notebook(
                    nb,
                    str(out),
                    parameters=params,
                    kernel_name=KERNEL_NAME,
                    language="python",
                    cwd=str(cwd or REPO_DIR),
                    progress_bar=False,
                    log_output=False,
                    execution_timeout=timeout,
                )
            except PapermillExecutionError as exc:
                error = f"{exc.ename}: {exc.evalue}"
        import nbformat

        executed = nbformat.read(str(out), as_version=4)
    return executed, error


_OFFLINE_TEMPLATE = r"""{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{% block extra_css %}
<style type="text/css">
  body.jp-Notebook { max-width: 60em; margin: 0 auto; padding: 1.5em 1em; }
  .jp-RenderedHTMLCommon table { font-size: 0.85em; }
  .jp-OutputArea-output { overflow-x: auto; }
  .tk-notice { border-left: 4px solid #D55E00; background: #FFF4E5; padding: 0.6em 1em; margin: 0.8em 0; }
  .tk-footer { color: #555; font-size: 0.8em; border-top: 1px solid #ccc; margin-top: 2em; padding-top: 0.5em; }
  @media print { body.jp-Notebook { max-width: none; } .jp-Cell { break-inside: avoid-page; } }
</style>
{% endblock extra_css %}
{% block body_footer %}
<footer class="tk-footer">{{ resources.toolkit_footer | e }}</footer>
</main>
</body>
{% endblock body_footer %}
"""


def export_html(nb, html_path, *, title: str | None = None, footer: str = "") -> Path:
    """Write ``nb`` as HTML with code hidden, figures embedded and no network resources."""
    import jinja2
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="lab",
        extra_loaders=[jinja2.DictLoader({"toolkit_offline.html.j2": _OFFLINE_TEMPLATE})],
        template_file="toolkit_offline.html.j2",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    nb = nb.copy()
    nb.metadata.pop("widgets", None)
    if title:
        nb.metadata["title"] = title
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title or "report"},
                                                         "toolkit_footer": footer})
    return _write_text(Path(html_path), body)


def _write_text(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


# --------------------------------------------------------------------------------------------------------------
# PDF through Chromium


def find_chromium() -> str | None:
    """Path of the system's Chromium (``TOOLKIT_CHROMIUM`` overrides), or None."""
    env = os.environ.get("TOOLKIT_CHROMIUM")
    if env:
        return env if Path(env).is_file() else shutil.which(env)
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def chromium_command(chromium: str, user_data_dir: str, *extra: str) -> list[str]:
    """Headless Chromium with no network side traffic and a fresh profile."""
    return [
        chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--hide-scrollbars",
        f"--user-data-dir={user_data_dir}", *extra,
    ]


def print_pdf(html_path, pdf_path, *, chromium: str | None = None, timeout: int = 180) -> Path:
    """Print an HTML file to PDF with headless Chromium (``--print-to-pdf``)."""
    chromium = chromium or find_chromium()
    if not chromium:
        raise ToolkitError("--pdf: no Chromium found; install Debian's chromium (apt-get install -y chromium) "
                           "or set TOOLKIT_CHROMIUM to its path")
    html_path, pdf_path = Path(html_path).resolve(), Path(pdf_path).resolve()
    tmp_pdf = pdf_path.with_name(f".{pdf_path.name}.tmp")
    with tempfile.TemporaryDirectory(prefix="toolkit-chromium-") as profile:
        cmd = chromium_command(chromium, profile, "--no-pdf-header-footer", "--virtual-time-budget=5000",
                               f"--print-to-pdf={tmp_pdf}", html_path.as_uri())
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0 or not tmp_pdf.is_file() or tmp_pdf.stat().st_size == 0:
        raise ToolkitError(f"Chromium could not print {html_path.name} to PDF (exit {proc.returncode}): "
                           f"{proc.stderr.strip()[-500:]}")
    tmp_pdf.replace(pdf_path)
    return pdf_path


# --------------------------------------------------------------------------------------------------------------
# Provenance


def _git(*args) -> str | None:
    try:
        proc = subprocess.run(["git", "-C", str(REPO_DIR), *args], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def git_state() -> dict:
    """Commit (None before the first commit or outside a checkout) and whether the tree has uncommitted changes."""
    commit = _git("rev-parse", "HEAD")
    status = _git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": bool(status) if status is not None else None}


def package_versions() -> dict:
    """Versions of ``toolkit``, everything it depends on, and the notebook machinery."""
    names = list(_EXTRA_PACKAGES)
    try:
        for req in importlib.metadata.requires("toolkit") or []:
            if "extra ==" in req:
                continue
            names.append(re.split(r"[\s<>=!~;\[]", req, maxsplit=1)[0])
    except importlib.metadata.PackageNotFoundError:
        pass
    versions = {}
    for name in sorted(set(names), key=str.lower):
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def corpora_provenance() -> list[dict]:
    """Checksums, licences, origins and install state of every registered corpus and lexicon set."""
    try:
        from toolkit.corpora.registry import CORPORA
    except ImportError:
        return []
    installed = {}
    with contextlib.suppress(Exception):
        from toolkit.corpora import list_corpora

        table = list_corpora()
        records = table.to_dict("records") if hasattr(table, "to_dict") else list(table)
        for rec in records:
            if isinstance(rec, dict) and "name" in rec:
                installed[rec["name"]] = {k: _jsonable(v) for k, v in rec.items()}
    out = []
    for name, entry in sorted(CORPORA.items()):
        origin = entry.get("origin") or {}
        item = {
            "name": name,
            "kind": entry.get("kind"),
            "archive_sha256": entry.get("sha256"),
            "licence": entry.get("licence"),
            "citation": entry.get("citation"),
            "origin": origin.get("repository"),
            "origin_commit": origin.get("commit"),
        }
        if name in installed:
            item["installed"] = installed[name]
        out.append(item)
    return out


def lexicons_provenance() -> list[dict]:
    """Every registered lexicon: where it comes from, version, licence, and the sha256 of the file used here
    (None when it is not available on this machine)."""
    try:
        from toolkit import lexicons
    except ImportError:
        return []
    out = []
    root = None
    with contextlib.suppress(Exception):
        root = lexicons.lexicons_dir()
    for name, entry in sorted((lexicons.registry() or {}).items()):
        if not isinstance(entry, dict):
            continue
        where = entry.get("where", "user")
        path = None
        if where == "package" and entry.get("path"):
            path = lexicons.PACKAGE_DIR / "data" / entry["path"]
        elif where == "user" and entry.get("path") and root is not None:
            path = Path(root) / entry["path"]
        out.append({
            "name": name,
            "where": where,
            "file": entry.get("path") or entry.get("loader"),
            "sha256": _sha256(path) if path is not None and path.is_file() else None,
            "source": entry.get("source"),
            "version": _jsonable(entry.get("version")),
            "licence": entry.get("licence"),
            "citation": entry.get("citation"),
        })
    return out


def _jsonable(value):
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if hasattr(value, "item"):
        with contextlib.suppress(Exception):
            return value.item()
    return str(value)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def provenance(parameters: dict, notebooks: list[dict], *, seed_path=None) -> dict:
    """The record of what made a report."""
    record = {
        "toolkit_version": _version(),
        "created_utc": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "git": git_state(),
        "parameters": parameters,
        "random_seeds": {"random_state": parameters.get("random_state", 0), "PYTHONHASHSEED": "0"},
        "notebooks": notebooks,
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "packages": package_versions(),
        "corpora": corpora_provenance(),
        "lexicons": lexicons_provenance(),
    }
    if seed_path:
        p = Path(seed_path)
        record["seed"] = {"path": p.name, "sha256": _sha256(p) if p.is_file() else None}
    return record


def _version() -> str:
    from toolkit import __version__

    return __version__


# --------------------------------------------------------------------------------------------------------------
# The whole report


def _index_html(run_name: str, rows: list[dict], record: dict) -> str:
    items = []
    for r in rows:
        links = [f'<a href="{html.escape(r["html"])}">HTML</a>']
        if r.get("pdf"):
            links.append(f'<a href="{html.escape(r["pdf"])}">PDF</a>')
        status = "ok" if not r.get("error") else f"failed: {r['error']}"
        items.append(
            f"<tr><td>{html.escape(r['notebook'])}</td><td>{html.escape(r['title'])}</td>"
            f"<td>{' · '.join(links)}</td><td>{html.escape(status)}</td></tr>"
        )
    git = record.get("git", {})
    commit = git.get("commit") or "no commit"
    dirty = " (uncommitted changes)" if git.get("dirty") else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>toolkit report {html.escape(run_name)}</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em;color:#222}}
table{{border-collapse:collapse;width:100%}}td,th{{border-bottom:1px solid #ccc;padding:0.4em;text-align:left}}
.small{{color:#555;font-size:0.85em}}</style></head>
<body><h1>toolkit report</h1>
<p class="small">Run {html.escape(run_name)} · toolkit {html.escape(str(record.get("toolkit_version")))} ·
git {html.escape(commit)}{html.escape(dirty)} · Python {html.escape(record.get("python", ""))}</p>
<table><thead><tr><th>#</th><th>question</th><th>files</th><th>status</th></tr></thead>
<tbody>{''.join(items)}</tbody></table>
<p class="small">What made this report (parameters, package versions, corpus checksums and licences, random
seeds): <a href="provenance.json">provenance.json</a>.</p>
</body></html>
"""


def _run_name(parameters: dict, notebooks: list[Path], commit: str | None) -> str:
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    key = json.dumps({"p": parameters, "n": [p.name for p in notebooks], "c": commit}, sort_keys=True, default=str)
    return f"{stamp}-{hashlib.sha256(key.encode()).hexdigest()[:7]}"


def build_report(
    notebooks=None,
    *,
    small: bool = False,
    parameters: dict | None = None,
    seed=None,
    pdf: bool = False,
    out_dir=None,
    notebooks_dir=None,
    log=None,
) -> Path:
    """Run the selected curated notebooks and write a new report folder; returns its path.

    ``parameters`` override each notebook's defaults where the notebook declares them (after the ``small``
    values); ``seed`` is a path to the seed article, passed as ``seed_path``. With ``pdf`` and no Chromium on the
    machine, the HTML is written and ``provenance.json`` says the PDF was skipped and why. A notebook that fails is still
    exported, and marked failed in the index and in ``provenance.json`` (``notebooks[i].error``).
    """
    paths = list_notebooks(notebooks, notebooks_dir)
    if not paths:
        raise ToolkitError("no curated notebooks found (expected notebooks/NN_name.py)")
    overrides = dict(REPORT_PARAMETERS)
    overrides.update(SMALL_PARAMETERS if small else {})
    overrides.update(parameters or {})
    seed_path = None
    if seed is not None:
        seed_path = Path(seed).expanduser().resolve()
        if not seed_path.is_file():
            raise ToolkitError(f"--seed: file {str(seed)!r} does not exist; expected an article file (.txt)")
        overrides["seed_path"] = str(seed_path)
    declared = {p.name: notebook_parameters(p) for p in paths}
    user_keys = set(parameters or {}) | ({"seed_path"} if seed_path else set())
    unknown = [k for k in user_keys if not any(k in d for d in declared.values())]
    if unknown:
        known = sorted({k for d in declared.values() for k in d})
        raise ToolkitError(f"--param: no selected notebook has parameter(s) {sorted(unknown)}; known: {known}")
    pdf_note = None
    if pdf and not find_chromium():
        # HTML is the report; PDF is a print of it. Without Chromium, say so and write the HTML.
        pdf_note = ("PDF skipped: no Chromium found; install Debian's chromium (apt-get install -y chromium) "
                    "or set TOOLKIT_CHROMIUM to its path")
        pdf = False
        if log:
            log("warning: " + pdf_note)

    root = Path(out_dir) if out_dir else reports_dir()
    root.mkdir(parents=True, exist_ok=True)
    git = git_state()
    name = _run_name(overrides, paths, git.get("commit"))
    final = root / name
    k = 1
    while final.exists():
        k += 1
        final = root / f"{name}-{k}"
    work = root / f".{final.name}.partial"
    work.mkdir(parents=False, exist_ok=False)

    rows, nb_records = [], []
    for path in paths:
        if log:
            log(f"running {path.name} …")
        params = {**declared[path.name], **{k: v for k, v in overrides.items() if k in declared[path.name]}}
        executed, error = execute_notebook(path, params, output_path=work / f"{path.stem}.ipynb")
        title = notebook_title(executed)
        footer = (f"toolkit {_version()} · {path.name} · run {final.name} · git {git.get('commit') or 'no commit'}"
                  f"{' (dirty)' if git.get('dirty') else ''} · parameters: "
                  + json.dumps(params, sort_keys=True, default=str))
        out_html = export_html(executed, work / f"{path.stem}.html", title=title, footer=footer)
        row = {"notebook": path.stem, "title": title, "html": out_html.name, "error": error}
        if pdf:
            row["pdf"] = print_pdf(out_html, work / f"{path.stem}.pdf").name
        rows.append(row)
        nb_records.append({"notebook": path.name, "source_sha256": _sha256(path), "parameters": params,
                           "error": error, "outputs": {}})
        if log:
            log(f"  {path.stem}: {'ok' if not error else 'FAILED ' + error}")
    for rec, row in zip(nb_records, rows):
        for key in ("html", "pdf"):
            if row.get(key):
                rec["outputs"][row[key]] = _sha256(work / row[key])
    record = provenance(overrides, nb_records, seed_path=seed_path)
    record["run"] = final.name
    record["pdf"] = pdf_note or ("written" if pdf else "not requested")
    _write_text(work / "provenance.json", json.dumps(record, indent=2, sort_keys=True, default=str) + "\n")
    _write_text(work / "index.html", _index_html(final.name, rows, record))
    work.rename(final)
    return final
