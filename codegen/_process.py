"""How both command lines behave as processes: version, exit status, closed pipes, crashes.

Standard library only, so that `--version` and the message about a missing extra work in an
install that lacks lxml or jinja2. The runtime's command line uses it too.

Exit status: 0 no errors (warnings allowed), 1 error findings, 2 bad usage or input,
3 an internal error (one line on stderr; the traceback only with `--debug`).
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from importlib import metadata

DISTRIBUTION = "graph-calls-models"
EXIT_INTERNAL = 3
# The modules only an extra installs, and the extra to ask for.
EXTRA_OF_MODULE = {"lxml": "codegen", "jinja2": "codegen", "httpx": "http", "jwt": "auth"}


def version() -> str:
    """The installed distribution's version, or the source tree's when run from a checkout."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "0.1.0+checkout"


def _quiet_stdout() -> None:
    # The reader went away (`| head`): point stdout at devnull so the interpreter's final flush
    # does not raise again at exit.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def run(prog: str, main_module: str, argv: Sequence[str] | None = None) -> int:
    """Run `main_module.main(argv)` as the process `prog`; returns the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args in (["--version"], ["-V"]):
        print(f"{prog} {version()}")
        return 0
    debug = "--debug" in args
    args = [a for a in args if a != "--debug"]
    try:
        main: Callable[[Sequence[str]], int] = importlib.import_module(main_module).main
        status = main(args)
        sys.stdout.flush()  # here, not at exit, so a closed pipe is caught below
        return status
    except BrokenPipeError:
        _quiet_stdout()
        return 0
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except ModuleNotFoundError as exc:
        extra = EXTRA_OF_MODULE.get((exc.name or "").partition(".")[0])
        if extra is None:
            return _internal(prog, exc, debug)
        print(
            f"error: {prog} needs the '{extra}' extra ({exc.name} is not installed): "
            f"pip install '{DISTRIBUTION}[{extra}]'",
            file=sys.stderr,
        )
        return 2
    except Exception as exc:  # noqa: BLE001 - the last resort that turns a crash into exit 3
        return _internal(prog, exc, debug)


def _internal(prog: str, exc: BaseException, debug: bool) -> int:
    if debug:
        traceback.print_exception(exc)
    else:
        print(
            f"internal error: {type(exc).__name__}: {exc} "
            f"(this is a bug in {prog}; rerun with --debug for the traceback)",
            file=sys.stderr,
        )
    return EXIT_INTERNAL
