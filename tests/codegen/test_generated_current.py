"""Each committed package of `generated/` is exactly what its pinned inputs generate."""

from __future__ import annotations

import pytest

from codegen.generate import generate, source_urls
from codegen.sources import Sources, load_packages, load_pinned
from tests.conftest import shared_path


@pytest.mark.slow
@pytest.mark.parametrize("sources", load_packages(), ids=lambda s: s.name)
def test_committed_generated_package_is_current(sources: Sources) -> None:
    for pinned in (sources.base, *sources.overlays):
        shared_path(pinned.path.name)  # skips, loudly, when the shared metadata is absent
    model = load_pinned(sources)
    changed, summary = generate(
        model,
        sources.roots,
        sources.out,
        sources.package,
        check=True,
        sources=source_urls(sources),
    )
    if changed:
        pytest.fail(
            f"{sources.out.name}/ is stale; run `make generate` and commit it:\n{summary}",
            pytrace=False,
        )
    leftovers = [p.name for p in sources.out.parent.glob(f".{sources.out.name}.*")]
    assert leftovers == [], "--check left temporary folders behind"
