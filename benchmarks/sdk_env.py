"""Create `.venv-bench`: this project beside the pinned official SDK, for side-by-side benchmarks.

Both sides run in this one environment (same interpreter, same machine, same run), so no figure
depends on which venv happened to be warmer. It is never part of `make test` or CI: only
`python -m benchmarks.compare` (and so `make bench`) creates it. Creation is idempotent: a stamp
file records the pins and the project's `pyproject.toml` hash, and a matching stamp skips pip.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv-bench"
STAMP = VENV / ".bench-stamp.json"

# The versions measured for docs/benchmarks.md; bump them deliberately and re-run `make bench`.
PINS: dict[str, str] = {
    "msgraph-beta-sdk": "1.66.0",
    "microsoft-kiota-serialization-json": "1.16.0",
    "matplotlib": "3.11.2",
}

# The generation rows run `python -m codegen` here, which needs the generator's extra.
EXTRAS = "codegen"


def python() -> Path:
    """The interpreter of `.venv-bench`."""
    return VENV / "bin" / "python"


def _wanted_stamp() -> dict[str, str]:
    pyproject = (ROOT / "pyproject.toml").read_bytes()
    return {
        **PINS,
        "extras": EXTRAS,
        "pyproject.toml": hashlib.sha256(pyproject).hexdigest(),
        "python": sys.version.split()[0],
    }


def is_current() -> bool:
    """True when `.venv-bench` exists and was built from the current pins and pyproject."""
    if not python().exists() or not STAMP.exists():
        return False
    try:
        return bool(json.loads(STAMP.read_text()) == _wanted_stamp())
    except ValueError:
        return False


def ensure(log: Callable[[str], None] = print) -> Path:
    """Create or refresh `.venv-bench` when its stamp is stale; return its interpreter."""
    if is_current():
        log(f"{VENV.name}: up to date ({', '.join(f'{k}=={v}' for k, v in PINS.items())})")
        return python()
    started = time.perf_counter()
    if not python().exists():
        log(f"{VENV.name}: creating")
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    log(f"{VENV.name}: installing this project (editable) and the pinned SDK; about a minute")
    # One resolver run for everything, so the SDK's and our dependencies are solved together.
    done = subprocess.run(
        [
            str(python()),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-e",
            f"{ROOT}[{EXTRAS}]",
            *(f"{name}=={version}" for name, version in PINS.items()),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        # pip's own words are the useful part of a failure (no network, a yanked pin, ...).
        raise RuntimeError(f"pip install into {VENV.name} failed:\n{done.stderr[-4000:]}")
    STAMP.write_text(json.dumps(_wanted_stamp(), indent=2) + "\n")
    log(f"{VENV.name}: ready in {time.perf_counter() - started:.0f} s")
    return python()


def installed_versions(names: list[str]) -> dict[str, str]:
    """Versions of distributions installed in `.venv-bench`, asked of its own interpreter."""
    code = (
        "import json, sys\n"
        "from importlib.metadata import version, PackageNotFoundError\n"
        "out = {}\n"
        "for n in sys.argv[1:]:\n"
        "    try: out[n] = version(n)\n"
        "    except PackageNotFoundError: out[n] = 'missing'\n"
        "print(json.dumps(out))\n"
    )
    done = subprocess.run(
        [str(python()), "-c", code, *names], check=True, capture_output=True, text=True
    )
    found: dict[str, str] = json.loads(done.stdout)
    return found


if __name__ == "__main__":
    ensure()
