"""`metaie data download` against a real HTTP server on loopback serving a hand-made mirror."""
from __future__ import annotations

import hashlib
import http.server
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from metaie.datasets import download as data_download
from metaie.datasets.download import download, list_datasets, load_manifest
from metaie.errors import DataFormatError, MetaIEError

FILES = {  # relative path -> bytes: a tiny dataset in two folders
    "train.txt": b"Tom\tB-person\nwas\tO\n\n",
    "sub/dev.txt": b"Anna\tB-person\n\n",
    "README.md": b"# toy\n",
}


def manifest_for(files: dict[str, bytes], name: str = "toy") -> dict:
    return {"format": 1, "datasets": {name: {
        "repositories": [{"repository": "https://github.com/example/toy", "commit": "0" * 40}],
        "license": "CC-BY 4.0 (toy)", "citation": "Nobody (2024), Toy.",
        "files": [{"path": p, "size": len(b), "sha256": hashlib.sha256(b).hexdigest(),
                   "url": f"https://example.invalid/{p}"} for p, b in files.items()]}}}


class Mirror:
    """http.server in a thread serving a folder; counts GETs per path; optional canned failures."""

    def __init__(self, folder: Path):
        self.folder, self.hits, self.fail = folder, {}, {}
        mirror = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *a, **kw):
                super().__init__(*a, directory=str(folder), **kw)

            def do_GET(self):
                mirror.hits[self.path] = mirror.hits.get(self.path, 0) + 1
                codes = mirror.fail.get(self.path)
                if codes:
                    self.send_error(codes.pop(0))
                    return
                super().do_GET()

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def mirror(tmp_path):
    served = tmp_path / "served"
    for rel, data in FILES.items():
        (served / "toy" / rel).parent.mkdir(parents=True, exist_ok=True)
        (served / "toy" / rel).write_bytes(data)
    with Mirror(served) as m:
        yield m


def leftovers(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_download_verifies_and_writes_source(mirror, tmp_path):
    root = tmp_path / "root"
    out = download("toy", root=root, base_url=mirror.url, progress=False, manifest=manifest_for(FILES))
    assert out == root / "toy"
    for rel, data in FILES.items():
        assert (out / rel).read_bytes() == data
    src = (out / "SOURCE.txt").read_text()
    assert "https://github.com/example/toy" in src and "CC-BY 4.0 (toy)" in src and mirror.url in src
    assert leftovers(out) == sorted([*FILES, "SOURCE.txt"])           # no .part files
    info = {d.name: d for d in list_datasets(root, manifest_for(FILES))}
    assert info["toy"].present and info["toy"].files == 3


def test_rerun_skips_verified_files(mirror, tmp_path):
    root, man = tmp_path / "root", manifest_for(FILES)
    download("toy", root=root, base_url=mirror.url, progress=False, manifest=man)
    assert sum(mirror.hits.values()) == 3
    download("toy", root=root, base_url=mirror.url, progress=False, manifest=man)
    assert sum(mirror.hits.values()) == 3                              # nothing fetched again
    (root / "toy" / "train.txt").write_bytes(b"tampered\n")             # a bad local copy is fetched again
    download("toy", root=root, base_url=mirror.url, progress=False, manifest=man)
    assert mirror.hits == {"/toy/train.txt": 2, "/toy/sub/dev.txt": 1, "/toy/README.md": 1}
    assert (root / "toy" / "train.txt").read_bytes() == FILES["train.txt"]
    download("toy", root=root, base_url=mirror.url, progress=False, manifest=man, force=True)
    assert sum(mirror.hits.values()) == 7


def test_corrupted_file_raises_and_leaves_nothing(mirror, tmp_path):
    (mirror.folder / "toy" / "sub" / "dev.txt").write_bytes(b"Anna\tB-place\n\n")   # same size, other bytes
    root = tmp_path / "root"
    with pytest.raises(DataFormatError) as e:
        download("toy", root=root, base_url=mirror.url, progress=False, manifest=manifest_for(FILES))
    msg = str(e.value)
    assert "sub/dev.txt" in msg and hashlib.sha256(FILES["sub/dev.txt"]).hexdigest() in msg
    assert hashlib.sha256(b"Anna\tB-place\n\n").hexdigest() in msg
    left = leftovers(root / "toy")
    assert "sub/dev.txt" not in left and not any(p.endswith(".part") for p in left)
    assert "SOURCE.txt" not in left                                    # the dataset is not complete
    assert not list_datasets(root, manifest_for(FILES))[0].present


def test_oversized_response_is_cut_and_rejected(mirror, tmp_path):
    (mirror.folder / "toy" / "README.md").write_bytes(b"# toy\n" * 1000)
    root = tmp_path / "root"
    with pytest.raises(DataFormatError, match="README.md"):
        download("toy", root=root, base_url=mirror.url, progress=False, manifest=manifest_for(FILES))
    assert not (root / "toy" / "README.md").exists()


def test_404_is_clear_and_leaves_no_folder(mirror, tmp_path):
    files = dict(FILES, **{"missing.txt": b"x"})
    root = tmp_path / "root"
    with pytest.raises(MetaIEError, match=r"missing\.txt.*HTTP 404"):
        download("toy", root=root, base_url=mirror.url, progress=False, manifest=manifest_for(files))
    assert not any(p.name.endswith(".part") for p in root.rglob("*"))


def test_transient_errors_are_retried(mirror, tmp_path, monkeypatch):
    monkeypatch.setattr(data_download, "BACKOFF_S", 0.0)
    mirror.fail["/toy/train.txt"] = [503, 502]
    out = download("toy", root=tmp_path / "r", base_url=mirror.url, progress=False, manifest=manifest_for(FILES))
    assert (out / "train.txt").read_bytes() == FILES["train.txt"] and mirror.hits["/toy/train.txt"] == 3
    mirror.fail["/toy/README.md"] = [503] * data_download.RETRIES
    with pytest.raises(MetaIEError, match=r"after 3 attempts"):
        download("toy", root=tmp_path / "r2", base_url=mirror.url, progress=False, manifest=manifest_for(FILES))


def test_mirror_from_environment(mirror, tmp_path, monkeypatch):
    monkeypatch.setenv("METAIE_DATA_MIRROR", mirror.url + "/")
    out = download("toy", root=tmp_path / "r", progress=False, manifest=manifest_for(FILES))
    assert (out / "README.md").read_bytes() == FILES["README.md"]


def test_file_without_url_must_be_obtained_by_hand(tmp_path):
    man = manifest_for({"a.txt": b"a"})
    man["datasets"]["toy"]["files"][0]["url"] = None
    with pytest.raises(MetaIEError, match=r"obtained by hand.*github.com/example/toy.*a\.txt"):
        download("toy", root=tmp_path, progress=False, manifest=man)


def test_unknown_dataset_and_bad_manifest(tmp_path):
    with pytest.raises(MetaIEError, match="unknown dataset 'nope'.*conll2003"):
        download("nope", root=tmp_path, progress=False)
    bad = tmp_path / "m.json"
    bad.write_text('{"datasets": {"x": {"files": [{"path": "../evil", "size": 1, "sha256": "0"}]}}}')
    with pytest.raises(DataFormatError, match="unsafe file path"):
        load_manifest(bad)


def test_cli_download_into_tmp(mirror, tmp_path):
    man = tmp_path / "manifest.json"
    import json
    man.write_text(json.dumps(manifest_for(FILES)))
    root = tmp_path / "root"
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2] / "src"))
    cmd = [sys.executable, "-m", "metaie", "data"]
    r = subprocess.run(cmd + ["download", "toy", "--data-root", str(root), "--base-url", mirror.url,
                              "--manifest", str(man), "-q"], capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"toy: {root / 'toy'}"
    assert (root / "toy" / "sub" / "dev.txt").read_bytes() == FILES["sub/dev.txt"]
    r = subprocess.run(cmd + ["list", "--data-root", str(root), "--manifest", str(man)],
                       capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0 and "toy" in r.stdout and "present" in r.stdout
    r = subprocess.run(cmd + ["download", "toy", "--data-root", str(tmp_path / "r2"), "--base-url",
                              mirror.url + "/absent", "--manifest", str(man), "-q"],
                       capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 1 and "HTTP 404" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def escaping_manifest(mirror, name):
    """A manifest whose dataset name tries to leave the data root; files come from the mirror's real URLs."""
    man = manifest_for(FILES, name=name)
    for f in man["datasets"][name]["files"]:
        f["url"] = f"{mirror.url}/toy/{f['path']}"
    return man


@pytest.mark.parametrize("name", ["../../escaped", "../escaped", "{tmp}/abs-escaped", "a/b", ".", "..", ".hidden"])
def test_dataset_name_cannot_leave_the_data_root(mirror, tmp_path, name):
    name = name.format(tmp=tmp_path)
    root = tmp_path / "deep" / "root"
    served = tmp_path / "served"
    with pytest.raises(DataFormatError, match="unsafe dataset name"):
        download(name, root=root, progress=False, manifest=escaping_manifest(mirror, name))
    written = [p for p in tmp_path.rglob("*") if p.is_file() and served not in p.parents]
    assert written == []


def test_cli_refuses_escaping_name_in_one_line(mirror, tmp_path):
    import json
    man = tmp_path / "manifest.json"
    man.write_text(json.dumps(escaping_manifest(mirror, "../../escaped")))
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2] / "src"))
    r = subprocess.run([sys.executable, "-m", "metaie", "data", "download", "../../escaped", "--data-root",
                        str(tmp_path / "a" / "root"), "--manifest", str(man), "-q"],
                       capture_output=True, text=True, env=env, timeout=60, check=False)
    assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1 and "unsafe dataset name" in r.stderr
    assert not (tmp_path / "escaped").exists()
