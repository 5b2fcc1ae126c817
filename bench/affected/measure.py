#!/usr/bin/env python3
"""Times `auto affected` against `git diff --name-only` over the same range: median wall
time of 5 runs after one warm-up each, and the CPU time (user + system, git children
included), which a busy machine disturbs less than wall time.

Usage: measure.py AUTO_BINARY REPO"""
import os
import resource
import statistics
import subprocess
import sys
import time

auto, repo = os.path.abspath(sys.argv[1]), sys.argv[2]


def rev(*args):
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout.strip()


def measure(argv, runs=5):
    subprocess.run(argv, cwd=repo, check=True, capture_output=True)  # warm-up: page cache
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(argv, cwd=repo, check=True, capture_output=True)
        walls.append((time.perf_counter() - start) * 1000)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000)
    return statistics.median(walls), statistics.median(cpus)


print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
scenarios = (
    ("50 files incl. a module used by 4,000 roots", "feature"),
    ("50 files, no module", "feature-roots"),
    ("51 files incl. a module used by 1 root", "feature-narrow"),
)
for title, head in scenarios:
    base = rev("merge-base", head, "origin/main")
    out = subprocess.run([auto, "affected", "--head", head], cwd=repo, check=True, capture_output=True, text=True)
    print(f"\n{title}: {out.stderr.strip()}")
    rows = [
        ("auto affected", [auto, "affected", "--head", head]),
        ("auto affected --format json --why", [auto, "affected", "--head", head, "--format", "json", "--why"]),
        ("git diff --name-only", ["git", "diff", "--name-only", base, head]),
    ]
    results = {name: measure(argv) for name, argv in rows}
    for name, (wall, cpu) in results.items():
        print(f"  {name:36} wall {wall:7.1f} ms   cpu {cpu:7.1f} ms")
    (aw, ac), (gw, gc) = results["auto affected"], results["git diff --name-only"]
    print(f"  ratio auto/git: wall {aw / gw:.1f}x, cpu {ac / max(gc, 0.1):.1f}x (goal <= 2x)")
