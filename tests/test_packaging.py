"""What an installed package and its two command lines promise: dependencies by use, the
embedded example pages, exit statuses, closed pipes, stdin, size limits, and the pinned inputs.
"""

from __future__ import annotations

import importlib.util
import io
import json
import re
import subprocess
import sys
import tomllib
import types
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codegen import _process
from codegen import cli as codegen_cli
from codegen.diagnostics import KNOWN_CODES, LEVELS, parse_override
from codegen.sources import SHARED_ENV, display_path, load_sources, sha256_of
from runtime import cli as runtime_cli
from runtime.bot.requests import CallsRequests, Cloud
from runtime.docs import cli as docs_cli
from runtime.docs.examples import check_pages

REPO = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def _load_setup() -> types.ModuleType:
    spec = importlib.util.spec_from_file_location("project_setup", REPO / "setup.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # not __main__: defines, does not run setup()
    return module


SETUP = _load_setup()
CREATE = "POST https://graph.microsoft.com/beta/communications/calls"
# The embedded pages keep exactly these errors on purpose, each explained on its page.
DELIBERATE_ERRORS = {"create-call#52-request": ["type.not-assignable"]}


def _requirement_names(requirements: list[str]) -> set[str]:
    return {re.split(r"[\[<>=!~; ]", r, maxsplit=1)[0].lower() for r in requirements}


def test_the_base_install_is_what_models_and_runtime_need() -> None:
    project = PYPROJECT["project"]
    assert _requirement_names(project["dependencies"]) == {"attrs", "cattrs"}
    extras = project["optional-dependencies"]
    assert {"lxml", "jinja2", "ruff"} <= _requirement_names(extras["codegen"])
    assert "ruff==0.17.6" in extras["codegen"]
    dev = next(r for r in extras["dev"] if r.startswith("graph-calls-models["))
    assert set(dev.partition("[")[2].rstrip("]").split(",")) >= {
        "codegen",
        "http",
        "auth",
        "server",
        "test",
    }


def test_license_and_build_backend_agree() -> None:
    assert PYPROJECT["project"]["license"] == "MIT"
    assert "LICENSE" in PYPROJECT["project"]["license-files"]
    assert "Copyright (c) 2026 graph-calls-models contributors" in (REPO / "LICENSE").read_text()
    backend = next(r for r in PYPROJECT["build-system"]["requires"] if r.startswith("setuptools"))
    minimum = tuple(int(x) for x in backend.partition(">=")[2].split("."))
    assert minimum >= (77,)  # the first setuptools that reads an SPDX `license` string


@pytest.mark.parametrize("package", ["codegen", "runtime", "generated"])
def test_every_package_is_typed_and_ships_its_marker(package: str) -> None:
    assert (REPO / package / "py.typed").is_file()
    assert "py.typed" in SETUP.package_data()[package]


def test_codegen_ships_what_it_reads_at_run_time() -> None:
    shipped = SETUP.package_data()["codegen"]
    folder = REPO / "codegen"
    needed = [p for p in folder.rglob("*") if p.is_file() and p.suffix in {".jinja", ".toml"}]
    needed += list((folder / "support").glob("*.py"))
    for path in needed:
        relative = path.relative_to(folder).as_posix()
        assert any(Path(relative).match(pattern) for pattern in shipped), relative
    packaged = folder / "data" / "sources.toml"
    assert packaged.read_bytes() == (REPO / "metadata" / "sources.toml").read_bytes()


VERSIONS = ("generated/beta/", "generated/v1_0/")

_POISONED = """
import importlib, pkgutil, sys
for name in ("lxml", "jinja2", "ruff", "httpx", "jwt", "uvicorn"):
    sys.modules[name] = None  # importing any of these now raises
import generated.beta, generated.v1_0, runtime
for info in pkgutil.iter_modules(runtime.__path__):
    if info.name != "client":  # the one module that needs the http extra
        importlib.import_module("runtime." + info.name)
from generated.beta.microsoft_graph import Call
call = generated.beta.converter().read_as({"callbackUri": "https://bot.example.com/cb"}, Call)
print(call.callback_uri)
"""


@pytest.mark.parametrize(
    ("source", "built"),
    [
        (
            "from codegen.model import Model\n",
            "from graph_calls_models.codegen.model import Model\n",
        ),
        (
            "    from codegen import generate\n",
            "    from graph_calls_models.codegen import generate\n",
        ),
        ("import generated\n", "from graph_calls_models import generated\n"),
        (
            "from generated.microsoft_graph import (\n",
            "from graph_calls_models.generated.microsoft_graph import (\n",
        ),
        (
            'loader=jinja2.PackageLoader("codegen", "t")',
            'loader=jinja2.PackageLoader("graph_calls_models.codegen", "t")',
        ),
        ('resources.files("codegen")', 'resources.files("graph_calls_models.codegen")'),
        ("from .examples import check\n", "from .examples import check\n"),
        ("import generated_extra\n", "import generated_extra\n"),
        ('out = "generated"\n', 'out = "generated"\n'),
        ("from codegenx import y\n", "from codegenx import y\n"),
    ],
)
def test_the_wheel_rewrites_absolute_project_imports_only(source: str, built: str) -> None:
    assert SETUP.rewrite(source, "m.py") == built


def test_the_wheel_build_refuses_an_import_form_it_cannot_rewrite() -> None:
    with pytest.raises(SystemExit, match=re.escape("cannot rewrite 'import codegen.cli'")):
        SETUP.rewrite("import codegen.cli\n", "m.py")


@pytest.mark.slow
def test_the_wheel_installs_one_top_level_package(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--outdir",
            str(tmp_path),
            str(REPO),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0 and "No module named build" in done.stderr:
        pytest.skip("the `build` package is not installed (extra dev)")
    assert done.returncode == 0, done.stderr[-2000:]
    import zipfile

    with zipfile.ZipFile(next(tmp_path.glob("*.whl"))) as wheel:
        names = wheel.namelist()
        tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
        assert tops == {"graph_calls_models"}
        for package in ("", "codegen/", "runtime/", "generated/", *VERSIONS):
            assert f"graph_calls_models/{package}py.typed" in names
        for package in VERSIONS:  # each models package ships what its manifest() reads
            assert f"graph_calls_models/{package}_manifest.json" in names
        modules = [n for n in names if n.endswith(".py") and "/support/" not in n]
        absolute = re.compile(r"^\s*(from|import) (codegen|runtime|generated)\b", re.M)
        for name in modules:
            assert not absolute.search(wheel.read(name).decode()), name
        scripts = next(n for n in names if n.endswith("entry_points.txt"))
        assert "graph_calls_models.runtime.__main__:run" in wheel.read(scripts).decode()


def test_runtime_and_models_import_without_the_codegen_extra() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _POISONED], capture_output=True, text=True, check=False, cwd=REPO
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "https://bot.example.com/cb"


def test_a_missing_extra_is_named_with_the_install_command() -> None:
    script = (
        "import sys; sys.modules['lxml'] = None\n"
        "from codegen._process import run\n"
        "sys.exit(run('graph-codegen', 'codegen.cli', ['inspect', '--metadata', 'x.xml']))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, cwd=REPO
    )
    assert done.returncode == 2
    assert "pip install 'graph-calls-models[codegen]'" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("module", "prog"), [("codegen", "graph-codegen"), ("runtime", "graph-calls")]
)
def test_version(module: str, prog: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", module, "--version"],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    assert done.returncode == 0
    assert done.stdout.startswith(f"{prog} ") and done.stdout.strip() != prog


def test_dir_of_a_namespace_lists_every_lazy_class() -> None:
    import generated.beta.microsoft_graph as namespace

    names = dir(namespace)
    assert set(namespace.__all__) <= set(names) and "Call" in names
    assert names == sorted(names)


def _crashing_module(monkeypatch: pytest.MonkeyPatch) -> str:
    module = types.ModuleType("tests_crashing_cli")

    def main(argv: list[str]) -> int:
        raise RuntimeError("boom")

    module.main = main  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    return module.__name__


def test_an_internal_error_is_exit_3_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _process.run("prog", _crashing_module(monkeypatch), []) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "RuntimeError: boom" in err and "--debug" in err
    assert _process.run("prog", _crashing_module(monkeypatch), ["--debug"]) == 3
    assert "Traceback" in capsys.readouterr().err


def test_a_closed_pipe_is_quiet() -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "runtime", "examples", "--embedded", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.read(10)
        proc.stdout.close()  # like `| head -c 10`
        err = proc.stderr.read().decode()
        status = proc.wait(timeout=60)
    assert "Traceback" not in err and "BrokenPipeError" not in err
    assert status in (0, 1)


def test_unknown_severity_codes_and_levels_are_refused_with_the_valid_ones(
    capsys: pytest.CaptureFixture[str],
) -> None:
    fixture = str(REPO / "tests" / "csdl" / "defects.xml")
    assert codegen_cli.main(["inspect", "--metadata", fixture, "--severity", "bogus=error"]) == 2
    err = capsys.readouterr().err
    assert "unknown diagnostic code 'bogus'" in err and "unresolved-type" in err
    status = codegen_cli.main(["inspect", "--metadata", fixture, "--severity", "missing-key=loud"])
    assert status == 2
    assert "error|warning|info" in capsys.readouterr().err


def test_known_codes_are_every_code_the_reader_and_resolver_emit() -> None:
    emitted: set[str] = set()
    for path in (REPO / "codegen").glob("*.py"):
        if path.name == "diagnostics.py":  # the policy names levels, it emits nothing
            continue
        text = path.read_text(encoding="utf-8")
        emitted |= set(re.findall(r'"(?:error|warning|info)",\s*"([a-z0-9-]+)"', text))
    assert emitted - set(LEVELS) == KNOWN_CODES


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=40))
def test_an_override_is_a_known_code_and_level_or_a_value_error(text: str) -> None:
    try:
        code, level = parse_override(text)
    except ValueError as exc:
        assert str(exc)
    else:
        assert code in KNOWN_CODES and text == f"{code}={level}"


def test_validate_reads_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    body = {
        "callbackUri": "https://bot.example.com/cb",
        "targets": [],
        "mediaConfig": {"@odata.type": "#microsoft.graph.serviceHostedMediaConfig"},
    }
    stdin = io.TextIOWrapper(io.BytesIO(json.dumps(body).encode()))
    monkeypatch.setattr(sys, "stdin", stdin)
    assert runtime_cli.main(["validate", "-", "--request", CREATE]) == 0
    assert capsys.readouterr().out.startswith("-: microsoft.graph.call: ok")


def test_stdin_over_the_limit_is_refused_without_reading_it_all(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class Endless(io.RawIOBase):
        served = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
            Endless.served += len(buffer)
            buffer[:] = b" " * len(buffer)
            return len(buffer)

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(Endless())))
    assert runtime_cli.main(["validate", "-", "--notification"]) == 2
    assert "stdin: over the" in capsys.readouterr().err
    assert Endless.served < 2 * docs_cli.MAX_BODY_BYTES


@pytest.mark.parametrize("command", [["examples"], ["validate", "--notification"]])
def test_a_huge_sparse_file_is_refused_by_its_size(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    huge = tmp_path / "huge.md"
    with huge.open("wb") as f:
        f.truncate(2 * 1024**3)  # sparse: 2 GB on paper, nothing on disk
    args = [command[0], str(huge), *command[1:]]
    assert runtime_cli.main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "2,147,483,648 bytes, over the" in err


def test_a_page_without_examples_is_not_a_clean_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "notes.md"
    page.write_text("# Notes\n\nNo request, response or notification here.\n", encoding="utf-8")
    assert runtime_cli.main(["examples", str(page)]) == 2
    assert "no examples found" in capsys.readouterr().err
    embedded = docs_cli.embedded_pages()[0]
    assert runtime_cli.main(["examples", str(page), embedded]) in (0, 1)  # others were checked


def test_examples_needs_pages_or_embedded(capsys: pytest.CaptureFixture[str]) -> None:
    assert runtime_cli.main(["examples"]) == 2
    assert "--embedded" in capsys.readouterr().err


def _embedded_reports() -> list[dict[str, object]]:
    pages = check_pages(docs_cli.embedded_pages())
    return [e.as_dict() for page in pages for e in page.examples]


def test_every_embedded_body_passes_but_the_deliberate_mistakes() -> None:
    reports = _embedded_reports()
    assert len(reports) > 50
    wrong = {
        str(r["id"]): [f["code"] for f in r["findings"] if f["severity"] == "error"]  # type: ignore[attr-defined, index]
        for r in reports
        if any(f["severity"] == "error" for f in r["findings"])  # type: ignore[attr-defined, index]
    }
    assert wrong == DELIBERATE_ERRORS
    for r in reports:
        if r["id"] not in DELIBERATE_ERRORS:
            assert not r["findings"] and not r["repairs"], r["id"]
            assert r["roundtrip"] in (True, None), r["id"]


def test_the_embedded_pages_cover_the_calls_scenarios() -> None:
    text = "\n".join(Path(p).read_text(encoding="utf-8") for p in docs_cli.embedded_pages())
    reports = _embedded_reports()
    urls = {f"{r['method']} {r['url']}" for r in reports if r["kind"] == "request"}
    for action in (
        "answer",
        "reject",
        "redirect",
        "transfer",
        "playPrompt",
        "recordResponse",
        "mute",
        "subscribeToTone",
        "keepAlive",
        "participants/invite",
        "participants/muteAll",
    ):
        assert any(u.startswith("POST ") and u.endswith(f"/{action}") for u in urls), action
    assert any(u.startswith("DELETE ") for u in urls)
    for needle in (
        "#microsoft.graph.serviceHostedMediaConfig",
        "#microsoft.graph.appHostedMediaConfig",
        "#microsoft.graph.joinMeetingIdMeetingInfo",
        "#microsoft.graph.organizerMeetingInfo",
        '"chatInfo"',
        '"phone"',
        "#microsoft.graph.contentSharingSession",
        "#microsoft.graph.deltaParticipants",
        '"state": "establishing"',
        '"state": "established"',
        '"state": "terminated"',
        '"state": "incoming"',
    ):
        assert needle in text, needle
    groups = [r for r in reports if r["kind"] == "request" and r["url"].endswith("/calls")]  # type: ignore[union-attr]
    assert len(groups) >= 7  # one per way of creating a call, and the deliberate mistake


def test_the_embedded_report_from_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert runtime_cli.main(["examples", "--embedded"]) == 1  # the one deliberate error
    out = capsys.readouterr().out
    assert re.search(r"\d+ examples: \d+ ok, 0 with warnings, 1 with errors", out)


def _pinned_config(tmp_path: Path, sha256: str) -> Path:
    (tmp_path / "metadata").mkdir()
    doc = tmp_path / "doc.xml"
    doc.write_text("<not-read/>", encoding="utf-8")
    config = tmp_path / "metadata" / "sources.toml"
    config.write_text(
        f'live_url = "https://example.invalid/$metadata"\n[base]\npath = "doc.xml"\n'
        f'sha256 = "{sha256}"\n[generate]\nout = "out"\npackage = "out"\n',
        encoding="utf-8",
    )
    return config


def test_a_tampered_input_is_refused_before_if_changed_trusts_the_header(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pinned = "0" * 64
    config = _pinned_config(tmp_path, pinned)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "__init__.py").write_text(f"# base doc.xml sha256={pinned}\n")
    status = codegen_cli.main(["generate", "--config", str(config), "--if-changed"])
    assert status == 2
    err = capsys.readouterr().err
    assert f"sha256 is {sha256_of(tmp_path / 'doc.xml')}" in err and "current" not in err


def test_the_shared_folder_can_be_named_and_headers_do_not_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "inputs"
    monkeypatch.setenv(SHARED_ENV, str(elsewhere))
    sources = load_sources(REPO / "metadata" / "sources.toml")
    assert sources.base.path.is_relative_to(elsewhere)
    assert display_path(sources.base.path).startswith("../shared/metadata/")
    monkeypatch.delenv(SHARED_ENV)
    assert not load_sources(REPO / "metadata" / "sources.toml").base.path.is_relative_to(elsewhere)


def test_sources_names_missing_inputs_and_how_to_point_at_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _pinned_config(tmp_path, "0" * 64)
    (tmp_path / "doc.xml").unlink()
    assert codegen_cli.main(["sources", "--config", str(config)]) == 2
    out, err = capsys.readouterr()
    assert "MISSING" in out and SHARED_ENV in err


@pytest.mark.parametrize(
    "cloud", [Cloud.US_GOV_L4, "us_gov_l4", "US_GOV_L4", "https://graph.microsoft.us/"]
)
def test_a_cloud_is_accepted_by_its_name_or_url(cloud: Cloud | str) -> None:
    requests = CallsRequests(cloud, "beta")
    assert requests.cloud is Cloud.US_GOV_L4
    assert requests.calls_url == "https://graph.microsoft.us/beta/communications/calls"


def test_an_unknown_cloud_is_refused_with_the_valid_ones() -> None:
    with pytest.raises(
        ValueError,
        match=r"unknown cloud 'mars'; use a Cloud member or one of .*\bglobal\b.*usgov-l4",
    ):
        CallsRequests("mars")
