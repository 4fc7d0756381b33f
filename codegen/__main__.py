"""`python -m codegen` and the `graph-codegen` script: inspect metadata, generate models."""

from codegen._process import run as _run


def run() -> None:
    """Entry point of the `graph-codegen` console script."""
    raise SystemExit(_run("graph-codegen", f"{__package__}.cli"))


if __name__ == "__main__":
    run()
