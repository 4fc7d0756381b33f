"""`generate` never leaves a reader without a whole package, never deletes a user's files,
imports what it writes, and gives the same bytes wherever it runs."""

from __future__ import annotations

import ctypes
import errno
import json
import keyword
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codegen import cli
from codegen import generate as gen
from codegen.generate import GenerationError, changes, generate, read_tree
from codegen.manifest import MANIFEST_NAME, read_manifest
from codegen.sources import load_model, load_sources
from tests.conftest import CALLS_OVERLAY, GRAPH_SNAPSHOT, REPO_ROOT, shared_path
from tests.golden.regen import FIXTURE, fixture_model

NEW_PROPERTY = '<Property Name="isRecordingConsentRequired" Type="Edm.Boolean" />'


def whole(out: Path) -> bool:
    """Whether `out` holds exactly the files its manifest lists."""
    manifest = json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))
    return set(read_tree(out)) == {*manifest["files"], MANIFEST_NAME}


def beside(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir())


@pytest.fixture
def built(tmp_path: Path) -> Path:
    """A generated package `pkg` alone in a fresh folder."""
    out = tmp_path / "pkg"
    generate(fixture_model(), [], out, "pkg")
    return out


def with_property(text: str, type_name: str, prop: str = NEW_PROPERTY) -> str:
    """The CSDL `text` with `prop` added to the type named `type_name`."""
    for kind in ("EntityType", "ComplexType"):
        start = text.find(f'<{kind} Name="{type_name}"')
        if start >= 0:
            end = text.index(">", start) + 1
            return text[:end] + prop + text[end:]
    raise AssertionError(f"{type_name} not found")


def older_generation(out: Path) -> None:
    """Make `out` differ from a fresh generation, so the next one swaps."""
    doc = out / "test_a" / "document.py"
    doc.write_text(doc.read_text(encoding="utf-8") + "# older\n", encoding="utf-8")


# --- the swap ----------------------------------------------------------------------------


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="renameat2 is Linux's")
def test_exchange_swaps_two_folders_in_one_step(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one").write_text("1")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "two").write_text("2")
    if not gen.exchange(tmp_path / "a", tmp_path / "b"):
        pytest.skip("this filesystem has no RENAME_EXCHANGE")
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["two"]
    assert [p.name for p in (tmp_path / "b").iterdir()] == ["one"]


def test_exchange_reports_an_unsupported_platform(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gen, "_renameat2", lambda: None)
    assert gen.exchange(Path("a"), Path("b")) is False


def fake_renameat2(error: int) -> Callable[..., int]:
    def renameat2(*args: object) -> int:
        ctypes.set_errno(error)
        return -1

    return renameat2


@pytest.mark.parametrize("error", [errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP])
def test_exchange_falls_back_when_the_filesystem_cannot(
    monkeypatch: pytest.MonkeyPatch, error: int
) -> None:
    monkeypatch.setattr(gen, "_renameat2", lambda: fake_renameat2(error))
    assert gen.exchange(Path("a"), Path("b")) is False


def test_exchange_raises_a_real_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gen, "_renameat2", lambda: fake_renameat2(errno.ENOENT))
    with pytest.raises(FileNotFoundError):
        gen.exchange(Path("a"), Path("b"))


def test_regeneration_swaps_without_leftovers_with_and_without_exchange(
    built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for supported in (True, False):
        if not supported:
            monkeypatch.setattr(gen, "exchange", lambda a, b: False)
        older_generation(built)
        changed, _ = generate(fixture_model(), [], built, "pkg")
        assert changed and whole(built)
        assert "# older" not in (built / "test_a" / "document.py").read_text()
        assert beside(built) == ["pkg"]


def dead_after(calls: int) -> Callable[[Path, Path], None]:
    """A rename that works `calls` times, then behaves as if the process had been killed."""
    count = 0

    def rename(src: Path, dst: Path) -> None:
        nonlocal count
        count += 1
        if count > calls:
            raise KeyboardInterrupt("killed")
        os.replace(src, dst)

    return rename


def test_a_kill_between_the_two_renames_is_restored_by_the_next_run(
    built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gen, "exchange", lambda a, b: False)
    older_generation(built)
    previous = read_tree(built)
    monkeypatch.setattr(gen, "_rename", dead_after(1))
    with monkeypatch.context() as m:
        m.setattr(gen, "discard", lambda path: None)  # a killed process cleans nothing up
        with pytest.raises(KeyboardInterrupt):
            generate(fixture_model(), [], built, "pkg")
    assert not built.exists()
    old = built.with_name(".pkg.old")
    assert read_tree(old) == previous  # the previous package is whole, beside

    monkeypatch.setattr(gen, "_rename", os.replace)
    notes: list[str] = []
    changed, _ = generate(fixture_model(), [], built, "pkg", notify=notes.append)
    assert changed and whole(built)
    assert any(n.startswith("restored pkg from .pkg.old") for n in notes), notes
    assert beside(built) == ["pkg"]


def test_recover_restores_a_whole_package_before_anything_else(built: Path) -> None:
    before = read_tree(built)
    old = built.with_name(".pkg.old")
    os.replace(built, old)
    notes: list[str] = []
    gen.recover(built, notes.append)
    assert read_tree(built) == before
    assert notes == ["restored pkg from .pkg.old, left by an interrupted generation"]


def test_a_kill_after_the_exchange_leaves_a_whole_package_and_is_cleaned(
    built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    older_generation(built)

    def killed(path: Path) -> None:
        raise KeyboardInterrupt("killed")

    with monkeypatch.context() as m:
        m.setattr(gen, "discard", killed)
        with pytest.raises(KeyboardInterrupt):
            generate(fixture_model(), [], built, "pkg")
    assert whole(built)
    leftovers = [n for n in beside(built) if n != "pkg"]
    assert len(leftovers) == 1 and leftovers[0].startswith(".pkg.")
    notes: list[str] = []
    changed, _ = generate(fixture_model(), [], built, "pkg", notify=notes.append)
    assert not changed and whole(built)
    assert beside(built) == ["pkg"]
    assert notes == [f"removed {leftovers[0]}, left by an interrupted generation"]


def test_a_kill_during_formatting_leaves_the_package_and_the_next_run_cleans_up(
    built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = read_tree(built)

    def killed(root: Path, origins: object = None) -> None:
        raise SystemExit("killed")

    with monkeypatch.context() as m:
        m.setattr(gen, "format_tree", killed)
        m.setattr(gen, "discard", lambda path: None)
        with pytest.raises(SystemExit):
            generate(fixture_model(), [], built, "pkg")
    assert read_tree(built) == before
    (leftover,) = [n for n in beside(built) if n != "pkg"]
    assert leftover.startswith(".pkg.new-")
    notes: list[str] = []
    generate(fixture_model(), [], built, "pkg", notify=notes.append)
    assert beside(built) == ["pkg"] and read_tree(built) == before
    assert notes == [f"removed {leftover}, left by an interrupted generation"]


@pytest.mark.parametrize("supported", [True, False])
def test_leftover_lookalikes_that_are_not_ours_are_kept(
    built: Path, monkeypatch: pytest.MonkeyPatch, supported: bool
) -> None:
    if not supported:
        monkeypatch.setattr(gen, "exchange", lambda a, b: False)
    mine = built.with_name(".pkg.new-mine")
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    old = built.with_name(".pkg.old")
    old.mkdir()
    (old / "data.csv").write_text("keep me too")
    older_generation(built)
    before = read_tree(built)
    if supported:
        assert generate(fixture_model(), [], built, "pkg")[0]
    else:  # the two-rename swap needs .pkg.old: refused, nothing lost
        with pytest.raises(GenerationError, match=r"\.pkg\.old is in the way"):
            generate(fixture_model(), [], built, "pkg")
        assert read_tree(built) == before
    assert (mine / "notes.txt").read_text() == "keep me"
    assert (old / "data.csv").read_text() == "keep me too"
    assert sorted(beside(built)) == [".pkg.new-mine", ".pkg.old", "pkg"]


def test_an_empty_leftover_is_removed(built: Path) -> None:
    built.with_name(".pkg.new-abc123").mkdir()
    generate(fixture_model(), [], built, "pkg", notify=lambda message: None)
    assert beside(built) == ["pkg"]


# --- the import check --------------------------------------------------------------------


def broken_module(monkeypatch: pytest.MonkeyPatch, rel: str, text: str) -> None:
    real = gen.render_package

    def render(*args: object, **kwargs: object) -> dict[str, str]:
        files = real(*args, **kwargs)  # type: ignore[arg-type]
        files[rel] = text
        return files

    monkeypatch.setattr(gen, "render_package", render)


def test_a_module_that_does_not_import_is_named_with_its_csdl_type(
    built: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    older_generation(built)
    before = read_tree(built)
    broken = "print('noise on stdout')\nraise RuntimeError('no document')\n"
    broken_module(monkeypatch, "test_a/document.py", broken)
    status = cli.main(["generate", "--metadata", str(FIXTURE), "--out", str(built)])
    out, err = capsys.readouterr()
    assert status == 2 and out == ""
    assert err.count("\n") == 1
    assert "generated module pkg.test_a.document (CSDL type test.a.document)" in err
    assert "RuntimeError: no document" in err
    assert "the previous output is left in place" in err
    assert read_tree(built) == before
    assert beside(built) == ["pkg"]


def test_a_module_that_does_not_parse_is_named_by_the_formatter_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken_module(monkeypatch, "test_a/item.py", 'class Item:\n    """oops""" "\n')
    with pytest.raises(GenerationError) as info:
        generate(fixture_model(), [], tmp_path / "pkg", "pkg")
    assert "ruff format failed on generated code in test_a/item.py (CSDL type" in str(info.value)
    assert "\n" not in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_a_dotted_package_is_imported_under_its_own_name(tmp_path: Path) -> None:
    out = tmp_path / "models"
    generate(fixture_model(), [], out, "mysdk.models")
    assert "Typed models of mysdk.models:" in (out / "__init__.py").read_text()
    assert beside(out) == ["models"]


# --- safe output -------------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = cli.main(["generate", "--metadata", str(FIXTURE), *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_a_folder_we_did_not_write_is_refused_and_survives(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("years of work")
    status, stdout, stderr = run(capsys, "--out", str(out))
    assert status == 2 and stdout == ""
    assert stderr.count("\n") == 1
    assert "was not written by this generator" in stderr and "thesis.tex" in stderr
    assert "--force" in stderr
    assert sorted(p.name for p in out.iterdir()) == ["thesis.tex"]
    assert beside(out) == ["mine"]


def test_force_replaces_it_and_says_so_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("years of work")
    status, stdout, stderr = run(capsys, "--out", str(out), "--force")
    assert status == 0 and "updated" in stdout
    assert stderr.startswith("WARNING: --force: replacing ")
    assert "thesis.tex" in stderr
    assert whole(out) and beside(out) == ["mine"]


def test_a_users_file_inside_our_package_is_not_deleted(
    built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (built / "my_helpers.py").write_text("x = 1\n")
    status, _, stderr = run(capsys, "--out", str(built))
    assert status == 2
    assert "holds 1 file this generator did not write: my_helpers.py" in stderr
    assert (built / "my_helpers.py").read_text() == "x = 1\n"


def test_an_empty_folder_and_an_older_generation_are_accepted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run(capsys, "--out", str(empty))[0] == 0
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "__init__.py").write_text("# Generated by graph-calls-models codegen 0.1.0 from:\n")
    (legacy / "old_module.py").write_text("")
    assert run(capsys, "--out", str(legacy))[0] == 0
    assert whole(legacy) and not (legacy / "old_module.py").exists()


def test_an_impossible_out_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "file.txt").write_text("not a folder")
    status, _, stderr = run(capsys, "--out", str(tmp_path / "file.txt" / "pkg"))
    assert status == 2
    assert stderr.startswith("error: cannot write the package: ") and stderr.count("\n") == 1
    status, _, stderr = run(capsys, "--out", str(tmp_path / "file.txt"), "--package", "pkg")
    assert status == 2 and "is not a folder" in stderr
    assert (tmp_path / "file.txt").read_text() == "not a folder"


def test_check_never_refuses_and_never_writes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("years of work")
    status, stdout, _ = run(capsys, "--out", str(out), "--check")
    assert status == 1 and "removed: thesis.tex" in stdout
    assert sorted(p.name for p in out.iterdir()) == ["thesis.tex"]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--out", "{tmp}/my-models"], "'my-models' (the --out folder's name)"),
        (["--out", "{tmp}/pkg", "--package", "class"], "'class' (--package)"),
        (["--out", "{tmp}/pkg", "--package", "a..b"], "'a..b' (--package)"),
        (["--out", "{tmp}/pkg", "--package", "2fast"], "'2fast' (--package)"),
        (["--out", "{tmp}/json"], "shadow the standard library module 'json'"),
    ],
)
def test_a_package_name_that_is_no_import_name_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], fragment: str
) -> None:
    status, _, stderr = run(capsys, *(a.replace("{tmp}", str(tmp_path)) for a in args))
    assert status == 2
    assert fragment in stderr and stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


# --- reproducible, quiet output ----------------------------------------------------------


def test_the_same_bytes_from_any_cwd_and_any_spelling_of_the_path(tmp_path: Path) -> None:
    deep = tmp_path / "a" / "b" / "c"
    deep.mkdir(parents=True)
    shutil.copy(FIXTURE, deep / "fixture.xml")
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    runs = [
        (tmp_path, "a/b/c/fixture.xml", "one/pkg"),
        (deep, str(deep / "fixture.xml"), str(tmp_path / "two" / "pkg")),
        (REPO_ROOT, str(FIXTURE), str(tmp_path / "three" / "pkg")),
    ]
    trees = []
    for cwd, metadata, out in runs:
        done = subprocess.run(
            [sys.executable, "-m", "codegen", "generate", "--metadata", metadata, "--out", out],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        root = Path(cwd, out)
        trees.append(
            {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}
        )
    assert trees[0] == trees[1] == trees[2]
    for data in trees[0].values():
        for local in (tmp_path, REPO_ROOT, sys.prefix, Path.home()):
            assert str(local).encode() not in data


def test_one_new_property_changes_only_the_files_that_declare_it(tmp_path: Path) -> None:
    changed_fixture = tmp_path / "fixture.xml"
    changed_fixture.write_text(
        with_property(FIXTURE.read_text(encoding="utf-8"), "document"), encoding="utf-8"
    )
    out = tmp_path / "pkg"
    generate(fixture_model(), [], out, "pkg")
    before = read_tree(out)
    generate(load_model(changed_fixture), [], out, "pkg")
    diff = changes(before, read_tree(out))
    assert diff["added"] == [] and diff["removed"] == []
    # Its facts live in its namespace's `_facts.py`; the package-wide `_schema.py` only says
    # where, so it stays as it was.
    assert diff["changed"] == ["_manifest.json", "test_a/_facts.py", "test_a/document.py"]


@pytest.mark.slow
def test_one_new_call_property_changes_at_most_four_files_of_the_calls_package(
    tmp_path: Path,
) -> None:
    base, overlay = shared_path(GRAPH_SNAPSHOT), shared_path(CALLS_OVERLAY)
    edited = tmp_path / "edited" / CALLS_OVERLAY
    edited.parent.mkdir()
    edited.write_text(with_property(overlay.read_text(encoding="utf-8"), "call"), "utf-8")
    roots = list(load_sources().roots)  # the committed calls package's closure
    out = tmp_path / "calls"
    generate(load_model(base, [overlay]), roots, out, "calls")
    before = read_tree(out)
    generate(load_model(base, [edited]), roots, out, "calls")
    diff = changes(before, read_tree(out))
    touched = [*diff["changed"], *diff["added"], *diff["removed"]]
    assert "microsoft_graph/call.py" in touched
    assert len(touched) <= 4, touched
    assert "is_recording_consent_required" in (out / "microsoft_graph" / "call.py").read_text()


def test_if_changed_reads_the_manifest(tmp_path: Path) -> None:
    config = tmp_path / "metadata" / "sources.toml"
    config.parent.mkdir()
    sha = __import__("hashlib").sha256(FIXTURE.read_bytes()).hexdigest()
    text = (
        'live_url = "https://example.invalid/$metadata"\n'
        f'[base]\npath = "{FIXTURE.as_posix()}"\nsha256 = "{sha}"\n'
        'source = "https://example.invalid/fixture.xml"\n'
        '[generate]\nout = "models"\npackage = "models"\nroots = ["test.a.invitation"]\n'
    )
    config.write_text(text, encoding="utf-8")

    def run_config(*extra: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "codegen", "generate", "--config", str(config), *extra],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert "updated" in run_config("--if-changed")
    manifest = json.loads((tmp_path / "models" / MANIFEST_NAME).read_text())
    assert manifest["inputs"][0]["source"] == "https://example.invalid/fixture.xml"
    assert manifest["roots"] == ["test.a.invitation"]
    assert "is current with the pinned inputs" in run_config("--if-changed")
    config.write_text(text.replace('["test.a.invitation"]', '["test.a.document"]'), "utf-8")
    assert "updated" in run_config("--if-changed")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30))
def test_any_package_name_is_accepted_only_as_an_import_name_else_one_line(name: str) -> None:
    parts = name.split(".")
    valid = all(p.isidentifier() and not keyword.iskeyword(p) for p in parts)
    try:
        gen.check_package_name(name)
    except GenerationError as exc:
        assert "\n" not in str(exc) and "\r" not in str(exc)
        assert not valid or parts[0] in sys.stdlib_module_names
    else:
        assert valid and parts[0] not in sys.stdlib_module_names


@settings(max_examples=100, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=200),
        st.recursive(
            st.none() | st.booleans() | st.text(max_size=10),
            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner),
            max_leaves=10,
        ).map(lambda v: json.dumps(v).encode()),
        st.integers(1, 100_000).map(lambda n: b"[" * n),
    )
)
def test_a_foreign_manifest_is_never_ours_and_never_crashes(data: bytes) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        Path(folder, MANIFEST_NAME).write_bytes(data)
        assert read_manifest(Path(folder)) is None
        assert not gen.written_by_us(Path(folder))


@pytest.mark.slow
def test_two_generations_into_one_folder_at_once_take_turns(tmp_path: Path) -> None:
    out = tmp_path / "pkg"
    cmd = [sys.executable, "-m", "codegen", "generate", "--metadata", str(FIXTURE)]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    runs = [
        subprocess.Popen(
            [*cmd, "--out", str(out)],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    results = [(r.wait(timeout=120), *r.communicate()) for r in runs]
    assert [status for status, _, _ in results] == [0, 0, 0], results
    assert whole(out) and beside(out) == ["pkg"]
    assert sum("updated" in stdout for _, stdout, _ in results) >= 1


def test_comparing_never_reads_a_file_larger_than_any_we_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gen, "READ_LIMIT", 100)
    (tmp_path / "small.txt").write_text("small")
    (tmp_path / "video.bin").write_bytes(b"\xff" * 101)
    assert read_tree(tmp_path) == {"small.txt": "small", "video.bin": "<101 bytes, not read>\n"}
