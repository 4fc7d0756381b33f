"""Where the three folders go in a wheel: under one top-level package, `graph_calls_models`.

The checkout imports its folders by their own names (`python -m codegen`, `import generated`),
and so does an editable install (`pip install -e .`, what `make` does). A wheel for other people's
environments must not claim generic top-level names such as `runtime`, so a regular build maps
`codegen/`, `runtime/` and `generated/` to `graph_calls_models.codegen`, `.runtime` and
`.generated`, and rewrites, in the built copies only, the imports and package-name strings that
name them absolutely. The rewrite is a fixed list of patterns; a line that names a project
package in a form the list does not know fails the build rather than ship a broken import.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

PREFIX = "graph_calls_models"
TOP = ("codegen", "runtime", "generated")
# `pip install -e .` runs the `editable_wheel` command: the checkout keeps its own names.
EDITABLE = "editable_wheel" in sys.argv
_NAMES = "|".join(TOP)
REWRITES = (
    # from codegen.model import X  ->  from graph_calls_models.codegen.model import X
    (
        re.compile(rf"^([ \t]*)from ({_NAMES})((?:\.\w+)*) import ", re.M),
        rf"\1from {PREFIX}.\2\3 import ",
    ),
    # import generated  ->  from graph_calls_models import generated
    (re.compile(rf"^([ \t]*)import ({_NAMES})[ \t]*$", re.M), rf"\1from {PREFIX} import \2"),
    # resources.files("codegen"), jinja2.PackageLoader("codegen", …)
    (re.compile(rf"\b(files|PackageLoader)\(\"({_NAMES})\""), rf'\1("{PREFIX}.\2"'),
)
UNSUPPORTED = re.compile(rf"^[ \t]*import (?:{_NAMES})\.[\w.]*", re.M)
# Files copied verbatim into generated packages: they must stay as written.
VERBATIM = ("codegen/support/",)

INIT = '''"""graph-calls-models: typed Microsoft Graph models (`.generated`), the generator
(`.codegen`, extra `codegen`) and the calls-API runtime (`.runtime`)."""
'''


def rewrite(text: str, where: str) -> str:
    """The module's text with absolute project imports moved under PREFIX."""
    bad = UNSUPPORTED.search(text)
    if bad:
        raise SystemExit(f"{where}: cannot rewrite {bad.group(0).strip()!r} for the wheel")
    for pattern, replacement in REWRITES:
        text = pattern.sub(replacement, text)
    return text


class BuildUnderOnePackage(build_py):
    """build_py that rewrites the built modules' imports and adds the top-level package."""

    def run(self) -> None:
        super().run()
        if EDITABLE:
            return
        root = Path(self.build_lib) / PREFIX
        for path in sorted(root.rglob("*.py")):
            relative = path.relative_to(root).as_posix()
            if relative.startswith(VERBATIM):
                continue
            text = path.read_text(encoding="utf-8")
            path.write_text(rewrite(text, relative), encoding="utf-8")
        (root / "__init__.py").write_text(INIT, encoding="utf-8")
        (root / "py.typed").write_text("", encoding="utf-8")


def _layout() -> tuple[list[str], dict[str, str], str]:
    found = find_packages(include=[f"{top}*" for top in TOP])
    if EDITABLE:
        return found, {}, ""
    return [f"{PREFIX}.{p}" for p in found], {f"{PREFIX}.{t}": t for t in TOP}, f"{PREFIX}."


def package_data(prefix: str = "") -> dict[str, list[str]]:
    """What each package ships besides its modules (codegen reads these at run time)."""
    return {
        f"{prefix}codegen": [
            "py.typed",
            "templates/*.jinja",
            "ruff.toml",
            "support/*.py",
            "data/*.toml",
        ],
        f"{prefix}runtime": ["py.typed"],
        f"{prefix}runtime.docs": ["pages/*.md"],
        f"{prefix}generated": ["py.typed"],
        # One models package per API version (generated/beta, generated/v1_0…): each reads
        # its own manifest at run time.
        **{
            f"{prefix}generated.{manifest.parent.name}": ["py.typed", "_manifest.json"]
            for manifest in sorted(Path(__file__).parent.glob("generated/*/_manifest.json"))
        },
    }


if __name__ == "__main__":  # setuptools runs this file as __main__; tests import it
    packages, package_dir, prefix = _layout()
    setup(
        packages=packages,
        package_dir=package_dir,
        package_data=package_data(prefix),
        entry_points={
            "console_scripts": [
                f"graph-codegen = {prefix}codegen.__main__:run",
                f"graph-calls = {prefix}runtime.__main__:run",
            ]
        },
        cmdclass={"build_py": BuildUnderOnePackage},
    )
