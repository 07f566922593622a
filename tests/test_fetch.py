"""Fetch, verify and extract: mirror and origin paths, idempotence, and every bad-archive case.

Archives here are built in a temporary folder with made-up text in the NeuS layout (the smallest adapter), so the
tests need no corpus. The origin download runs against a real HTTP server on 127.0.0.1.
"""

import hashlib
import http.server
import io
import json
import tarfile
import threading
from pathlib import Path

import pandas as pd
import pytest

from toolkit.corpora.fetch import read_members
from toolkit.corpora import fetch, install_info, load_corpus, load_table, safe_extract
from toolkit.corpora.registry import CORPORA
from toolkit.errors import ToolkitError

NAME = "neus-allsides-triplets"


def lead(title, text):
    return f"TITLE=> {title}. ARTICLE=> {text}"


def neus_files(n=3):
    """Made-up NeuS-layout files: n triplets per split."""
    files = {}
    for split in ("train", "val", "test"):
        src = [" [SEP] ".join(lead(f"Title {split} {i} {k}", f"Lead {k} of story {i} in {split}.") for k in range(3))
               for i in range(n)]
        tgt = [lead(f"Roundup {split} {i}", f"Neutral roundup {i}.") for i in range(n)]
        files[f"neus_{split}.source"] = "\n".join(src) + "\n"
        files[f"neus_{split}.target"] = "\n".join(tgt) + "\n"
    return files


def make_tar(path: Path, files: dict, top: str = NAME, mode: str = "w:xz", extra=None) -> Path:
    with tarfile.open(path, mode) as tar:
        if top:
            info = tarfile.TarInfo(top)
            info.type = tarfile.DIRTYPE
            tar.addfile(info)
        for name, text in files.items():
            data = text.encode("utf-8")
            info = tarfile.TarInfo(f"{top}/{name}" if top else name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for info in extra or []:
            tar.addfile(info, io.BytesIO(b"x" * info.size) if info.isfile() else None)
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("TOOLKIT_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("TOOLKIT_MIRROR", raising=False)
    return tmp_path / "data" / "corpora"


@pytest.fixture
def mirror(tmp_path, monkeypatch):
    folder = tmp_path / "mirror"
    folder.mkdir()
    archive = make_tar(folder / CORPORA[NAME]["archive"], neus_files())
    monkeypatch.setitem(CORPORA[NAME], "sha256", sha(archive))
    return folder


def leftovers(corpora: Path):
    return sorted(p.name for p in corpora.iterdir() if p.name.startswith("."))


def test_mirror_fetch_imports_then_second_run_is_a_no_op(data_dir, mirror):
    first = fetch([NAME], mirror=mirror, quiet=True)[0]
    assert first["status"] == "installed"
    assert first["counts"]["n_articles"] == 27 and first["counts"]["n_triplets"] == 9
    df = load_corpus(NAME)
    assert df["id"].str.startswith(f"{NAME}:").all()
    assert df.loc[df["id"] == f"{NAME}:val-1-2", "title"].item() == "Title val 1 2."
    assert load_table(NAME, "triplets")["roundup"].iloc[0] == "Neutral roundup 0."
    mtime = (data_dir / f"{NAME}.parquet").stat().st_mtime_ns
    second = fetch([NAME], mirror=mirror, quiet=True)[0]
    assert second["status"] == "already installed"
    assert (data_dir / f"{NAME}.parquet").stat().st_mtime_ns == mtime
    assert leftovers(data_dir) == []


def test_cli_fetch_says_already_installed(data_dir, mirror, capsys):
    from toolkit.__main__ import main

    assert main(["corpora", "fetch", NAME, "--mirror", str(mirror), "--quiet"]) == 0
    assert main(["corpora", "fetch", NAME, "--mirror", str(mirror), "--quiet"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"{NAME}: installed")
    assert out[1].startswith(f"{NAME}: already installed")


def test_env_mirror_is_used(data_dir, mirror, monkeypatch):
    monkeypatch.setenv("TOOLKIT_MIRROR", str(mirror))
    assert fetch([NAME], quiet=True)[0]["source"] == {"mirror": CORPORA[NAME]["archive"]}


def test_wrong_checksum_in_mirror_installs_nothing(data_dir, mirror, monkeypatch):
    monkeypatch.setitem(CORPORA[NAME], "sha256", "0" * 64)
    with pytest.raises(ToolkitError, match=r"checksum mismatch for neus-allsides-triplets\.tar\.xz: sha256 is [0-9a-f]{64}, expected 0{64}"):
        fetch([NAME], mirror=mirror, quiet=True)
    assert install_info(NAME) is None
    assert not (data_dir / f"{NAME}.parquet").exists()


def test_upstream_layout_is_found(data_dir, tmp_path, monkeypatch):
    """The GitHub tarball has a Repo-<commit>/ top folder and extra files; the adapter finds its data."""
    files = {"README.md": "readme", **{f"data/{k}": v for k, v in neus_files(2).items()}}
    mirror = tmp_path / "m2"
    mirror.mkdir()
    archive = make_tar(mirror / CORPORA[NAME]["archive"], files, top="framing-bias-metric-1586f55a")
    monkeypatch.setitem(CORPORA[NAME], "sha256", sha(archive))
    assert fetch([NAME], mirror=mirror, quiet=True)[0]["counts"]["n_articles"] == 18


def test_interrupted_import_leaves_previous_install_intact(data_dir, mirror, monkeypatch):
    fetch([NAME], mirror=mirror, quiet=True)
    before = load_corpus(NAME)
    from toolkit.corpora.adapters import neus_allsides_triplets

    def boom(root):
        raise KeyboardInterrupt

    monkeypatch.setattr(neus_allsides_triplets, "read", boom)
    with pytest.raises(KeyboardInterrupt):
        fetch([NAME], mirror=mirror, force=True, quiet=True)
    assert leftovers(data_dir) == []
    pd.testing.assert_frame_equal(load_corpus(NAME), before)
    assert install_info(NAME) is not None


def test_interrupted_first_import_leaves_nothing(data_dir, mirror, monkeypatch):
    from toolkit.corpora.adapters import neus_allsides_triplets

    monkeypatch.setattr(neus_allsides_triplets, "read", lambda root: (_ for _ in ()).throw(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):
        fetch([NAME], mirror=mirror, quiet=True)
    assert sorted(p.name for p in data_dir.iterdir()) == []


# --- bad archives -----------------------------------------------------------------------------------------------


def member(name, kind=tarfile.REGTYPE, size=1, linkname=""):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.size = size if kind == tarfile.REGTYPE else 0
    info.linkname = linkname
    return info


@pytest.mark.parametrize(
    "bad, message",
    [
        (member("top/../../evil.txt"), r"member 'top/\.\./\.\./evil\.txt' points outside the target folder"),
        (member("/etc/evil.txt"), r"member '/etc/evil\.txt' has an absolute path"),
        (member("top/link", tarfile.SYMTYPE, linkname="/etc/passwd"), r"member 'top/link' is a link to '/etc/passwd'"),
        (member("top/hard", tarfile.LNKTYPE, linkname="top/a.txt"), r"member 'top/hard' is a link to 'top/a\.txt'"),
        (member("top/fifo", tarfile.FIFOTYPE), r"member 'top/fifo' is not a regular file or folder"),
    ],
    ids=["traversal", "absolute", "symlink", "hardlink", "fifo"],
)
def test_unsafe_members_are_refused(tmp_path, bad, message):
    archive = make_tar(tmp_path / "bad.tar.xz", {"a.txt": "a"}, top="top", extra=[bad])
    target = tmp_path / "out"
    with pytest.raises(ToolkitError, match=message):
        safe_extract(archive, target, quiet=True)
    assert not (tmp_path / "evil.txt").exists()
    assert not any(p.is_symlink() for p in target.rglob("*"))


def test_unsafe_member_in_fetch_installs_nothing(data_dir, tmp_path, monkeypatch):
    mirror = tmp_path / "m3"
    mirror.mkdir()
    archive = make_tar(mirror / CORPORA[NAME]["archive"], neus_files(), extra=[member(f"{NAME}/../../x.txt")])
    monkeypatch.setitem(CORPORA[NAME], "sha256", sha(archive))
    with pytest.raises(ToolkitError, match="points outside the target folder"):
        fetch([NAME], mirror=mirror, quiet=True)
    assert sorted(p.name for p in data_dir.iterdir()) == []
    assert not (tmp_path / "x.txt").exists()


def test_member_count_and_size_limits(tmp_path):
    archive = make_tar(tmp_path / "many.tar.xz", {f"f{i}.txt": "abcdef" for i in range(5)}, top="top")
    with pytest.raises(ToolkitError, match=r"archive many\.tar\.xz has more than 3 members; refusing to extract"):
        safe_extract(archive, tmp_path / "a", max_members=3, quiet=True)
    with pytest.raises(ToolkitError, match=r"archive many\.tar\.xz unpacks to more than 20 bytes; refusing to extract"):
        safe_extract(archive, tmp_path / "b", max_total_bytes=20, quiet=True)
    assert safe_extract(archive, tmp_path / "c", quiet=True) == (tmp_path / "c" / "top").resolve()


def test_truncated_archive_is_refused(tmp_path):
    big = {f"f{i}.txt": hashlib.sha256(str(i).encode()).hexdigest() * 200 for i in range(50)}
    archive = make_tar(tmp_path / "whole.tar.xz", big, top="top")
    cut = tmp_path / "cut.tar.xz"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(ToolkitError, match=r"archive cut\.tar\.xz is damaged or truncated"):
        safe_extract(cut, tmp_path / "out", quiet=True)
    with pytest.raises(ToolkitError, match=r"archive cut\.tar\.xz is damaged or truncated"):
        read_members(cut, quiet=True)


# --- origin download over HTTP ----------------------------------------------------------------------------------


class Server:
    """An http.server on 127.0.0.1 in a thread; ``body`` is served at any path, ``lie`` adds bytes to the length."""

    def __init__(self):
        self.body = b""
        self.lie = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                self.send_response(200)
                self.send_header("Content-Type", "application/gzip")
                self.send_header("Content-Length", str(len(outer.body) + outer.lie))
                self.end_headers()
                self.wfile.write(outer.body)
                self.wfile.flush()
                if outer.lie:
                    self.close_connection = True

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/archive/tar.gz"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


def test_origin_download_records_then_checks_the_lock(data_dir, tmp_path, server):
    archive = make_tar(tmp_path / "origin.tar.gz", neus_files(), top="framing-bias-metric-1586f55", mode="w:gz")
    server.body = archive.read_bytes()
    info = fetch([NAME], urls={NAME: server.url}, quiet=True)[0]
    assert info["status"] == "installed" and info["counts"]["n_articles"] == 27
    lock = json.loads((data_dir / "corpora.lock.json").read_text())
    assert lock[NAME] == {"url": server.url, "sha256": sha(archive)}
    assert fetch([NAME], urls={NAME: server.url}, quiet=True)[0]["status"] == "already installed"
    # same address, different bytes: the recorded checksum catches it and the install stays as it was
    changed = make_tar(tmp_path / "changed.tar.gz", neus_files(2), top="x", mode="w:gz")
    server.body = changed.read_bytes()
    with pytest.raises(ToolkitError, match=f"checksum mismatch for {NAME}.tar.gz: sha256 is {sha(changed)}, expected {sha(archive)}"):
        fetch([NAME], urls={NAME: server.url}, force=True, quiet=True)
    assert len(load_corpus(NAME)) == 27
    assert leftovers(data_dir) == []


def test_truncated_download_is_refused(data_dir, tmp_path, server):
    archive = make_tar(tmp_path / "origin.tar.gz", neus_files(), mode="w:gz")
    server.body = archive.read_bytes()[:100]
    server.lie = archive.stat().st_size - 100
    with pytest.raises(ToolkitError, match=r"(truncated: received 100 bytes, expected \d+|broke off after)"):
        fetch([NAME], urls={NAME: server.url}, quiet=True)
    assert install_info(NAME) is None
    assert not (data_dir / "corpora.lock.json").exists()
    assert leftovers(data_dir) == []


def test_unreachable_origin_names_the_address(data_dir):
    with pytest.raises(ToolkitError, match=r"cannot download http://127\.0\.0\.1:9/x\.tar\.gz"):
        fetch([NAME], urls={NAME: "http://127.0.0.1:9/x.tar.gz"}, quiet=True)


def test_unknown_corpus_and_missing_mirror(data_dir, tmp_path):
    with pytest.raises(ToolkitError, match=r"unknown corpus 'nope'; expected one of: allsides-abp, tehran-times"):
        fetch(["nope"], quiet=True)
    with pytest.raises(ToolkitError, match=r"mirror folder '.*absent' does not exist"):
        fetch([NAME], mirror=tmp_path / "absent", quiet=True)


def test_origin_tarball_links_are_left_out_not_followed(data_dir, tmp_path, server):
    link = member("framing-bias-metric-1586f55/LICENSE.md", tarfile.SYMTYPE, linkname="/etc/passwd")
    archive = make_tar(tmp_path / "origin.tar.gz", neus_files(), top="framing-bias-metric-1586f55", mode="w:gz",
                       extra=[link])
    server.body = archive.read_bytes()
    info = fetch([NAME], urls={NAME: server.url}, quiet=True)[0]
    assert info["counts"]["n_articles"] == 27
    assert not any(p.is_symlink() for p in data_dir.rglob("*"))
