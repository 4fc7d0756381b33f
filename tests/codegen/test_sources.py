"""`sources`: pinned inputs verified by sha256, and the live download only on request.

No test touches the network: downloads go to a local `http.server` on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from codegen.cli import main
from codegen.sources import download_live, load_packages, load_sources, sha256_of, verify
from codegen.xmlsafe import MetadataError
from tests.conftest import CSDL_FIXTURES, GRAPH_SNAPSHOT, REPO_ROOT, shared_path

FULL = CSDL_FIXTURES / "full.xml"
FULL_SHA = hashlib.sha256(FULL.read_bytes()).hexdigest()
PAYLOAD = FULL.read_bytes()


class _Server(BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Server.requests.append(self.path)
        if self.path == "/missing":
            self.send_error(404)
            return
        if self.path == "/slow":
            time.sleep(1.0)
        body = PAYLOAD * 50 if self.path == "/big" else PAYLOAD
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        # The size-cap test hangs up early on purpose.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    """A local HTTP server serving the fixture, recording each request path."""
    _Server.requests = []
    httpd = HTTPServer(("127.0.0.1", 0), _Server)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def write_config(
    tmp_path: Path, *, sha256: str = FULL_SHA, live_url: str = "http://127.0.0.1:9/x"
) -> Path:
    """A config in `tmp/metadata/`, so that its paths are relative to `tmp/`."""
    (tmp_path / "metadata").mkdir(exist_ok=True)
    (tmp_path / "full.xml").write_bytes(FULL.read_bytes())
    config = tmp_path / "metadata" / "sources.toml"
    config.write_text(
        f'live_url = "{live_url}"\n\n[base]\npath = "full.xml"\nsha256 = "{sha256}"\n\n'
        f'[[overlays]]\npath = "full.xml"\nsha256 = "{FULL_SHA}"\n'
    )
    return config


def test_pinned_inputs_of_the_repository_verify(capsys: pytest.CaptureFixture[str]) -> None:
    snapshot = shared_path(GRAPH_SNAPSHOT)
    assert main(["sources"]) == 0
    out = capsys.readouterr().out
    assert f"sha256 {sha256_of(snapshot)}  ok" in out
    assert out.count("  ok") == 3  # beta: base and overlay; v1.0: base
    assert "live     https://graph.microsoft.com/beta/$metadata" in out
    assert "live     https://graph.microsoft.com/v1.0/$metadata" in out
    assert "package  v1_0: generated.v1_0 (generated/v1_0)" in out
    sources = load_sources(REPO_ROOT / "metadata" / "sources.toml")
    assert sources.base.path.resolve() == snapshot.resolve()


def test_good_config_prints_each_input_with_sha256(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], server: str
) -> None:
    config = write_config(tmp_path, live_url=f"{server}/live")
    assert main(["sources", "--config", str(config)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    lines = out.splitlines()
    assert lines[0].startswith("base ") and lines[0].endswith(f"sha256 {FULL_SHA}  ok")
    assert lines[1].startswith("overlay ")
    # Nothing downloads implicitly.
    assert _Server.requests == []


def test_wrong_sha256_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, sha256="0" * 64)
    assert main(["sources", "--config", str(config)]) == 2
    out, err = capsys.readouterr()
    assert "MISMATCH" in out.splitlines()[0]
    assert err.count("\n") == 1
    assert err.startswith("error: ") and f"sha256 is {FULL_SHA}" in err
    assert f"pins {'0' * 64}" in err


def test_missing_pinned_file(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    (tmp_path / "full.xml").unlink()
    sources = load_sources(config)
    with pytest.raises(MetadataError, match="pinned metadata file is missing"):
        verify(sources.base)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[base]\npath = "a"\nsha256 = "b"\n', "no string 'live_url'"),
        ('live_url = "u"\n', "[base] needs string keys"),
        ('live_url = "u"\n[base]\npath = "a"\n', "[base] needs string keys"),
        ("live_url = \n", "cannot read sources config"),
    ],
)
def test_broken_config_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    config = tmp_path / "sources.toml"
    config.write_text(text)
    assert main(["sources", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and str(config) in err


def test_download_live_writes_dated_file_and_sha256(tmp_path: Path, server: str) -> None:
    path, sha256 = download_live(
        f"{server}/live", tmp_path / "live", today=datetime.date(2026, 1, 2)
    )
    assert path == tmp_path / "live" / "beta-2026-01-02.xml"
    assert path.read_bytes() == PAYLOAD
    assert sha256 == FULL_SHA
    assert _Server.requests == ["/live"]
    assert sorted(p.name for p in path.parent.iterdir()) == ["beta-2026-01-02.xml"]


def test_download_live_size_cap(tmp_path: Path, server: str) -> None:
    with pytest.raises(MetadataError, match="exceeds the 100,000-byte limit"):
        download_live(f"{server}/big", tmp_path, max_bytes=100_000)
    assert list(tmp_path.iterdir()) == []


def test_download_live_http_error(tmp_path: Path, server: str) -> None:
    with pytest.raises(MetadataError, match="download failed: HTTP Error 404"):
        download_live(f"{server}/missing", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_download_live_timeout(tmp_path: Path, server: str) -> None:
    with pytest.raises(MetadataError, match="download failed"):
        download_live(f"{server}/slow", tmp_path, timeout=0.2)
    assert list(tmp_path.iterdir()) == []


def test_cli_download_live_prints_sha256_and_how_to_pin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], server: str
) -> None:
    config = write_config(tmp_path, live_url=f"{server}/live")
    target = tmp_path / "downloads"
    assert main(["sources", "--config", str(config), "--download-live", str(target)]) == 0
    out = capsys.readouterr().out
    (downloaded,) = target.iterdir()
    assert downloaded.name.startswith("beta-") and downloaded.suffix == ".xml"
    assert f"sha256 {FULL_SHA}" in out.split("downloaded", 1)[1]
    assert f'sha256 = "{FULL_SHA}"' in out
    assert "python -m codegen inspect --metadata" in out
    assert _Server.requests == ["/live"]


def write_packages(tmp_path: Path, body: str = "") -> Path:
    """A config of two packages over the small fixture, in `tmp/metadata/`."""
    (tmp_path / "metadata").mkdir(exist_ok=True)
    (tmp_path / "full.xml").write_bytes(FULL.read_bytes())
    config = tmp_path / "metadata" / "sources.toml"
    one = f'base = {{ path = "full.xml", sha256 = "{FULL_SHA}" }}\nroots = []\n'
    config.write_text(
        '[[packages]]\nname = "one"\nout = "out/one"\npackage = "out.one"\n'
        f'live_url = "http://127.0.0.1:9/one"\n{one}\n'
        '[[packages]]\nname = "two"\nout = "out/two"\npackage = "out.two"\n'
        f'live_url = "http://127.0.0.1:9/two"\n{one}{body}'
    )
    return config


def test_a_config_of_several_packages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_packages(tmp_path)
    packages = load_packages(config)
    assert [(p.name, p.package, p.out) for p in packages] == [
        ("one", "out.one", tmp_path / "out" / "one"),
        ("two", "out.two", tmp_path / "out" / "two"),
    ]
    assert load_sources(config, "two").live_url.endswith("/two")
    with pytest.raises(MetadataError, match=r"no package named 'three'.*one, two"):
        load_sources(config, "three")
    assert main(["sources", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert out.count("  ok") == 2 and "package  two: out.two " in out
    assert main(["generate", "--config", str(config), "--only", "two"]) == 0
    assert (tmp_path / "out" / "two" / "_manifest.json").is_file()
    assert not (tmp_path / "out" / "one").exists()
    assert main(["generate", "--config", str(config), "--check"]) == 1  # `one` is missing
    assert main(["generate", "--config", str(config)]) == 0
    assert main(["generate", "--config", str(config), "--check"]) == 0
    capsys.readouterr()
    assert main(["generate", "--config", str(config), "--only", "nine"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--only names no package" in err and "one, two" in err
    assert main(["generate", "--config", str(config), "--out", str(tmp_path / "x")]) == 2
    assert "add --only NAME" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("packages = []\n", "non-empty list"),
        ('[[packages]]\nname = "a"\n', "needs string keys out, package"),
        ('[[packages]]\nname = "a"\nout = "o"\npackage = "p"\n', "has no string 'live_url'"),
        (
            '[[packages]]\nname = "a"\nout = "o"\npackage = "p"\nlive_url = "u"\n',
            "'a' base needs string keys",
        ),
        (
            '[[packages]]\nname = "a"\nout = "o"\npackage = "p"\nlive_url = "u"\nroots = "x"\n'
            'base = { path = "f", sha256 = "0" }\n',
            "'roots' must be a list of strings",
        ),
    ],
)
def test_a_broken_package_entry_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    config = tmp_path / "sources.toml"
    config.write_text(text)
    assert main(["sources", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and str(config) in err


def test_two_packages_with_one_name_are_refused(tmp_path: Path) -> None:
    config = write_packages(tmp_path)
    config.write_text(config.read_text().replace('name = "two"', 'name = "one"'))
    with pytest.raises(MetadataError, match="'one' is named twice"):
        load_packages(config)
