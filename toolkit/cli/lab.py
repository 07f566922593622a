"""``python -m toolkit lab``: JupyterLab on the curated notebooks, with the percent-format sources opening as notebooks.

The ``.py`` sources are the notebooks (jupytext); no ``.ipynb`` is written next to them. Double-clicking a ``.py``
opens it as a notebook (JupyterLab's default viewer for Python files is set to Jupytext's notebook for this
session only), and the kernel ``python3`` is pinned to this interpreter.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

NAME = "lab"
HELP = "open the curated notebooks in JupyterLab"

#: JupyterLab setting overrides: open Python (and Markdown) files with Jupytext's notebook view.
SETTINGS_OVERRIDES = {
    "@jupyterlab/docmanager-extension:plugin": {
        "defaultViewers": {"python": "Jupytext Notebook", "markdown": "Jupytext Notebook"}
    }
}


def add_arguments(parser) -> None:
    parser.add_argument("--port", type=int, default=8888, help="port to listen on (default 8888)")
    parser.add_argument("--ip", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser")
    parser.add_argument("--token", default=None, help="access token (default: a random one, printed at start)")
    parser.add_argument("--notebooks-dir", default=None, help="folder to serve (default: the checkout's notebooks/)")


@contextlib.contextmanager
def lab_settings_dir():
    """A temporary JupyterLab app-settings folder holding only the overrides above."""
    with tempfile.TemporaryDirectory(prefix="toolkit-lab-") as tmp:
        (Path(tmp) / "overrides.json").write_text(json.dumps(SETTINGS_OVERRIDES, indent=1))
        yield tmp


def lab_command(notebooks_dir, settings_dir, *, port: int = 8888, ip: str = "127.0.0.1", token: str | None = None,
                open_browser: bool = True) -> list[str]:
    """The ``jupyter lab`` command line for the curated notebooks."""
    cmd = [sys.executable, "-m", "jupyterlab", str(notebooks_dir), f"--ServerApp.ip={ip}", f"--ServerApp.port={port}",
           "--ServerApp.port_retries=0", f"--LabApp.app_settings_dir={settings_dir}"]
    if token is not None:
        cmd.append(f"--IdentityProvider.token={token}")
    if not open_browser:
        cmd.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # containers and CI run as root
    return cmd


def run(args) -> int:
    from toolkit.errors import ToolkitError
    from toolkit.report import NOTEBOOKS_DIR, pinned_kernel

    folder = Path(args.notebooks_dir) if args.notebooks_dir else NOTEBOOKS_DIR
    if not folder.is_dir():
        raise ToolkitError(f"--notebooks-dir: folder {str(folder)!r} does not exist")
    with pinned_kernel(), lab_settings_dir() as settings:
        cmd = lab_command(folder, settings, port=args.port, ip=args.ip, token=args.token,
                          open_browser=not args.no_browser)
        try:
            return subprocess.call(cmd)
        except KeyboardInterrupt:
            return 0
