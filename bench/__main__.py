"""`make bench`: generate the data sets, run every bench/bench_*.py, rewrite docs/benchmarks.md.

Run: .venv/bin/python -m bench [--quick] [--only NAME ...] [--no-write]
Each benchmark runs in its own process with a time limit, so one failure or hang does not
stop the others; its `main(quick) -> dict` figures go into the page next to their baselines.
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from bench.report import machine, table

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "benchmarks.md"
TIMEOUT = {False: 900, True: 60}  # seconds per benchmark: full, quick
MARK = "@@FIGURES@@"
RUNNER = (
    "import importlib, json, sys; "
    "figures = importlib.import_module(sys.argv[1]).main(quick=sys.argv[2] == 'quick'); "
    f"print({MARK!r} + json.dumps(figures, default=str))"
)


def discover() -> list[str]:
    """Module names of every bench/bench_*.py, in name order."""
    return [f"bench.{path.stem}" for path in sorted(Path(__file__).parent.glob("bench_*.py"))]


def run_one(module: str, quick: bool) -> dict:
    """Run one benchmark in a child process; its figures, or what went wrong."""
    command = [sys.executable, "-c", RUNNER, module, "quick" if quick else "full"]
    started = time.perf_counter()
    try:
        done = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT[quick]
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {TIMEOUT[quick]} s"}
    seconds = round(time.perf_counter() - started, 1)
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(MARK):
            return {**json.loads(line[len(MARK) :]), "benchmark run time (s)": seconds}
    tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
    return {"error": f"exit status {done.returncode}: {tail[0][:300]}"}


def page(results: dict, about: dict, quick: bool) -> str:
    """The whole docs/benchmarks.md."""
    parts = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m bench`); do not edit by hand, run it again."
        + (" **Quick mode**: reduced data sets." if quick else ""),
        "Every figure sits next to the baseline measured in the same run. The machine may be",
        "shared with other work; the load average at the start is recorded to judge noise.",
        "",
        "## Machine",
        "",
        table(about),
    ]
    for module, figures in results.items():
        doc = (sys.modules.get(module) or _import(module)).__doc__ or ""
        parts += ["", f"## {module.split('.')[-1]}", "", doc.strip().splitlines()[0], ""]
        parts.append(table(figures))
    return "\n".join(parts) + "\n"


def merge_sections(old: str, new: str) -> str:
    """The old page with the sections of `new` put in place (an --only run keeps the others)."""

    def sections(text):
        head, *parts = text.split("\n## ")
        return head, {part.split("\n", 1)[0]: part for part in parts}

    _, old_parts = sections(old)
    head, new_parts = sections(new)
    merged = {**old_parts, **new_parts}
    return "\n## ".join([head, *(merged[name] for name in sorted(merged, key=_order))])


def _order(name):
    return (name != "Machine", name)


def _import(module):
    import importlib

    return importlib.import_module(module)


def main(argv=None) -> int:
    """Run the benchmarks and write the page; exit status 1 when one of them failed."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small data sets, under 2 minutes")
    parser.add_argument("--only", nargs="*", help="module names such as bench_resolve")
    parser.add_argument("--no-write", action="store_true", help="print, leave docs/ alone")
    args = parser.parse_args(argv)
    about = machine()
    results = {}
    for module in discover():
        if args.only and module.split(".")[-1] not in args.only:
            continue
        print(f"running {module} ...", flush=True)
        results[module] = run_one(module, args.quick)
        print(table(results[module]), flush=True)
    text = page(results, about, args.quick)
    if args.only and PAGE.exists():
        text = merge_sections(PAGE.read_text(encoding="utf-8"), text)
    if not args.no_write:
        PAGE.write_text(text, encoding="utf-8")
        print(f"wrote {PAGE.relative_to(ROOT)}")
    return 1 if any("error" in figures for figures in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
