"""Stage inputs for the generator's tests, built from small inline CSDL."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from codegen.closure import everything
from codegen.generate import generate
from codegen.model import Model
from codegen.plan import PackagePlan, plan_package
from tests.factories import model_from_text

EDM = "http://docs.oasis-open.org/odata/ns/edm"


def edmx(*schemas: str) -> str:
    """A document of whole `<Schema>` elements."""
    return (
        '<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">\n'
        "<edmx:DataServices>\n" + "\n".join(schemas) + "\n</edmx:DataServices>\n</edmx:Edmx>\n"
    )


def schema(namespace: str, body: str, alias: str | None = None) -> str:
    """One `<Schema>` element."""
    a = f' Alias="{alias}"' if alias else ""
    return f'<Schema Namespace="{namespace}"{a} xmlns="{EDM}">\n{body}\n</Schema>'


def model_of(*bodies: str) -> Model:
    """The model of one schema `t` per body (`t`, `t2`, … for several)."""
    schemas = [schema("t" if i == 0 else f"t{i + 1}", b) for i, b in enumerate(bodies)]
    return model_from_text(edmx(*schemas))


def plan_of(*bodies: str) -> PackagePlan:
    """The plan of every type of `model_of(*bodies)`."""
    model = model_of(*bodies)
    return plan_package(model, everything(model))


def generate_text(text: str, out: Path) -> Model:
    """Generate the whole of a CSDL text into the package folder `out`; its model."""
    model = load_model_text(text)
    generate(model, [], out, out.name)
    return model


def load_model_text(text: str) -> Model:
    """The model of a CSDL text, as `generate` reads a file (lazily)."""
    return model_from_text(text)


def run_python(cwd: Path, code: str) -> str:
    """Run `code` in a fresh interpreter in `cwd`; its stdout, or the failure with stderr."""
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout
