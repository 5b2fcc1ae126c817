#!/usr/bin/env python3
"""Benchmark of `auto lsp`: how long an editor waits for an answer on the largest script
in scripts/, driven by the LSP client of the tests (engine/tests/lsp/client.py: pygls and
lsprotocol, from .tools/venv) over stdio, as an editor drives it.

    .tools/venv/bin/python bench/lsp.py [--auto target/release/auto] [--rounds 100]

Each round is timed at the client, from sending to receiving (JSON-RPC and the pipe
included):

- diagnostics: a didChange with the whole text (each round a different text: a comment
  line is added, so nothing can be answered from a cache) until its publishDiagnostics
  arrives — a full `auto check` of the script with its imports, declarations evaluated;
- completion of a module's functions (`terraform::|`), of an option map's keys
  (`#{ |` in a `terraform::plan` call), of an imported module's functions
  (`platform::|`), and everything where nothing is typed yet (invoked);
- hover on a host function.

The variants run interleaved (each round runs every variant once, in a rotated order)
after one untimed warm-up each (the first check also builds what the server keeps for the
repository). Prints a Markdown table: median, p95 and max per variant, and the goal
(under 50 ms) met or not. Nothing is asserted: this is a measurement, not a test.
"""

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "engine/tests/lsp"))
from client import Session  # noqa: E402  (the tests' client)

GOAL_MS = 50


def largest_script(scripts: Path) -> Path:
    return max((p for p in scripts.glob("*.rhai")), key=lambda p: len(p.read_text()))


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def measure(binary: str, rounds: int):
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp)
        for folder in ("scripts", "environments"):
            shutil.copytree(REPO / folder, root / folder, ignore=shutil.ignore_patterns(".terraform"))
        script = largest_script(root / "scripts")
        path = f"scripts/{script.name}"
        text = script.read_text()
        lines = text.count("\n")
        session = Session(binary, root)
        await session.start()
        try:
            started = time.perf_counter()
            await session.run({"open": path})
            first = (time.perf_counter() - started) * 1000
            edits = iter(range(10**9))

            async def diagnostics():
                await session.run({"change": path, "text": f"{text}// edit {next(edits)}\n"})

            def request(step):
                async def run():
                    answer = await session.run(step)
                    if not answer:
                        raise RuntimeError(f"no answer to {step}")

                return run

            # Places in the largest script (detect_drift.rhai); the text is appended to
            # only, so they stay where they are.
            variants = {
                "diagnostics (didChange → publishDiagnostics)": diagnostics,
                "completion `terraform::|`": request({"complete": path, "at": "terraform::|plan(", "trigger": ":"}),
                "completion of option keys `#{ |`": request(
                    {"complete": path, "at": "terraform::plan(path, options + #{ |refresh_only"}
                ),
                "completion `platform::|`": request({"complete": path, "at": "platform::|environment_roots", "trigger": ":"}),
                "completion, nothing typed (invoked)": request({"complete": path, "at": "|let "}),
                "hover on `terraform::plan`": request({"hover": path, "at": "terraform::pl|an("}),
            }
            names = list(variants)
            for name in names:
                await variants[name]()
            times = {name: [] for name in names}
            for round_ in range(rounds):
                shift = round_ % len(names)
                for name in names[shift:] + names[:shift]:
                    started = time.perf_counter()
                    await variants[name]()
                    times[name].append((time.perf_counter() - started) * 1000)
        finally:
            await session.stop()
    return path, lines, first, times


def report(binary: str, path: str, lines: int, first: float, times: dict, rounds: int) -> str:
    load = os.getloadavg()
    out = [
        f"Script: `{path}` ({lines} lines, the largest in scripts/). Binary: `{binary}`. "
        f"{rounds} interleaved rounds; load average at the end {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}.",
        "",
        f"The first diagnostics, after didOpen (the server builds what it keeps for the repository: "
        f"the vocabulary of the static checks), took {first:.1f} ms.",
        "",
        "| round | runs | median | p95 | max | under 50 ms (p95) |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for name, values in times.items():
        p95 = percentile(values, 0.95)
        shown = name.replace("|", "\\|")
        out.append(
            f"| {shown} | {len(values)} | {statistics.median(values):.1f} ms | {p95:.1f} ms | "
            f"{max(values):.1f} ms | {'met' if p95 < GOAL_MS else '**missed**'} |"
        )
    return "\n".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--auto", default=str(REPO / "target/release/auto"))
    parser.add_argument("--rounds", type=int, default=100)
    args = parser.parse_args()
    binary = str(Path(args.auto).resolve())
    if not Path(binary).is_file():
        sys.exit(f"bench/lsp.py: no binary at {binary}: cargo build --release -p auto (or pass --auto)")
    path, lines, first, times = asyncio.run(measure(binary, args.rounds))
    print(report(os.path.relpath(binary, REPO), path, lines, first, times, args.rounds))


if __name__ == "__main__":
    main()
