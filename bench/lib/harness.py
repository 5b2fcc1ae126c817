"""Measuring commands fairly on a busy machine: variants of a workload run interleaved
(a, b, c, a, b, c, ...; the order rotates every round so no variant always runs right
after the same neighbour), each run timed by wall clock and by the CPU time and peak
RSS the kernel reports for the child and everything it waited for (`wait4`)."""
import os
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from typing import Callable, Optional


@dataclass
class Variant:
    """One way of doing a workload: the command, where, and what to reset before each run."""
    name: str
    argv: list
    cwd: str
    env: Optional[dict] = None
    prepare: Optional[Callable[[], None]] = None
    reps: Optional[int] = None  # fewer repetitions for a slow peer (ansible)
    check: Optional[Callable[[str, str], None]] = None  # (stdout, stderr) of the first run
    capture: bool = False


@dataclass
class Sample:
    wall: float  # seconds
    cpu: float  # user + system seconds, children included
    maxrss_kb: int  # from a run under GNU time (0 when not measured)


@dataclass
class Result:
    name: str
    samples: list = field(default_factory=list)
    loads: list = field(default_factory=list)  # 1-minute load average before each run
    output: str = ""  # captured stderr/stdout of the first run, when asked

    def walls(self):
        return [s.wall for s in self.samples]

    def median(self):
        return statistics.median(self.walls())

    def cpu_median(self):
        return statistics.median(s.cpu for s in self.samples)

    maxrss_kb: int = 0  # of the warm-up run (or the first run when there is none), under GNU time

    def maxrss_mb(self):
        return self.maxrss_kb / 1024

    def quartiles(self):
        walls = sorted(self.walls())
        if len(walls) < 4:
            return walls[0], walls[-1]
        q = statistics.quantiles(walls, n=4, method="inclusive")
        return q[0], q[2]


class CommandFailed(RuntimeError):
    pass


def run_once(v: Variant, rss: bool = False) -> tuple:
    """Runs `v` once. `rss`: under GNU time, for the peak RSS: wait4's `ru_maxrss` of a
    child forked from this (Python, ~20 MB) process counts the memory it had before exec."""
    if v.prepare:
        v.prepare()
    if rss:
        with tempfile.NamedTemporaryFile("r") as f:
            sample, out, err = run_once(Variant(**{**v.__dict__, "prepare": None,
                                                   "argv": ["/usr/bin/time", "-f", "%M", "-o", f.name, *v.argv]}))
            sample.maxrss_kb = int(f.read().split()[-1])
            return sample, out, err
    # Output goes to files, not pipes: reading pipes would need Popen.communicate, which
    # reaps the child itself and so hides its rusage from wait4.
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        sink = (out, err) if v.capture else (subprocess.DEVNULL, subprocess.DEVNULL)
        start = time.perf_counter()
        proc = subprocess.Popen(v.argv, cwd=v.cwd, env=v.env, stdin=subprocess.DEVNULL, stdout=sink[0], stderr=sink[1])
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if proc.returncode != 0:
        raise CommandFailed(f"{v.name}: `{' '.join(map(str, v.argv))}` in {v.cwd} exited {proc.returncode}\n"
                            f"{stderr[-3000:]}{stdout[-2000:]}")
    return Sample(wall=wall, cpu=usage.ru_utime + usage.ru_stime, maxrss_kb=0), stdout, stderr


def interleaved(variants: list, reps: int, warmup: int = 1, log=print, skip_warmup=()) -> dict:
    """Runs every variant `warmup` times (untimed; not those named in `skip_warmup`), then
    `reps` rounds of all of them."""
    results = {v.name: Result(v.name) for v in variants}
    for v in variants:
        for _ in range(0 if v.name in skip_warmup else warmup):
            sample, out, err = run_once(Variant(**{**v.__dict__, "capture": True}), rss=True)
            if v.check:
                v.check(out, err)
            results[v.name].output = err.strip() or out.strip()
            results[v.name].maxrss_kb = max(results[v.name].maxrss_kb, sample.maxrss_kb)
    for r in range(reps):
        k = r % len(variants)
        for v in variants[k:] + variants[:k]:
            if v.reps is not None and len(results[v.name].samples) >= v.reps:
                continue
            results[v.name].loads.append(os.getloadavg()[0])
            unmeasured = results[v.name].maxrss_kb == 0
            sample, _, _ = run_once(v, rss=unmeasured)
            results[v.name].maxrss_kb = max(results[v.name].maxrss_kb, sample.maxrss_kb)
            results[v.name].samples.append(sample)
            log(f"    {v.name:44} run {len(results[v.name].samples)}: {sample.wall:8.3f} s  "
                f"(cpu {sample.cpu:.3f} s, load {results[v.name].loads[-1]:.1f})")
    return results


def fmt_s(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s"


def spread(res: Result) -> str:
    walls = res.walls()
    q1, q3 = res.quartiles()
    if len(walls) < 4:
        return f"{fmt_s(min(walls))} – {fmt_s(max(walls))}"
    return f"{fmt_s(min(walls))} – {fmt_s(max(walls))} (IQR {fmt_s(q1)} – {fmt_s(q3)})"


def table(results: dict, reference: str) -> str:
    """A markdown table: one row per variant; the last column is the variant's median wall
    time divided by `reference`'s (2.00× = takes twice as long as the reference)."""
    ref = results[reference].median()
    lines = ["| variant | runs | median wall | min – max (IQR) | median CPU | max RSS | "
             f"time ÷ {reference}'s |",
             "|---|---:|---:|---|---:|---:|---:|"]
    for name, res in results.items():
        ratio = "1" if name == reference else f"{res.median() / ref:.2f}×"
        lines.append(f"| {name} | {len(res.samples)} | {fmt_s(res.median())} | {spread(res)} | "
                     f"{fmt_s(res.cpu_median())} | {res.maxrss_mb():.1f} MB | {ratio} |")
    return "\n".join(lines)
