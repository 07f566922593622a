"""JupyterLab serves the curated percent-format notebooks as notebooks (jupytext), on localhost with a token."""

import json
import secrets
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from toolkit.cli import lab
from toolkit.report import NOTEBOOKS_DIR, list_notebooks, pinned_kernel


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url, token, timeout=5):
    req = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return resp.status, json.loads(resp.read().decode())


@pytest.mark.slow
def test_jupyterlab_serves_the_curated_notebooks_as_notebooks(tmp_path):
    port, token = _free_port(), secrets.token_hex(16)
    base = f"http://127.0.0.1:{port}"
    with pinned_kernel(), lab.lab_settings_dir() as settings:
        cmd = lab.lab_command(NOTEBOOKS_DIR, settings, port=port, token=token, open_browser=False)
        log = open(tmp_path / "lab.log", "w")
        proc = subprocess.Popen(cmd + [f"--ServerApp.root_dir={NOTEBOOKS_DIR}"], stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.time() + 90
            while True:
                try:
                    status, _ = _get(f"{base}/api/status", token)
                    if status == 200:
                        break
                except (urllib.error.URLError, ConnectionError, OSError):
                    pass
                if proc.poll() is not None or time.time() > deadline:
                    log.flush()
                    pytest.fail("JupyterLab did not start:\n" + (tmp_path / "lab.log").read_text()[-2000:])
                time.sleep(0.5)
            # without the token: refused
            with pytest.raises(urllib.error.HTTPError) as err:
                urllib.request.urlopen(f"{base}/api/contents/", timeout=5)
            assert err.value.code in (401, 403)
            for path in list_notebooks():
                status, model = _get(f"{base}/api/contents/{path.name}?type=notebook&content=1", token, timeout=30)
                assert status == 200 and model["type"] == "notebook", path.name
                cells = model["content"]["cells"]
                assert cells[0]["cell_type"] == "markdown" and "Question" in "".join(cells[0]["source"])
                assert any("parameters" in c["metadata"].get("tags", []) for c in cells), path.name
            # the session's settings make .py files open with Jupytext's notebook view
            status, setting = _get(f"{base}/lab/api/settings/@jupyterlab/docmanager-extension:plugin", token)
            default = setting["schema"]["properties"]["defaultViewers"]["default"]
            assert default["python"] == "Jupytext Notebook", default
            # serving the sources wrote no .ipynb next to them
            assert not list(NOTEBOOKS_DIR.glob("*.ipynb"))
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()
