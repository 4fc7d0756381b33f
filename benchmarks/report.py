"""Render one comparison run: the Markdown page (`docs/benchmarks.md`) and the speed-ratio chart.

Everything here works on the results dictionary that `benchmarks.compare` collects, so the page
can be re-rendered from a saved run without measuring again. Only `chart` needs matplotlib; it
runs inside `.venv-bench` (`python -m benchmarks.report chart RESULTS PNG`), keeping matplotlib
out of the project's own dependencies.
"""

from __future__ import annotations

import json
import statistics
import sys
from typing import Any

GROUPS = {
    "cold": "Cold start (fresh interpreter, in-process time)",
    "read": "Warm deserialization, per body",
    "write": "Warm serialization, per body",
    "validate": "Validation, per body (ours only: the SDK has no validator)",
    "generate": "Generation (`python -m codegen generate`, wall time)",
    "csdl": "CSDL read + resolve (`benchmarks.csdl_read`)",
}
FIRST_SET = "one create-call request"

# The targets for our side.
READ_VS_SDK = 50.0
READ_VS_LOADS = 4.0
COLD_VS_SDK = 10.0
# Bench items of the generator's and the reader's issues, shown on the same page.
FULL_BETA_SECONDS = 10.0
CSDL_VS_PARSE = 3.0


def seconds(value: float) -> str:
    """A duration in the unit that keeps three significant digits readable."""
    if value >= 1:
        return f"{value:.2f} s"
    if value >= 1e-3:
        return f"{value * 1e3:.1f} ms"
    return f"{value * 1e6:.1f} µs"


def median(row: dict[str, Any]) -> float:
    """Median of a row's samples."""
    return float(statistics.median(row["samples"]))


def find(rows: list[dict[str, Any]], group: str, name: str, body_set: str | None = None) -> Any:
    """The row of this group and name (and set, when given), or None."""
    for r in rows:
        if r["group"] == group and r["name"] == name and (body_set is None or r["set"] == body_set):
            return r
    return None


def baseline_of(rows: list[dict[str, Any]], r: dict[str, Any]) -> dict[str, Any] | None:
    """The row `r` is compared with: the json floor, a bare interpreter, or a bare lxml parse."""
    group = r["group"]
    if group in ("read", "validate"):
        base = find(rows, "read", "json.loads (floor)", r["set"])
    elif group == "write":
        base = find(rows, "write", "json.dumps (floor)", r["set"])
    elif group == "cold":
        base = find(rows, "cold", "python -I -c pass (interpreter start)")
    elif group in ("generate", "csdl"):
        base = find(rows, "csdl", "lxml.etree.parse")
    else:
        base = None
    return None if base is r else base


def sdk_ratio(rows: list[dict[str, Any]], group: str, ours: str, sdk: str, body_set: str) -> Any:
    """How many times the SDK's median exceeds ours (>1: we are faster), or None."""
    a, b = find(rows, group, ours, body_set), find(rows, group, sdk, body_set)
    return None if a is None or b is None else median(b) / median(a)


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target of the issue with its measured figure and whether it is met."""
    rows = results["rows"]
    first = _first_set(rows)
    out = []
    read = sdk_ratio(rows, "read", "ours: bytes → object", "SDK: bytes → object", first)
    out.append(
        {
            "target": f"deserialize a call body ≥ {READ_VS_SDK:g}× faster than the SDK",
            "measured": _times(read),
            "met": read is not None and read >= READ_VS_SDK,
        }
    )
    ours = find(rows, "read", "ours: bytes → object", first)
    structure = find(rows, "read", "ours: dict → object (structure only)", first)
    loads = find(rows, "read", "json.loads (floor)", first)
    if ours and loads and structure:
        ratio = median(ours) / median(loads)
        out.append(
            {
                "target": f"deserialize a call body within {READ_VS_LOADS:g}× of json.loads",
                "measured": f"{ratio:.2f}× json.loads for bytes → object (json.loads included); "
                f"structure alone {median(structure) / median(loads):.2f}×",
                "met": ratio <= READ_VS_LOADS,
            }
        )
    checked = find(
        rows, "validate", "ours: bytes → checked object (validate + read, one walk)", first
    )
    if checked and loads:
        ratio = median(checked) / median(loads)
        out.append(
            {
                "target": f"validate + read a call body within {READ_VS_LOADS:g}× of json.loads "
                "(one-checker issue)",
                "measured": f"{ratio:.2f}× json.loads (bytes → checked object, one walk)",
                "met": ratio <= READ_VS_LOADS,
            }
        )
    cold = sdk_ratio(
        rows, "cold", "ours: import + first object", "SDK: import + first object", FIRST_SET
    )
    out.append(
        {
            "target": f"cold time-to-first-object ≥ {COLD_VS_SDK:g}× faster than the SDK",
            "measured": _times(cold),
            "met": cold is not None and cold >= COLD_VS_SDK,
        }
    )
    fidelity = results["fidelity"]["ours"]
    lossless = sum(1 for e in fidelity if e["ok"])
    out.append(
        {
            "target": f"lossless round trip of all {len(fidelity)} documented bodies",
            "measured": f"{lossless} of {len(fidelity)}",
            "met": lossless == len(fidelity),
        }
    )
    ours_bad = [e for e in results["bad"] if e["side"].startswith("ours: validate")]
    caught = sum(1 for e in ours_bad if e["rejected"] and e["with_path"])
    out.append(
        {
            "target": "every listed bad input rejected with a path",
            "measured": f"{caught} of {len(ours_bad)} by the validator (strict request)",
            "met": caught == len(ours_bad) and bool(ours_bad),
        }
    )
    full = find(rows, "generate", "generate full Graph beta (all types)")
    if full is not None:
        out.append(
            {
                "target": f"generate the full Graph beta in under {FULL_BETA_SECONDS:g} s "
                "(generator issue)",
                "measured": seconds(median(full)),
                "met": median(full) < FULL_BETA_SECONDS,
            }
        )
    parse = find(rows, "csdl", "lxml.etree.parse")
    resolve = find(rows, "csdl", "read + resolve (load_model)")
    if parse is not None and resolve is not None:
        ratio = median(resolve) / median(parse)
        out.append(
            {
                "target": f"CSDL read + resolve within {CSDL_VS_PARSE:g}× a bare lxml parse "
                "(reader issue)",
                "measured": f"{ratio:.2f}× ({seconds(median(resolve))} vs "
                f"{seconds(median(parse))})",
                "met": ratio <= CSDL_VS_PARSE,
            }
        )
    return out


def _first_set(rows: list[dict[str, Any]]) -> str:
    # The set's label gains ", N refused" when our reader refuses a body of it.
    return next((r["set"] for r in rows if r["set"].startswith(FIRST_SET)), FIRST_SET)


def _times(ratio: float | None) -> str:
    return "not measured" if ratio is None else f"{ratio:,.1f}× faster"


def speed_table(rows: list[dict[str, Any]]) -> list[str]:
    """The Markdown table of every timed row, grouped, with its ratio to its baseline."""
    lines = [
        "| group | bodies | what | median | min–max | runs | × baseline |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for group in GROUPS:
        for r in (r for r in rows if r["group"] == group):
            base = baseline_of(rows, r)
            ratio = "baseline" if base is None else f"{median(r) / median(base):,.2f}×"
            lines.append(
                f"| {group} | {r['set']} | {r['name']} | {seconds(median(r))} "
                f"| {seconds(min(r['samples']))}–{seconds(max(r['samples']))} "
                f"| {len(r['samples'])} | {ratio} |"
            )
    return lines


def fidelity_table(results: dict[str, Any]) -> list[str]:
    """Per body: does each side's round trip give back the documented JSON?"""
    sdk = {e["id"]: e for e in results["fidelity"]["sdk"]}
    lines = ["| body | kind | ours | SDK |", "|---|---|---|---|"]
    for e in results["fidelity"]["ours"]:
        lines.append(f"| {e['id']} | {e['kind']} | {_verdict(e)} | {_verdict(sdk.get(e['id']))} |")
    lines.append("")
    for side in ("ours", "sdk"):
        entries = results["fidelity"][side]
        lines.append(
            f"- {'Ours' if side == 'ours' else 'SDK'}: {sum(e['ok'] for e in entries)} of "
            f"{len(entries)} lossless; explicit nulls dropped: "
            f"{sum(e.get('nulls_dropped', 0) for e in entries)}; other values dropped: "
            f"{sum(e.get('values_dropped', 0) for e in entries)}; changed: "
            f"{sum(e.get('changed', 0) for e in entries)}; not read: "
            f"{sum(1 for e in entries if 'error' in e)}."
        )
    return lines


def _verdict(e: dict[str, Any] | None) -> str:
    if e is None:
        return "not run"
    if "error" in e:
        return f"✗ {_cell(e['error'])}"
    if e["ok"]:
        return "✓ lossless"
    parts = [
        f"{e[key]} {label}"
        for key, label in (
            ("nulls_dropped", "nulls dropped"),
            ("values_dropped", "values dropped"),
            ("changed", "changed"),
            ("added", "added"),
        )
        if e[key]
    ]
    return f"✗ {', '.join(parts)} (e.g. `{e['examples'][0]}`)"


def _cell(text: str, limit: int = 140) -> str:
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bad_table(results: dict[str, Any]) -> list[str]:
    """Bad inputs × mechanisms: rejected? with the path at fault?"""
    sides = list(dict.fromkeys(e["side"] for e in results["bad"]))
    cases = list(dict.fromkeys(e["case"] for e in results["bad"]))
    by = {(e["case"], e["side"]): e for e in results["bad"]}
    lines = [
        "| bad input (path at fault) | " + " | ".join(sides) + " |",
        "|---|" + "---|" * len(sides),
    ]
    for case in cases:
        path = next(e["path"] for e in results["bad"] if e["case"] == case)
        cells = []
        for side in sides:
            e = by.get((case, side))
            if e is None:
                cells.append("not run")
            elif e["rejected"]:
                mark = "✓ rejected at path" if e["with_path"] else "rejected, no path"
                cells.append(f"{mark}: {_cell(e['outcome'], 90)}")
            else:
                cells.append(f"✗ {e['outcome']}")
        lines.append(f"| {case} (`{path}`) | " + " | ".join(cells) + " |")
    return lines


def size_table(sizes: dict[str, Any]) -> list[str]:
    """Installed size of each side: the model package and its runtime dependencies."""

    def mb(n: int) -> str:
        return f"{n / 1e6:,.1f} MB"

    lines = ["| | ours | SDK |", "|---|---:|---:|"]
    o, s = sizes["ours"], sizes["sdk"]
    lines.append(
        f"| model package source (`.py` files) | {o['package']['files']:,} files, "
        f"{mb(o['package']['py_bytes'])} | {s['package']['files']:,} files, "
        f"{mb(s['package']['py_bytes'])} |"
    )
    lines.append(
        f"| model package installed (with bytecode) | {mb(o['package']['disk_bytes'])} "
        f"| {mb(s['package']['disk_bytes'])} |"
    )
    lines.append(
        f"| runtime dependencies installed | {mb(sum(o['deps'].values()))} "
        f"({', '.join(sorted(o['deps']))}) | {mb(sum(s['deps'].values()))} "
        f"({len(s['deps'])} distributions) |"
    )
    if "full_beta" in o:
        lines.append(
            f"| for scale: ours generated for all of Graph beta (source) | "
            f"{o['full_beta']['files']:,} files, {mb(o['full_beta']['py_bytes'])} | |"
        )
    return lines


def slower(results: dict[str, Any]) -> list[str]:
    """Every row where the SDK's median beats ours: said plainly, not hidden in the table."""
    rows = results["rows"]
    out = []
    for r in rows:
        if r["side"] != "sdk":
            continue
        ours_name = r["name"].replace("SDK: ", "ours: ")
        ours = find(rows, r["group"], ours_name, r["set"])
        if ours is not None and median(ours) > median(r):
            why = (
                " The SDK also writes less: it drops explicit nulls (see the fidelity table)."
                if r["group"] == "write"
                else ""
            )
            out.append(
                f"- {GROUPS[r['group']].split(',')[0]}, {r['set']}: ours {seconds(median(ours))}"
                f" vs the SDK's {seconds(median(r))} ({median(ours) / median(r):.2f}× slower)."
                + why
            )
    return out


def render(results: dict[str, Any]) -> str:
    """The whole page as Markdown."""
    m, v = results["machine"], results["versions"]
    lines = [
        "# Benchmarks: these generated models beside the official SDK",
        "",
        "Written by `make bench` (`python -m benchmarks`, workload `sdk-compare`); do not edit by "
        "hand. Every figure below comes from the one run described here.",
        "",
        f"- Machine: {m['cpus']} CPUs, {m['platform']}, Python {m['python']}",
        f"- Ours: `generated/` (calls closure, generator {v.get('generator', '?')}), "
        f"attrs {v.get('attrs', '?')}, cattrs {v.get('cattrs', '?')}",
        f"- SDK: msgraph-beta-sdk {v.get('msgraph-beta-sdk', '?')}, "
        f"microsoft-kiota-serialization-json {v.get('microsoft-kiota-serialization-json', '?')}, "
        f"microsoft-kiota-abstractions {v.get('microsoft-kiota-abstractions', '?')}",
        f"- Inputs: {results['bodies']['count']} documented bodies of "
        f"`{results['bodies']['page']}` ({results['bodies']['kinds']}), read with "
        "`runtime.docs.docpages` (syntax repairs only), each sent to both sides as the same "
        "`json.dumps` bytes",
        f"- Runs: median of {results['runs']} (min–max shown); whole comparison took "
        f"{results['elapsed']:.0f} s"
        + (
            f", of which {results['env_seconds']:.0f} s building `.venv-bench`"
            if results.get("env_seconds")
            else ""
        ),
        "",
        "## Targets",
        "",
        "| target | measured | met |",
        "|---|---|---|",
    ]
    for t in targets(results):
        lines.append(f"| {t['target']} | {t['measured']} | {'yes' if t['met'] else '**no**'} |")
    lines += ["", "## Where we are slower", ""]
    lines += slower(results) or ["- Nowhere in this run: every SDK figure is slower than ours."]
    warm_runs = results.get("warm_runs", results["runs"])
    lines += [
        "",
        "## Speed",
        "",
        "Warm figures are per body (a pass over the set divided by its size), timeit-style: a "
        "calibrated loop of at least 0.1 s per figure, the cyclic GC off inside it, ours, the "
        f"SDK and the json floor interleaved in one process, {warm_runs} figures each. "
        "`× baseline` is the ratio to "
        "`json.loads`/`json.dumps` of the same bytes in the same process, to a bare interpreter "
        "start for cold rows, and to a bare `lxml.etree.parse` of the base document for "
        "generation and CSDL rows. Cold rows run in a fresh `python -I` each (after one untimed "
        "run, so both sides' bytecode caches exist) and time the imports and the first read "
        "inside that process. The SDK has no `commsNotifications` model, so sets with "
        "notifications have no SDK row; bodies our reader refuses are left out of every row of "
        "their set (the label says how many).",
        "",
        *speed_table(results["rows"]),
        "",
        "![speed ratios](benchmarks.png)",
        "",
        "## Round-trip fidelity",
        "",
        "Each body is read into typed objects and written back; ✓ means the written JSON "
        "equals the documented JSON (key order aside). Ours reads with the default (lenient) "
        "converter; the SDK with `get_object_value(Call)`. A ✗ ReadError on our side is a "
        "refusal, not a loss: the documented body contradicts the metadata at that path (the "
        "validator reports the same as `type.not-assignable`), and the reader will not guess. "
        "It still counts against the lossless target.",
        "",
        *fidelity_table(results),
        "",
        "## Bad inputs",
        "",
        "Each case is one change to the first create-call request body. The SDK's reader "
        'never rejects anything; "silently lost" means the value is absent or changed '
        "when the object is written back.",
        "",
        *bad_table(results),
        "",
        "## Installed size",
        "",
        *size_table(results["sizes"]),
        "",
    ]
    return "\n".join(lines)


def chart(results: dict[str, Any], png: str) -> None:
    """A bar chart of the speed ratios, SDK time ÷ our time per workload; needs matplotlib."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = results["rows"]
    sets = list(dict.fromkeys(r["set"] for r in rows if r["side"] == "sdk"))
    labels, ratios = [], []
    cold = sdk_ratio(rows, "cold", "ours: import Call", "SDK: import Call", FIRST_SET)
    first = sdk_ratio(
        rows, "cold", "ours: import + first object", "SDK: import + first object", FIRST_SET
    )
    for label, value in (("cold: import Call", cold), ("cold: import + first object", first)):
        if value is not None:
            labels.append(label)
            ratios.append(value)
    for group, ours, sdk in (
        ("read", "ours: bytes → object", "SDK: bytes → object"),
        ("write", "ours: object → bytes", "SDK: object → bytes"),
    ):
        for s in sets:
            value = sdk_ratio(rows, group, ours, sdk, s)
            if value is not None:
                labels.append(f"{group}: {s}")
                ratios.append(value)
    fig, ax = plt.subplots(figsize=(9, 0.55 * len(labels) + 1.6))
    colors = ["#2a7ab0" if r >= 1 else "#c0392b" for r in ratios]
    ax.barh(labels, ratios, color=colors)
    ax.set_xscale("log")
    ax.axvline(1, color="black", linewidth=0.8)
    for y, r in enumerate(ratios):
        ax.text(r, y, f" {r:,.1f}×", va="center", fontsize=9)
    ax.invert_yaxis()
    ax.set_xlabel("SDK time ÷ our time (log scale; > 1: we are faster, red: we are slower)")
    ax.set_title(
        f"msgraph-beta-sdk {results['versions'].get('msgraph-beta-sdk', '?')} vs generated "
        f"models, median of {results['runs']} runs"
    )
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    plt.close(fig)


def main(argv: list[str]) -> int:
    """`python -m benchmarks.report render RESULTS` or `... chart RESULTS PNG`."""
    with open(argv[1], encoding="utf-8") as f:
        results = json.load(f)
    if argv[0] == "chart":
        chart(results, argv[2])
    else:
        sys.stdout.write(render(results))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
