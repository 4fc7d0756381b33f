"""Hostile and broken XML: refused with a `MetadataError` naming the file, never expanded,
never fetched; and `python -m codegen inspect` reports it on one line with exit status 1."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from codegen.cli import main
from codegen.csdl import read_document, read_text
from codegen.xmlsafe import MetadataError, load_bytes
from tests.conftest import CSDL_FIXTURES, REPO_ROOT

SECRET = "s3cr3t-4f9b1c-never-read"
EDMX_OPEN = '<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">'
EDMX_BODY = (
    "<edmx:DataServices>"
    '<Schema Namespace="t" xmlns="http://docs.oasis-open.org/odata/ns/edm">'
    '<ComplexType Name="c"><Annotation Term="Core.Description"><String>{value}</String>'
    "</Annotation>"
    "</ComplexType></Schema></edmx:DataServices></edmx:Edmx>"
)


class _Recorder(BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Recorder.requests.append(self.path)
        body = f'<!ENTITY leak "{SECRET}">'.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def http_server() -> Iterator[str]:
    """A local server that records every request, to prove that none is made."""
    _Recorder.requests = []
    server = HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    """A file whose content must never show up anywhere."""
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


def hostile_documents(secret: Path, url: str) -> dict[str, str]:
    """Each attack by name; it tries to read `secret` and to reach the server at `url`."""
    body = EDMX_BODY
    return {
        "billion-laughs": (
            '<?xml version="1.0"?>\n<!DOCTYPE edmx:Edmx [\n'
            '  <!ENTITY lol "lol">\n'
            + "".join(
                f'  <!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">\n'
                if i
                else '  <!ENTITY lol0 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n'
                for i in range(10)
            )
            + "]>\n"
            + EDMX_OPEN
            + body.format(value="&lol9;")
        ),
        "xxe-passwd": (
            '<?xml version="1.0"?>\n<!DOCTYPE edmx:Edmx [\n'
            '  <!ENTITY xxe SYSTEM "file:///etc/passwd">\n]>\n'
            + EDMX_OPEN
            + body.format(value="&xxe;")
        ),
        "xxe-secret": (
            '<?xml version="1.0"?>\n<!DOCTYPE edmx:Edmx [\n'
            f'  <!ENTITY xxe SYSTEM "{secret.as_uri()}">\n]>\n'
            + EDMX_OPEN
            + body.format(value="&xxe;")
        ),
        "external-dtd": (
            f'<?xml version="1.0"?>\n<!DOCTYPE edmx:Edmx SYSTEM "{url}/evil.dtd">\n'
            + EDMX_OPEN
            + body.format(value="&leak;")
        ),
        "network-entity": (
            '<?xml version="1.0"?>\n<!DOCTYPE edmx:Edmx [\n'
            f'  <!ENTITY net SYSTEM "{url}/entity">\n]>\n' + EDMX_OPEN + body.format(value="&net;")
        ),
        "parameter-entity": (
            '<?xml version="1.0"?>\n<!DOCTYPE edmx:Edmx [\n'
            f'  <!ENTITY % remote SYSTEM "{url}/param">\n  %remote;\n]>\n'
            + EDMX_OPEN
            + body.format(value="&leak;")
        ),
    }


CASE_NAMES = [
    "billion-laughs",
    "xxe-passwd",
    "xxe-secret",
    "external-dtd",
    "network-entity",
    "parameter-entity",
]


@pytest.mark.parametrize("case", CASE_NAMES)
def test_hostile_document_is_refused_without_access(
    case: str, tmp_path: Path, secret_file: Path, http_server: str
) -> None:
    path = tmp_path / f"{case}.xml"
    path.write_text(hostile_documents(secret_file, http_server)[case])
    with pytest.raises(MetadataError) as info:
        read_document(path)
    err = info.value
    assert err.file == str(path)
    assert str(path) in str(err)
    assert "DTD" in err.message or "entity" in err.message.lower(), err.message
    assert SECRET not in str(err)
    assert "root:" not in str(err)  # nothing of /etc/passwd
    assert _Recorder.requests == [], "the parser made a network request"


@pytest.mark.parametrize("case", CASE_NAMES)
def test_cli_reports_hostile_input_on_one_line(
    case: str,
    tmp_path: Path,
    secret_file: Path,
    http_server: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / f"{case}.xml"
    path.write_text(hostile_documents(secret_file, http_server)[case])
    assert main(["inspect", "--metadata", str(path)]) == 2  # refused input
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert str(path) in err
    assert SECRET not in out + err
    assert _Recorder.requests == []


def test_cli_subprocess_has_no_traceback(tmp_path: Path, secret_file: Path) -> None:
    path = tmp_path / "xxe.xml"
    path.write_text(hostile_documents(secret_file, "http://127.0.0.1:9")["xxe-secret"])
    result = subprocess.run(
        [sys.executable, "-m", "codegen", "inspect", "--metadata", str(path)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=60,
    )
    assert result.returncode == 2  # refused input
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        f"error: {path}:1: document declares a DTD (<!DOCTYPE>); CSDL never needs one, refused"
    ]
    assert SECRET not in result.stderr


def test_undeclared_entity_without_dtd_is_malformed() -> None:
    text = EDMX_OPEN + EDMX_BODY.format(value="&leak;")
    with pytest.raises(MetadataError) as info:
        read_text(text, "plain.xml")
    assert info.value.file == "plain.xml"
    assert "not well-formed XML" in info.value.message
    assert "leak" in info.value.message


def test_predefined_and_character_entities_are_fine() -> None:
    doc = read_text(EDMX_OPEN + EDMX_BODY.format(value="a &amp; b &#65;"))
    (complex_type,) = doc.schemas[0].types
    assert complex_type.annotations[0].value == "a & b A"


def test_oversize_document_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "big.xml"
    path.write_bytes((CSDL_FIXTURES / "full.xml").read_bytes())
    with pytest.raises(MetadataError) as info:
        read_document(path, max_bytes=1000)
    assert info.value.file == str(path)
    assert "over the 1,000 limit" in info.value.message
    with pytest.raises(MetadataError, match="over the 10 limit"):
        load_bytes(b"<a>0123456789</a>", "mem.xml", max_bytes=10)


def test_malformed_xml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.xml"
    path.write_text(EDMX_OPEN + "\n<edmx:DataServices>\n  <Schema>\n</edmx:DataServices>\n")
    with pytest.raises(MetadataError) as info:
        read_document(path)
    assert info.value.line == 4
    assert info.value.message.startswith("not well-formed XML")
    assert str(info.value).startswith(f"{path}:4: ")


def test_wrong_root_element(tmp_path: Path) -> None:
    path = tmp_path / "html.xml"
    path.write_text("<html>\n<body/></html>")
    with pytest.raises(MetadataError) as info:
        read_document(path)
    assert info.value.message == "root element is 'html', not edmx:Edmx"
    assert info.value.line == 1


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "absent.xml"
    with pytest.raises(MetadataError, match="cannot read"):
        read_document(path)
    assert main(["inspect", "--metadata", str(path)]) == 2  # refused input
    assert capsys.readouterr().err.startswith(f"error: {path}: cannot read")


@pytest.mark.parametrize(
    "text",
    [
        "<html>\n<body/></html>",
        EDMX_OPEN + "\n<unclosed>",
    ],
)
def test_cli_one_line_for_broken_documents(
    text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "doc.xml"
    path.write_text(text)
    assert main(["inspect", "--metadata", str(path), "--json"]) == 2  # refused input
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and err.startswith(f"error: {path}:")
