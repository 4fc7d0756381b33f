"""`python -m runtime` and the `graph-calls` script: check documentation examples and bodies."""

from codegen._process import run as _run


def run() -> None:
    """Entry point of the `graph-calls` console script."""
    raise SystemExit(_run("graph-calls", f"{__package__}.cli"))


if __name__ == "__main__":
    run()
