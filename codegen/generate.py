"""`generate`: plan, render, format, import-check and swap in a package atomically, or compare."""

from __future__ import annotations

import contextlib
import ctypes
import difflib
import errno
import functools
import json
import keyword
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import cast

from codegen.closure import Scope, closure, everything, unknown_roots
from codegen.manifest import (
    MANIFEST_NAME,
    input_entries,
    listed_files,
    read_manifest,
    written_by_us,
)
from codegen.model import Diagnostic, InputDocument, Model
from codegen.plan import plan_package
from codegen.render import GENERATOR_VERSION, render_package
from codegen.sources import Sources
from codegen.xmlsafe import MetadataError

RUFF_CONFIG = Path(__file__).with_name("ruff.toml")


class GenerationError(Exception):
    """Generation refused: bad usage or input, or output that does not format or import.

    The command line prints it as one line and exits with status 2.
    """


def scope_for(model: Model, roots: Sequence[str]) -> Scope:
    """The closure of `roots`, or everything when there are none."""
    if not roots:
        return everything(model)
    missing = unknown_roots(model, roots)
    if missing:
        raise GenerationError(f"--root names no entity or complex type: {', '.join(missing)}")
    return closure(model, roots)


class Progress:
    """Stage lines with elapsed time on stderr, for runs long enough that silence worries."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.start = time.perf_counter()

    def __call__(self, message: str) -> None:
        if self.enabled:
            elapsed = time.perf_counter() - self.start
            print(f"[{elapsed:6.1f}s] {message}", file=sys.stderr, flush=True)


QUIET = Progress(enabled=False)


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def render(
    model: Model,
    roots: Sequence[str],
    package: str,
    progress: Progress = QUIET,
    sources: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Every file of the package for `model` and `roots`, not yet formatted."""
    return _render(model, roots, package, progress, sources)[0]


def plan_diagnostics(model: Model, roots: Sequence[str] = ()) -> list[Diagnostic]:
    """The `name-collision` warnings planning `roots` (or every type) would give."""
    return plan_package(model, scope_for(model, roots)).diagnostics


def _render(
    model: Model,
    roots: Sequence[str],
    package: str,
    progress: Progress,
    sources: Mapping[str, str] | None,
) -> tuple[dict[str, str], dict[str, str], list[Diagnostic]]:
    """The files, the CSDL qualified name behind each type's module (for error messages), and
    the plan's diagnostics."""
    scope = scope_for(model, roots)
    progress(f"read {len(model.types):,} types; planning {len(scope.types):,} of them")
    plan = plan_package(model, scope)
    progress(f"planned {len(plan.classes):,} classes and {len(plan.enums):,} enums; rendering")
    files = render_package(plan, model.inputs, package, roots=roots, sources=sources)
    origins = {f"{c.package}/{c.module}.py": c.qname for c in plan.classes}
    origins.update({f"{e.package}/{e.module}.py": e.qname for e in plan.enums})
    return files, origins, plan.diagnostics


# --- names -------------------------------------------------------------------------------


def check_package_name(name: str, where: str = "--package") -> None:
    """Refuse a package name that is not a dotted Python import name we can import safely."""
    parts = name.split(".")
    if not name or not all(p.isidentifier() and not keyword.iskeyword(p) for p in parts):
        raise GenerationError(
            f"package name {name!r} ({where}) is not a valid Python import name "
            "(dotted identifiers, no keywords); give --package NAME"
        )
    if parts[0] in sys.stdlib_module_names:
        raise GenerationError(
            f"package name {name!r} ({where}) would shadow the standard library module "
            f"{parts[0]!r}; give another --package NAME"
        )


# --- formatting and the import check -----------------------------------------------------


def _ruff() -> list[str]:
    exe = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if exe is None:
        raise GenerationError("ruff is needed to format generated code; install the package")
    return [exe]


def _origin_of(text: str, origins: Mapping[str, str]) -> str:
    """' (CSDL type Q)' for the first generated module named in a tool's message, else ''."""
    for match in re.finditer(r"[\w./\\-]+?\.py\b", text):
        rel = match.group(0).replace("\\", "/")
        if rel in origins:
            return f" in {rel} (CSDL type {origins[rel]})"
    return ""


def _one_line(text: str, limit: int = 400) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def format_tree(root: Path, origins: Mapping[str, str] | None = None) -> None:
    """Format a written tree with the pinned ruff and the generator's own config."""
    cmd = [*_ruff(), "format", "--config", str(RUFF_CONFIG), "--no-cache", str(root)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).replace(str(root) + os.sep, "")
        raise GenerationError(
            "ruff format failed on generated code"
            f"{_origin_of(detail, origins or {})}: {_one_line(detail) or 'no message'}"
        )


# Imports every module named on stdin (JSON) with only the temporary tree and the
# interpreter's own site on sys.path; prints the failures as JSON.
_IMPORT_CHECK = r"""
import importlib, json, os, sys
sys.dont_write_bytecode = True
root = sys.argv[1]
sys.path[:] = [root] + [p for p in sys.path if p not in ("", os.getcwd(), root)]
report, sys.stdout = sys.stdout, sys.stderr  # what a module prints cannot spoil the report
failures = []
for name in json.load(sys.stdin):
    try:
        importlib.import_module(name)
    except BaseException as exc:
        failures.append([name, type(exc).__name__ + ": " + str(exc)[:2000]])
        if len(failures) >= 20:
            break
json.dump(failures, report)
"""
IMPORT_CHECK_TIMEOUT = 600.0
# The largest generated file (the whole beta's _schema.py) is about 6 MB.
READ_LIMIT = 64 * 1024 * 1024
IMPORT_CHECK_WORKERS = 4


def module_names(pkg_dir: Path, package: str) -> list[str]:
    """The dotted name of every module under `pkg_dir`, the package first."""
    names = []
    for path in sorted(pkg_dir.rglob("*.py")):
        parts = [package, *path.relative_to(pkg_dir).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        names.append(".".join(parts))
    return sorted(names, key=lambda n: (n.count("."), n))


def check_imports(
    sys_path: Path, package: str, pkg_dir: Path, origins: Mapping[str, str] | None = None
) -> int:
    """Import every module of the package in subprocesses; the number of modules imported.

    Raises `GenerationError` naming the first module that does not import and the CSDL type
    it was generated from. Large packages are split over a few processes, one per core.
    """
    names = module_names(pkg_dir, package)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTHONPATH", None)
    workers = max(1, min(os.cpu_count() or 1, IMPORT_CHECK_WORKERS, len(names) // 500))
    chunks = [names[i::workers] for i in range(workers)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _IMPORT_CHECK, str(sys_path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=sys_path,
            env=env,
        )
        for _ in chunks
    ]
    failures: list[list[str]] = []
    try:
        for proc, chunk in zip(procs, chunks, strict=True):
            stdout, stderr = proc.communicate(json.dumps(chunk), timeout=IMPORT_CHECK_TIMEOUT)
            try:
                found = json.loads(stdout) if proc.returncode == 0 else None
            except ValueError:
                found = None
            if not isinstance(found, list):
                raise GenerationError(
                    "the import check of the generated package failed: "
                    f"{_one_line(stderr) or f'exit status {proc.returncode}'}; "
                    "the previous output is left in place"
                )
            failures += found
    except subprocess.TimeoutExpired:
        raise GenerationError(
            f"importing the generated package took more than {IMPORT_CHECK_TIMEOUT:.0f} s; "
            "the previous output is left in place"
        ) from None
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    if failures:
        failures.sort(key=lambda f: names.index(f[0]))
        module, error = failures[0]
        rel = module.removeprefix(package).lstrip(".").replace(".", "/")
        qname = origins.get(f"{rel}.py") if origins else None
        more = f" (and {len(failures) - 1} more modules)" if len(failures) > 1 else ""
        origin = f" (CSDL type {qname})" if qname else ""
        raise GenerationError(
            f"generated module {module}{origin} does not import: {_one_line(error)}{more}; "
            "the previous output is left in place"
        )
    return len(names)


# --- writing and swapping ----------------------------------------------------------------


def write_tree(files: dict[str, str], root: Path) -> None:
    """Write files under `root`, the manifest first so a partial tree is recognisably ours."""
    order = sorted(files, key=lambda rel: (rel != MANIFEST_NAME, rel))
    for rel in order:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(files[rel], encoding="utf-8", newline="\n")


def _new_prefix(out: Path) -> str:
    return f".{out.name}.new-"


def _old_path(out: Path) -> Path:
    return out.with_name(f".{out.name}.old")


def package_dir(tmp: Path, package: str) -> Path:
    """Where a package is built inside its temporary folder: importable under its own name."""
    return tmp.joinpath(*package.split("."))


def build_in_temp(
    files: dict[str, str],
    near: Path,
    package: str | None = None,
    *,
    origins: Mapping[str, str] | None = None,
    import_check: bool = False,
    progress: Progress = QUIET,
) -> Path:
    """Write, format (and import) the package in a fresh folder beside `near`; the caller
    owns the folder. The package is at `package_dir(tmp, package)`."""
    near.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=_new_prefix(near), dir=near.parent))
    package = package or near.name
    try:
        # Marks the folder as ours at once, so that a run killed mid-way is cleaned next time.
        if MANIFEST_NAME in files:
            (tmp / MANIFEST_NAME).write_text(files[MANIFEST_NAME], encoding="utf-8")
        pkg = package_dir(tmp, package)
        write_tree(files, pkg)
        format_tree(pkg, origins)
        if import_check:
            progress("importing every module")
            count = check_imports(tmp, package, pkg, origins)
            progress(f"imported {count:,} modules")
    except BaseException:
        discard(tmp)
        raise
    return tmp


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
# Errors that mean "no atomic exchange here" (old kernel, libc or filesystem), not a failure.
_NO_EXCHANGE = {errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EPERM}


@functools.cache
def _renameat2() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return cast("Callable[..., int]", fn)


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux `renameat2(RENAME_EXCHANGE)`); False when the
    platform or filesystem cannot, so the caller falls back to two renames."""
    fn = _renameat2()
    if fn is None:
        return False
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in _NO_EXCHANGE:
        return False
    raise OSError(err, os.strerror(err), str(b))


def _rename(src: Path, dst: Path) -> None:
    os.replace(src, dst)


def discard(path: Path) -> None:
    """Delete a tree of ours, its marker files last, so an interrupted delete is still ours."""
    if path.is_symlink() or not path.is_dir():
        path.unlink(missing_ok=True)
        return
    markers = (MANIFEST_NAME, "__init__.py")
    for child in path.iterdir():
        if child.name in markers:
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)
    for name in markers:
        (path / name).unlink(missing_ok=True)
    shutil.rmtree(path, ignore_errors=True)


def swap_in(new_tree: Path, out: Path) -> Path | None:
    """Put `new_tree` at `out` so that a reader always finds a whole package; returns where
    the previous package now is (for the caller to discard), or None if there was none.

    With an atomic exchange `out` is never missing. Without one, `out` is renamed to
    `.NAME.old` first; if the process dies before the second rename, the next run restores
    it (`recover`).
    """
    if not out.exists() and not out.is_symlink():
        _rename(new_tree, out)
        return None
    if exchange(new_tree, out):
        return new_tree
    old = _old_path(out)
    if old.exists() or old.is_symlink():
        if not (old.is_dir() and not old.is_symlink() and written_by_us(old)):
            raise GenerationError(
                f"{old} is in the way of the swap and was not written by this generator; "
                "move it away. The previous output is left in place"
            )
        discard(old)
    _rename(out, old)
    try:
        _rename(new_tree, out)
    except BaseException:
        with contextlib.suppress(BaseException):
            if not out.exists():
                _rename(old, out)
        raise
    return old


def recover(out: Path, notify: Callable[[str], None]) -> None:
    """Undo what an interrupted earlier run left: restore a whole package from `.NAME.old`
    when `out` is missing, and delete our own temporary and old folders."""
    parent = out.parent
    if not parent.is_dir():
        return
    old = _old_path(out)
    if old.is_dir() and not old.is_symlink() and written_by_us(old):
        if not out.exists() and not out.is_symlink():
            _rename(old, out)
            notify(f"restored {out.name} from {old.name}, left by an interrupted generation")
        else:
            discard(old)
            notify(f"removed {old.name}, left by an interrupted generation")
    for tmp in sorted(parent.glob(_new_prefix(out) + "*")):
        if not tmp.is_dir() or tmp.is_symlink():
            continue
        if written_by_us(tmp) or not any(tmp.iterdir()):  # empty: killed before the marker
            discard(tmp)
            notify(f"removed {tmp.name}, left by an interrupted generation")


@contextlib.contextmanager
def locked(folder: Path, notify: Callable[[str], None] = _stderr) -> Iterator[None]:
    """Hold an exclusive lock on `folder` (POSIX), so two generations into it never overlap."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock, as before
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            notify(f"waiting for another generation into {folder} to finish")
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def foreign_files(out: Path) -> list[str]:
    """Files in `out` this generator did not write (caches aside): a user's, never deleted
    without --force. All of them when `out` is not our output at all."""
    if not out.is_dir():
        return []
    present = {
        str(p.relative_to(out)).replace(os.sep, "/")
        for p in out.rglob("*")
        if (p.is_file() or p.is_symlink()) and "__pycache__" not in p.relative_to(out).parts
    }
    manifest = read_manifest(out)
    if manifest is not None:
        return sorted(present - listed_files(manifest))
    if written_by_us(out):  # an older generator's output, before manifests
        return []
    if not present and any(out.iterdir()):
        return sorted(p.name for p in out.iterdir())
    return sorted(present)


def _count(items: Sequence[str]) -> str:
    return f"{len(items)} file" if len(items) == 1 else f"{len(items)} files"


def _names(items: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def guard_output(out: Path, force: bool, notify: Callable[[str], None]) -> None:
    """Refuse to replace what this generator did not write, unless `force` (said loudly)."""
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise GenerationError(f"--out {out} is not a folder (a file or a symbolic link)")
    foreign = foreign_files(out)
    if not foreign:
        return
    if not written_by_us(out):
        what = f"{out} is not empty and was not written by this generator (no {MANIFEST_NAME})"
    else:
        what = f"{out} holds {_count(foreign)} this generator did not write"
    if not force:
        raise GenerationError(
            f"{what}: {_names(foreign)}; nothing written. "
            "Choose a new or empty folder, or pass --force to replace it"
        )
    notify(
        f"WARNING: --force: replacing {out}; {_count(foreign)} this generator did not "
        f"write will be deleted: {_names(foreign, 20)}"
    )


# --- comparing ---------------------------------------------------------------------------


def read_tree(root: Path) -> dict[str, str]:
    """The text files under `root`, by relative path (caches excluded). A file larger than
    any we generate is not read: it stands as its size, so comparing stays bounded."""
    if not root.is_dir():
        return {}
    tree = {}
    for p in sorted(root.rglob("*")):
        if not p.is_file() or "__pycache__" in p.relative_to(root).parts:
            continue
        rel = str(p.relative_to(root)).replace(os.sep, "/")
        size = p.stat().st_size
        if size > READ_LIMIT:
            tree[rel] = f"<{size:,} bytes, not read>\n"
        else:
            tree[rel] = p.read_text(encoding="utf-8", errors="replace")
    return tree


def changes(current: dict[str, str], wanted: dict[str, str]) -> dict[str, list[str]]:
    """Relative paths by what happens to them: changed, added, removed."""
    return {
        "changed": sorted(r for r in set(current) & set(wanted) if current[r] != wanted[r]),
        "added": sorted(set(wanted) - set(current)),
        "removed": sorted(set(current) - set(wanted)),
    }


def diff_summary(current: dict[str, str], wanted: dict[str, str], limit: int = 40) -> str:
    """The substantive changes first: counts, then which files are added, removed, changed."""
    kinds = changes(current, wanted)
    total = sum(len(v) for v in kinds.values())
    if not total:
        return ""
    counts = ", ".join(f"{len(v)} {k}" for k, v in kinds.items())
    lines = [f"{total} {'file differs' if total == 1 else 'files differ'}: {counts}"]
    for kind, rels in kinds.items():
        lines += [f"{kind + ':':8} {rel}" for rel in rels]
    if len(lines) > limit + 1:
        lines = [*lines[: limit + 1], f"... and {len(lines) - limit - 1} more files"]
    return "\n".join(lines)


def full_diff(current: dict[str, str], wanted: dict[str, str]) -> str:
    """The whole unified diff from `current` to `wanted`, file by file."""
    out: list[str] = []
    for rel in sorted(set(current) | set(wanted)):
        a, b = current.get(rel), wanted.get(rel)
        if a == b:
            continue
        out.extend(
            difflib.unified_diff(
                (a or "").splitlines(keepends=True),
                (b or "").splitlines(keepends=True),
                fromfile=f"a/{rel}" if a is not None else "/dev/null",
                tofile=f"b/{rel}" if b is not None else "/dev/null",
            )
        )
    return "".join(line if line.endswith("\n") else line + "\n" for line in out)


def generate(
    model: Model,
    roots: Sequence[str],
    out: Path,
    package: str,
    *,
    check: bool = False,
    force: bool = False,
    diff: bool = False,
    import_check: bool = True,
    sources: Mapping[str, str] | None = None,
    progress: Progress = QUIET,
    notify: Callable[[str], None] = _stderr,
    warn: Callable[[Diagnostic], None] | None = None,
) -> tuple[bool, str]:
    """Generate into `out` (or only compare, with `check`): (changed, summary).

    The package is written, formatted and imported in a temporary folder beside `out`, then
    swapped in; any failure leaves the previous output in place. A folder this generator did
    not write is refused unless `force`. `diff` appends the whole unified diff to the summary.
    `warn` receives each of the plan's diagnostics (`name-collision` renames).
    """
    out = Path(os.path.abspath(out))
    check_package_name(package)
    files, origins, diagnostics = _render(model, roots, package, progress, sources)
    if warn is not None:
        for d in diagnostics:
            warn(d)
    if check:
        progress(f"writing and formatting {len(files):,} files")
        with tempfile.TemporaryDirectory(prefix="gcm-check-") as scratch:
            tmp = build_in_temp(files, Path(scratch) / out.name, package, origins=origins)
            wanted = read_tree(package_dir(tmp, package))
        return _compare(read_tree(out), wanted, diff)
    out.parent.mkdir(parents=True, exist_ok=True)
    with locked(out.parent, notify):
        recover(out, notify)
        guard_output(out, force, notify)
        progress(f"writing and formatting {len(files):,} files")
        tmp = build_in_temp(
            files, out, package, origins=origins, import_check=import_check, progress=progress
        )
        try:
            progress("comparing with the current output")
            new = package_dir(tmp, package)
            changed, summary = _compare(read_tree(out), read_tree(new), diff)
            if changed:
                previous = swap_in(new, out)
                if previous is not None:
                    discard(previous)
        finally:
            discard(tmp)
    return changed, summary


def _compare(current: dict[str, str], wanted: dict[str, str], diff: bool) -> tuple[bool, str]:
    if current == wanted:
        return False, ""
    summary = diff_summary(current, wanted)
    if diff:
        summary += "\n" + full_diff(current, wanted).rstrip("\n")
    return True, summary


def source_urls(sources: Sources) -> dict[str, str]:
    """The source URL of each pinned input that has one, by sha256 (for the manifest)."""
    return {p.sha256: p.source for p in (sources.base, *sources.overlays) if p.source}


def manifest_is_current(out: Path, sources: Sources, roots: Sequence[str], package: str) -> bool:
    """Whether `out`'s manifest records exactly these pinned inputs, roots, package and
    generator version (what `--if-changed` skips on)."""
    manifest = read_manifest(out)
    if manifest is None:
        return False
    inputs = [InputDocument(sources.base.path.name, sources.base.sha256, "base")]
    inputs += [InputDocument(o.path.name, o.sha256, "overlay") for o in sources.overlays]
    wanted = input_entries(inputs, source_urls(sources))
    return (
        manifest.get("inputs") == wanted
        and manifest.get("roots") == sorted(roots)
        and manifest.get("package") == package
        and manifest.get("generator", {}).get("version") == GENERATOR_VERSION
    )


__all__ = [
    "GenerationError",
    "MetadataError",
    "generate",
    "manifest_is_current",
    "render",
    "source_urls",
]
