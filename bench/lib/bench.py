#!/usr/bin/env python3
"""Runs the benchmark workloads P1–P8 of `auto` against its peers and writes BENCHMARKS.md.

bench/run.sh calls this after installing the peers and building auto; run it directly
only with the same environment (see run.sh). Usage:
    bench.py --auto BIN --peers DIR --out FILE [--quick] [P1 P2 ...]
--quick: fewer repetitions and smaller sizes, for trying the harness (not for results).
"""
import argparse
import contextlib
import datetime
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import workspaces  # noqa: E402
from harness import Variant, fmt_s, interleaved, table  # noqa: E402

BENCH = workspaces.BENCH
REPO = workspaces.REPO


def sh(*argv, cwd=None):
    try:
        return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False).stdout.strip()
    except FileNotFoundError:
        return "(not found)"


def log(message):
    print(message, flush=True)


class Report:
    def __init__(self):
        self.sections = []
        self.verdicts = []  # (workload, goal, measured, met)

    def section(self, title, text):
        self.sections.append(f"## {title}\n\n{text.strip()}\n")

    def verdict(self, workload, goal, measured, met):
        self.verdicts.append((workload, goal, measured, met))
        log(f"  {workload}: {goal}: {measured} -> {'MET' if met else 'MISSED'}")


def loads_of(results):
    loads = [x for r in results.values() for x in r.loads]
    return f"load average during the runs {min(loads):.1f} – {max(loads):.1f}" if loads else ""


class Bench:
    def __init__(self, args):
        self.auto = os.path.abspath(args.auto)
        self.peers = os.path.abspath(args.peers)
        self.quick = args.quick
        self.work = tempfile.mkdtemp(prefix="auto-bench-")
        self.report = Report()
        self.venv_bin = os.path.join(self.peers, "venv", "bin")
        self.task = os.path.join(self.venv_bin, "task")
        self.ansible = os.path.join(self.venv_bin, "ansible-playbook")
        self.python = os.path.join(self.venv_bin, "python")
        self.just = os.path.join(self.peers, "cargo", "bin", "just")
        env = dict(os.environ)
        env.pop("GITHUB_ACTIONS", None)
        env.update({
            "ANSIBLE_LOCALHOST_WARNING": "False",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "False",
            "ANSIBLE_HOME": os.path.join(self.work, "ansible-home"),
            "ANSIBLE_NOCOLOR": "1",
            "NO_COLOR": "1",
        })
        self.env = env

    def reps(self, full, quick=2):
        return quick if self.quick else full

    def ansible_argv(self, playbook, *extra):
        return [self.ansible, "-i", "localhost,", "-c", "local", "-e", f"ansible_python_interpreter={self.python}",
                *extra, playbook]

    # P1 ---------------------------------------------------------------------------------
    def p1(self):
        log("P1: start and run a trivial script")
        root = workspaces.p1_p2(os.path.join(self.work, "p1p2"))
        results = interleaved([
            Variant("auto run hello", [self.auto, "run", "hello"], root, self.env),
            Variant("task", [self.task, "--taskfile", "Taskfile.yml"], root, self.env),
            Variant("just", [self.just, "--justfile", "justfile", "--working-directory", "."], root, self.env),
            Variant("ansible-playbook", self.ansible_argv("hello.yml"), root, self.env, reps=self.reps(5)),
        ], reps=self.reps(10), log=log)
        auto, task, ans = (results[k].median() for k in ("auto run hello", "task", "ansible-playbook"))
        just = results["just"].median()
        self.report.verdict("P1", "≤ task's time", f"auto {fmt_s(auto)} vs task {fmt_s(task)} ({auto / task:.2f}×)",
                            auto <= task)
        self.report.verdict("P1", "≥ 100× faster than ansible-playbook",
                            f"{ans / auto:.0f}× faster ({fmt_s(ans)} vs {fmt_s(auto)})", ans / auto >= 100)
        self.report.section("P1 — start and run a trivial script (one print)", f"""
Each tool prints one line: `auto run hello` (scripts/hello.rhai: `print("hello")`, a real
run: parameters, journal under `.auto/runs` fsync'ed, step recap), `task` (Taskfile with
`echo hello`; task's shell interpreter runs `echo` in-process), `just` (a recipe
`@echo hello`, run by `sh`), `ansible-playbook` (localhost, `connection: local`,
`gather_facts: false`, one `debug` task, interpreter given so there is no discovery).
Inputs: bench/workloads/p1/. {loads_of(results)}.

{table(results, "auto run hello")}

auto vs task: {auto / task:.2f}× task's time; vs just: {auto / just:.2f}× just's time;
ansible-playbook takes {ans / auto:.0f}× auto's time.
""")
        self.p1_auto = auto

    # P2 ---------------------------------------------------------------------------------
    def p2(self):
        log("P2: 500 external commands")
        root = os.path.join(self.work, "p1p2")
        if not os.path.isdir(root):
            workspaces.p1_p2(root)
        n = 500
        results = interleaved([
            Variant("auto exec::run × 500", [self.auto, "run", "exec_loop"], root, self.env),
            Variant("bash loop", ["bash", "loop.sh", str(n)], root, self.env),
            Variant("task, 500 cmds", [self.task, "--taskfile", "p2/Taskfile.yml"], root, self.env),
            Variant("ansible command loop", self.ansible_argv("loop.yml", "-e", f"count={n}"), root, self.env,
                    reps=self.reps(2, 1)),
        ], reps=self.reps(7), warmup=1, log=log, skip_warmup={"ansible command loop"})
        auto, bash = results["auto exec::run × 500"].median(), results["bash loop"].median()
        per_auto = (auto - getattr(self, "p1_auto", 0)) / n
        self.report.verdict("P2", "≤ 1.2× bash", f"{auto / bash:.2f}× bash ({fmt_s(auto)} vs {fmt_s(bash)})",
                            auto <= 1.2 * bash)
        self.report.section("P2 — 500 external commands (`true`) through `exec::run`", f"""
`auto run exec_loop` (`for i in 0..500 {{ exec::run(["true"]); }}`, a real run) against
a bash loop of `/usr/bin/true` (the full path: `true` alone is a bash builtin and starts
no process), a Taskfile of 500 `/usr/bin/true` commands (task's interpreter has `true`
built in too), and an ansible `command: /usr/bin/true` loop of 500 items (run
{len(results["ansible command loop"].samples)}× only: it takes minutes). Inputs:
bench/workloads/p2/ (the Taskfile is generated). {loads_of(results)}.

{table(results, "auto exec::run × 500")}

auto takes {auto / bash:.2f}× the bash loop's time: {fmt_s(auto / n)} per command all
included, {fmt_s(max(per_auto, 0))} per command after subtracting P1's startup, against
{fmt_s(bash / n)} per command for bash.
""")

    # P3 ---------------------------------------------------------------------------------
    def p3(self):
        log("P3: dry-run of onboarding N customers")
        sizes = [10, 100] if self.quick else [10, 100, 1000]
        variants = []
        expected = {}
        for n in sizes:
            t0 = time.perf_counter()
            root = workspaces.p3(os.path.join(self.work, f"p3-{n}"), n)
            log(f"  generated {n} customers in {time.perf_counter() - t0:.1f} s")

            def check(out, err, n=n):
                m = re.search(r"dry-run: (\d+) change\(s\) and (\d+) read\(s\) recorded", err)
                renders = len(re.findall(r"render templates/customer → environments/dev/c\d+: (\d+) created, "
                                         r"(\d+) updated, (\d+) unchanged", err))
                if not m or renders != n:
                    raise harness.CommandFailed(f"P3 with {n} customers: expected {n} scaffold renders, found "
                                                f"{renders}; summary: {m and m.group(0)}\n{err[-2000:]}")
                expected[n] = (int(m.group(1)), int(m.group(2)), renders,
                               len(re.findall(r"terraform '-chdir=[^']+' (?:init|plan|apply) ", err)),
                               len(re.findall(r"would (?:create|update) ", err)))

            variants.append(Variant(f"{n} customers", [self.auto, "run", "onboard_all", "--set", "env=dev",
                                                       "--dry-run"], root, self.env, check=check,
                                    reps=self.reps(3 if n >= 1000 else 5)))
        results = interleaved(variants, reps=self.reps(5), log=log)
        med = {n: results[f"{n} customers"].median() for n in sizes}
        self.report.verdict("P3", "< 1 s for 100 customers", fmt_s(med[100]), med[100] < 1.0)
        rows = ["| customers | median wall | per customer | median CPU | max RSS | recorded: changes / reads | "
                "terraform init+plan+apply recorded | template files (create/update recorded) |",
                "|---:|---:|---:|---:|---:|---|---:|---:|"]
        for n in sizes:
            r = results[f"{n} customers"]
            ch, rd, _renders, tf, files = expected[n]
            rows.append(f"| {n} | {fmt_s(r.median())} | {fmt_s(r.median() / n)} | {fmt_s(r.cpu_median())} | "
                        f"{r.maxrss_mb():.1f} MB | {ch} / {rd} | {tf} | {16 * n} ({files}) |")
        linear_note = ""
        if 1000 in med:
            marginal_small = (med[100] - med[10]) / 90
            marginal_large = (med[1000] - med[100]) / 900
            growth = marginal_large / marginal_small
            linear = growth <= 1.25
            self.report.verdict("P3", "linear growth 10 → 100 → 1000",
                                f"marginal cost per customer {fmt_s(marginal_small)} (10→100), "
                                f"{fmt_s(marginal_large)} (100→1000): {growth:.2f}×", linear)
            linear_note = (f"Marginal cost per customer: {fmt_s(marginal_small)} from 10 to 100 customers, "
                           f"{fmt_s(marginal_large)} from 100 to 1000 ({growth:.2f}×; linear means ≤ 1.25×). "
                           f"Time 1000 ÷ time 100: {med[1000] / med[100]:.1f}.")
        self.p3_rss = {n: results[f"{n} customers"].maxrss_mb() for n in sizes}
        self.report.section("P3 — dry-run of onboarding N customers (all roots, all templates)", f"""
A generated repository (this repo's scripts/ and templates/, environments/dev with N
copies of the demo customer) runs `auto run onboard_all --set env=dev --dry-run`
(bench/workloads/p3/onboard_all.rhai): per customer, 4 at a time (dev's parallelism),
the scaffold render of templates/customer (16 templates), customer infra, Hive and
Superset in parallel with their kubectl waits, a smoke-check `kubectl exec`; then every
customer's Trino catalog entry and one Trino apply. The first run of each size is checked:
one scaffold render per customer, and the recorded counts below. {loads_of(results)}.

{chr(10).join(rows)}

{linear_note}
""")

    # P4 ---------------------------------------------------------------------------------
    def p4(self):
        log("P4: 50 customers × 3 dependent steps, limit 10")
        root = workspaces.p4(os.path.join(self.work, "p4"))
        xargs = os.path.join(BENCH, "workloads", "p4", "waves_xargs.sh")
        results = interleaved([
            Variant("auto parallel_map limit 10", [self.auto, "run", "waves"], root, self.env),
            Variant("xargs -P10 (reference)", ["bash", xargs, "50", "10"], root, self.env),
        ], reps=self.reps(5), log=log)
        ideal = 50 / 10 * 3 * 0.2
        auto = results["auto parallel_map limit 10"].median()
        xa = results["xargs -P10 (reference)"].median()
        self.report.verdict("P4", "≤ 1.05× the ideal 3 s", f"{auto / ideal:.3f}× ({fmt_s(auto)})", auto <= 1.05 * ideal)
        self.p4_rss = results["auto parallel_map limit 10"].maxrss_mb()
        self.report.section("P4 — 50 customers × 3 dependent steps (`sleep 0.2` each), limit 10", f"""
`auto run waves` (bench/workloads/p4/waves.rhai, a real run: 150 journaled steps, each an
`exec::run(["sleep", "0.2"])`) against the ideal schedule, 50 / 10 × 3 × 0.2 s =
{ideal:.1f} s, and against the same schedule with `xargs -P10` (each of 50 `sh` runs
`sleep 0.2` three times), which shows what process start-up alone costs on this machine.
{loads_of(results)}.

{table(results, "auto parallel_map limit 10")}

auto: {auto / ideal:.3f}× the ideal; xargs: {xa / ideal:.3f}× the ideal; auto ÷ xargs:
{auto / xa:.3f}×.
""")

    # P5 ---------------------------------------------------------------------------------
    def p5(self):
        log("P5: auto affected (bench/affected's repository)")
        customers = 200 if self.quick else 2000
        repo = os.path.join(self.work, "affected")
        t0 = time.perf_counter()
        subprocess.run([sys.executable, os.path.join(BENCH, "affected", "gen_affected_repo.py"), repo,
                        "--customers", str(customers)], check=True, stdout=subprocess.DEVNULL)
        log(f"  generated in {time.perf_counter() - t0:.1f} s")

        def git(*args):
            return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout.strip()

        # The module-graph index as CI has it: the run on main after the merge left the
        # index of main's commit (the pull request's base); a fresh clone has none.
        base_index, head_index = os.path.join(self.work, "index-base"), os.path.join(self.work, "index-head")
        git("checkout", "-q", "main")
        subprocess.run([self.auto, "affected", "--graph-index", base_index], cwd=repo, check=True,
                       capture_output=True)
        parts = []
        for title, head, goal in ((f"50 files incl. a module used by {2 * customers:,} roots", "feature", True),
                                  ("50 files, no module", "feature-roots", True),
                                  ("51 files incl. a module used by 1 root", "feature-narrow", False)):
            git("checkout", "-q", head)
            base = git("merge-base", head, "origin/main")
            head_commit = git("rev-parse", head)
            shutil.rmtree(head_index, ignore_errors=True)
            shutil.copytree(base_index, head_index)
            summary = subprocess.run([self.auto, "affected", "--head", head, "--graph-index", head_index], cwd=repo,
                                     capture_output=True, text=True, check=True).stderr.strip()

            def only_base_index():
                # Each run saves head's index; the next must start from base's again.
                with contextlib.suppress(FileNotFoundError):
                    os.remove(os.path.join(base_index, head_commit))

            affected = [self.auto, "affected", "--head", head]
            results = interleaved([
                Variant("auto affected (index of base)", [*affected, "--graph-index", base_index], repo, self.env,
                        prepare=only_base_index),
                Variant("auto affected --format json --why (index of base)",
                        [*affected, "--format", "json", "--why", "--graph-index", base_index], repo, self.env,
                        prepare=only_base_index),
                Variant("auto affected (index of head: a re-run)", [*affected, "--graph-index", head_index], repo,
                        self.env),
                Variant("auto affected (no index: a fresh clone)", [*affected, "--graph-index", "off"], repo,
                        self.env),
                Variant("auto affected --git-processes (no index)",
                        [*affected, "--git-processes", "--graph-index", "off"], repo, self.env),
                Variant("git diff --name-only", ["git", "diff", "--name-only", base, head], repo, self.env),
            ], reps=self.reps(9), log=log)
            gitd = results["git diff --name-only"].median()
            warm, cold = results["auto affected (index of base)"].median(), results["auto affected (no index: a fresh clone)"].median()
            if goal:
                self.report.verdict("P5", f"≤ 2× git diff ({title}; index of base, as in CI)",
                                    f"{warm / gitd:.1f}× ({fmt_s(warm)} vs {fmt_s(gitd)})", warm / gitd <= 2)
                self.report.verdict("P5", f"≤ 2× git diff ({title}; no index, a clone's first run)",
                                    f"{cold / gitd:.1f}× ({fmt_s(cold)} vs {fmt_s(gitd)})", cold / gitd <= 2)
            parts.append(f"### {title} (`--head {head}`)\n\n`{summary}`\n\n{table(results, 'git diff --name-only')}\n\n"
                         f"With the index of base auto affected takes {warm / gitd:.1f}× git diff's wall time, "
                         f"without an index {cold / gitd:.1f}×; {loads_of(results)}.\n")
        git("checkout", "-q", "feature")
        self.report.section("P5 — `auto affected` vs `git diff --name-only`", f"""
The repository of bench/affected/gen_affected_repo.py ({customers} customers × 3 roots,
~{customers * 16 // 1000},000 files, modules calling modules; one commit of 50 changed
files per branch). Git is read in-process (gitoxide) unless `--git-processes`. The
module-graph index (`--graph-index`) is what CI restores from the run on main: "index
of base" is that case (each run starts from base's index alone, as a pull request's
first run does); "index of head" is a re-run; "no index" is a fresh clone's first run,
which reads every root's `.tf` files.

{chr(10).join(parts)}
""")

    # P6 ---------------------------------------------------------------------------------
    def p6(self):
        log("P6: 20 terraform roots, init + apply (null provider)")
        count = 6 if self.quick else 20
        root = workspaces.p6(os.path.join(self.work, "p6"), count)
        cache = os.path.join(self.work, "tf-plugin-cache")
        os.makedirs(cache, exist_ok=True)
        env = dict(self.env, TF_PLUGIN_CACHE_DIR=cache)
        tf = shutil.which("terraform", path=env["PATH"])
        version = sh(tf, "version")
        roots = workspaces.bench_roots(count)
        clean = lambda: workspaces.reset_roots(root, count)  # noqa: E731
        # Fill the plugin cache and the page cache once, untimed.
        clean()
        subprocess.run(["bash", "apply_direct.sh", "1", *roots[:2]], cwd=root, env=env, check=True)
        limit = [self.auto, "run", "apply_roots", "--set", f"count={count}", "--set"]
        results = interleaved([
            Variant("auto, sequential", [*limit, "limit=1"], root, env, prepare=clean),
            Variant("bash, sequential", ["bash", "apply_direct.sh", "1", *roots], root, env, prepare=clean),
            Variant("auto, parallel_map limit 2", [*limit, "limit=2"], root, env, prepare=clean),
            Variant("bash, xargs -P2", ["bash", "apply_direct.sh", "2", *roots], root, env, prepare=clean),
        ], reps=self.reps(3, 1), warmup=0, log=log)
        clean()
        a1, b1 = results["auto, sequential"].median(), results["bash, sequential"].median()
        a2, b2 = results["auto, parallel_map limit 2"].median(), results["bash, xargs -P2"].median()
        overhead = a1 / b1 - 1
        self.report.verdict("P6", "overhead ≤ 5% (sequential)", f"{overhead * 100:+.1f}% ({fmt_s(a1)} vs {fmt_s(b1)})",
                            overhead <= 0.05)
        self.report.verdict("P6", "≥ 1.8× speed-up with 2 in parallel",
                            f"{a1 / a2:.2f}× (bash with xargs -P2: {b1 / b2:.2f}×)", a1 / a2 >= 1.8)
        self.report.section(f"P6 — real terraform: {count} roots, init + apply (null provider)", f"""
{count} roots under a generated environments/bench (local backend, `[backend] kind = "local"`
env.toml from environments/test), each with 4 `null_resource`s; {version.splitlines()[0]}
with the null provider from the filesystem mirror of .ci/install-tools.sh, one shared
`TF_PLUGIN_CACHE_DIR`. Before every run the roots are reset (no `.terraform`, lock file
or state), so every run does `init`, `plan -out` and `apply <plan>` per root.
`auto run apply_roots` (bench/workloads/p6/apply_roots.rhai: a step per root) against
bench/workloads/p6/apply_direct.sh, the same terraform commands from bash; in
parallel: `parallel_map` limit 2 against `xargs -P2`. {loads_of(results)}.

{table(results, "auto, sequential")}

Sequential overhead of auto: {overhead * 100:+.1f}%. Parallel with 2: auto {a2 / b2:.2f}× bash's time.
Speed-up from 2 at once: auto {a1 / a2:.2f}×, bash {b1 / b2:.2f}×.
""")

    # P7 ---------------------------------------------------------------------------------
    def p7(self):
        log("P7: render 1,000 templates")
        count = 1000
        root = workspaces.p7(os.path.join(self.work, "p7"), count)
        out = os.path.join(root, "out")
        clean = lambda: shutil.rmtree(out, ignore_errors=True)  # noqa: E731
        results = interleaved([
            Variant("auto render_file × 1000", [self.auto, "run", "render", "--set", "mode=string"], root, self.env),
            Variant("Jinja2 render × 1000", [self.python, "render.py", "string", str(count)], root, self.env),
            Variant("auto render_dir → 1000 files", [self.auto, "run", "render", "--set", "mode=dir"], root, self.env,
                    prepare=clean),
            Variant("Jinja2 → 1000 files", [self.python, "render.py", "dir", str(count)], root, self.env,
                    prepare=clean),
        ], reps=self.reps(5), log=log)
        s_auto, s_py = results["auto render_file × 1000"].median(), results["Jinja2 render × 1000"].median()
        d_auto, d_py = results["auto render_dir → 1000 files"].median(), results["Jinja2 → 1000 files"].median()
        self.report.verdict("P7", "report the ratio to Jinja2 (to strings)", f"Jinja2 takes {s_py / s_auto:.1f}× auto's time", True)
        self.report.verdict("P7", "report the ratio to Jinja2 (to files)", f"Jinja2 takes {d_py / d_auto:.2f}× auto's time", True)
        jv = sh(self.python, "-c", "import jinja2; print(jinja2.__version__)")
        self.report.section("P7 — render 1,000 templates", f"""
1,000 distinct templates (templates/bench/t0 … t999.yaml.j2, generated by
bench/lib/workspaces.py: a ConfigMap with a `dictsort` loop, a 12-item loop, conditions,
`upper`, `join`, `default`, `tojson`, arithmetic; ~2.2 KB rendered each) and one set of
variables (vars.json). `auto run render` (bench/workloads/p7/render.rhai, a real run)
renders each with `template::render_file` into a string, or the folder with
`template::render_dir` into out/; bench/workloads/p7/render.py does the same with Jinja2
{jv} (strict undefined, `trim_blocks`, trailing newline kept), each template compiled once
as auto does. out/ is removed before every files run. Output was checked identical for a
sample template. {loads_of(results)}.

{table(results, "auto render_file × 1000")}

To strings: Jinja2 takes {s_py / s_auto:.1f}× auto's time. To files: Jinja2 takes
{d_py / d_auto:.2f}× auto's time (auto writes each file atomically and fsyncs it; render.py
neither renames nor fsyncs).
""")

    # P8 ---------------------------------------------------------------------------------
    def p8(self):
        count = 10 if self.quick else 60
        log(f"P8: terraform init of {count} roots, shared provider cache against none")
        root = workspaces.p8(os.path.join(self.work, "p8"), count)
        tools_mirror = os.path.join(REPO, ".tools", "terraform-mirror")
        mirror = workspaces.packed_null_mirror(tools_mirror, os.path.join(self.work, "p8-mirror"))
        cli_config = os.path.join(self.work, "p8-terraformrc")
        with open(cli_config, "w") as f:
            f.write(f"""provider_installation {{
  filesystem_mirror {{
    path    = "{mirror}"
    include = ["registry.terraform.io/hashicorp/null"]
  }}
  direct {{
    exclude = ["registry.terraform.io/hashicorp/null"]
  }}
}}
""")
        env = {k: v for k, v in self.env.items() if k not in ("TF_PLUGIN_CACHE_DIR", "AUTO_TF_PLUGIN_CACHE")}
        env["TF_CLI_CONFIG_FILE"] = cli_config
        off = dict(env, AUTO_TF_PLUGIN_CACHE="off")
        tf = shutil.which("terraform", path=env["PATH"])
        version = sh(tf, "version").splitlines()[0]
        clean = lambda: workspaces.reset_roots(root, count)  # noqa: E731
        argv = [self.auto, "run", "init_roots", "--set", f"count={count}"]
        cached, uncached = "auto, shared cache (default)", "auto, AUTO_TF_PLUGIN_CACHE=off"
        variants = [Variant(cached, argv, root, env, prepare=clean), Variant(uncached, argv, root, off, prepare=clean)]
        results = interleaved(variants, reps=self.reps(3, 1), warmup=0, log=log)
        cache_dir = os.path.join(root, ".auto", "terraform-plugin-cache")
        folders = [os.path.join(root, p, ".terraform") for p in workspaces.bench_roots(count)]

        def disk(variant):
            """(KiB of the .terraform folders, KiB of the cache, files under .terraform) after one run."""
            harness.run_once(variant)
            # One du over all folders: a file linked into several is counted once, as on disk.
            kib = lambda paths: int(sh("du", "-sck", *paths).splitlines()[-1].split()[0]) if paths else 0  # noqa: E731
            files = sum(len(names) for f in folders for _, _, names in os.walk(f))
            return kib(folders), kib([cache_dir] if os.path.isdir(cache_dir) else []), files

        c_tf, c_cache, c_files = disk(variants[0])
        u_tf, u_cache, u_files = disk(variants[1])
        clean()
        c_time, u_time = results[cached].median(), results[uncached].median()
        mib = lambda kib: f"{kib / 1024:.1f} MiB"  # noqa: E731
        provider_kib = os.path.getsize(os.path.join(tools_mirror, "registry.terraform.io", "hashicorp", "null", "2.1.2",
                                                    "linux_amd64", "terraform-provider-null_v2.1.2_x4")) / 1024
        self.report.verdict("P8", f"disk of {count} roots' .terraform + cache, against no cache",
                            f"{mib(c_tf + c_cache)} vs {mib(u_tf)} ({(c_tf + c_cache) / u_tf:.3f}×)",
                            c_tf + c_cache < u_tf)
        self.report.verdict("P8", "init time with the cache ≤ without",
                            f"{fmt_s(c_time)} vs {fmt_s(u_time)} ({c_time / u_time:.2f}×)", c_time <= u_time)
        self.report.section(f"P8 — `terraform init` of {count} roots: one provider cache against none", f"""
{count} roots under a generated environments/bench (local backend), each requiring the null
provider 2.1.2 (one `null_resource`); {version}. The provider comes from a *packed*
filesystem mirror (the registry's zip, {provider_kib / 1024:.1f} MiB unpacked), so every init
unpacks it as it would from the registry: .tools/terraform-mirror holds it unpacked, and
from there terraform links the file into each root whether there is a cache or not.
`auto run init_roots` (bench/workloads/p8/init_roots.rhai: a step with `terraform::init`
per root), with auto's cache (`TF_PLUGIN_CACHE_DIR=.auto/terraform-plugin-cache`, the
default) and with `AUTO_TF_PLUGIN_CACHE=off`. Before every run the roots lose their
`.terraform` folders and lock files and `.auto/` (the cache with it) is removed, so each
run starts from a fresh clone: the cached run unpacks the provider once, into the cache.
Disk is measured after one more run of each, by one `du -sck` over all `.terraform`
folders (a file linked into several counts once) and one over the cache. {loads_of(results)}.

{table(results, cached)}

| after one run | `.terraform` folders | cache | total | files under `.terraform` |
|---|---:|---:|---:|---:|
| {cached} | {mib(c_tf)} | {mib(c_cache)} | {mib(c_tf + c_cache)} | {c_files} |
| {uncached} | {mib(u_tf)} | {mib(u_cache)} | {mib(u_tf + u_cache)} | {u_files} |

With the cache, {count} roots take {(c_tf + c_cache) / u_tf * 100:.1f}% of the disk they take
without it, and init takes {c_time / u_time:.2f}× the time. The null provider is small; the
azurerm provider of the platform's roots is hundreds of MB unpacked, and without the cache
each of a customer's three roots holds a copy of it.
""")

    # ------------------------------------------------------------------------------------
    def machine(self):
        mem = ""
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal"):
                    mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
        cpu = ""
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        return {"nproc": sh("nproc"), "memory": mem, "kernel": f"{platform.system()} {platform.release()}",
                "cpu": cpu}

    def versions(self):
        tf = shutil.which("terraform", path=self.env["PATH"]) or "terraform"
        head = sh("git", "rev-parse", "--short", "HEAD", cwd=REPO)
        dirty = " + uncommitted changes" if sh("git", "status", "--porcelain", "-uno", cwd=REPO) else ""
        return [
            ("auto", sh(self.auto, "--version")),
            ("auto built from", f"commit {head}{dirty}"),
            ("rustc (auto's build)", sh("rustc", "--version")),
            ("task (go-task-bin, PyPI)", sh(self.task, "--version")),
            ("just (cargo install --locked)", sh(self.just, "--version")),
            ("ansible-playbook (ansible-core, PyPI)", sh(self.ansible, "--version").splitlines()[0]),
            ("Python / Jinja2 (bench venv)", sh(self.python, "-c", "import sys, jinja2; print(sys.version.split()[0], "
                                                                     "'/ Jinja2', jinja2.__version__)")),
            ("terraform (.tools, null provider mirror)", sh(tf, "version").splitlines()[0]),
            ("git", sh("git", "--version")),
            ("bash", sh("bash", "--version").splitlines()[0]),
        ]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--auto", required=True)
    parser.add_argument("--peers", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--into", action="store_true",
                        help="merge the workloads run into the existing --out file (their verdicts, sections and "
                             "machine/version notes) instead of writing a new one; the others keep their numbers")
    parser.add_argument("workloads", nargs="*", default=["P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8"])
    args = parser.parse_args()
    b = Bench(args)
    started = datetime.datetime.now(datetime.timezone.utc)
    load_start = os.getloadavg()
    t0 = time.perf_counter()
    log(f"work dir {b.work}; load average {load_start[0]:.2f} {load_start[1]:.2f} {load_start[2]:.2f}")
    try:
        for w in args.workloads:
            getattr(b, w.lower())()
    finally:
        shutil.rmtree(b.work, ignore_errors=True)
    elapsed = time.perf_counter() - t0
    load_end = os.getloadavg()
    m = b.machine()
    r = b.report
    verdict_rows = "\n".join(f"| {w} | {goal} | {measured} | {'met' if met else '**missed**'} |"
                             for w, goal, measured, met in r.verdicts)
    memory = []
    if hasattr(b, "p3_rss"):
        memory += [f"| P3 dry-run, {n} customers | {mb:.1f} MB |" for n, mb in b.p3_rss.items()]
    if hasattr(b, "p4_rss"):
        memory.append(f"| P4 50 × 3 steps, limit 10 | {b.p4_rss:.1f} MB |")
    analysis_file = os.path.join(BENCH, "lib", "analysis.md")
    analysis = open(analysis_file).read().strip() if os.path.exists(analysis_file) else ""
    doc = f"""# Benchmarks of `auto`

Generated by `bench/run.sh` ({"quick mode: not results" if args.quick else "full run"}) on
{started:%Y-%m-%d %H:%M} UTC, in {elapsed / 60:.1f} minutes. Workloads: {", ".join(args.workloads)}.
Every table comes from variants run interleaved (each round runs every variant once, in
a rotated order), after one untimed warm-up each (none for P6 and the ansible loop);
times are wall clock, CPU is user + system time of the process and its children, RSS
the peak resident set of the process or any child (GNU time `%M`, from the warm-up run). "time ÷ X's" is a variant's median
divided by X's median.

## Machine

| | |
|---|---|
| CPU | {m["cpu"]} |
| cores (`nproc`) | {m["nproc"]} |
| memory | {m["memory"]} |
| kernel | {m["kernel"]} |
| load average at start (1/5/15 min) | {load_start[0]:.2f} / {load_start[1]:.2f} / {load_start[2]:.2f} |
| load average at end | {load_end[0]:.2f} / {load_end[1]:.2f} / {load_end[2]:.2f} |

Load averages are given per workload: on {os.cpu_count()} cores a load above {os.cpu_count()} means runnable
processes waited for a CPU, so wall times carry that noise; the interleaving spreads it
over all variants alike, and the CPU column is less disturbed by it.

## Tool versions

| tool | version |
|---|---|
{chr(10).join(f"| {k} | {v} |" for k, v in b.versions())}

## Verdicts

| workload | goal | measured (medians) | verdict |
|---|---|---|---|
{verdict_rows}

## Peak memory of auto

| workload | max RSS |
|---|---:|
{chr(10).join(memory)}

{chr(10).join(r.sections)}
{analysis}
"""
    if args.into:
        doc = merged(open(args.out).read(), b, args.workloads, started, elapsed, load_start, load_end)
    with open(args.out, "w") as f:
        f.write(doc)
    log(f"wrote {args.out} ({elapsed / 60:.1f} min)")


def merged(existing, b, workloads, started, elapsed, load_start, load_end):
    """`existing` (a BENCHMARKS.md) with the verdict rows and sections of `workloads`
    replaced by this run's (added when new: rows after the last verdict row, sections
    after the last workload section) and a note of when and where they were measured."""
    names = {w.upper() for w in workloads}
    lines = existing.split("\n")
    rows = [f"| {w} | {goal} | {measured} | {'met' if met else '**missed**'} |" for w, goal, measured, met in b.report.verdicts]
    verdict_at = [i for i, line in enumerate(lines) if re.match(r"^\| P\d+ \| ", line)]
    kept = [i for i in verdict_at if lines[i].split("|")[1].strip() not in names]
    insert_at = (max(kept) + 1) if kept else verdict_at[0]
    lines = [line for i, line in enumerate(lines) if i not in verdict_at or i in kept]
    insert_at -= sum(1 for i in verdict_at if i < insert_at and i not in kept)
    lines[insert_at:insert_at] = rows
    text = "\n".join(lines)
    # Sections: "## Pn — ..." up to the next "## ".
    parts = re.split(r"(?m)^(?=## )", text)
    is_workload = lambda part, ws: re.match(r"## (P\d+) ", part) and re.match(r"## (P\d+) ", part).group(1) in ws  # noqa: E731
    m = b.machine()
    note = (f"*Measured {started:%Y-%m-%d %H:%M} UTC in {elapsed / 60:.1f} minutes (`bench/run.sh --into`, "
            f"with the other workloads' numbers left as they were), {sh(b.auto, '--version')} from commit "
            f"{sh('git', 'rev-parse', '--short', 'HEAD', cwd=REPO)}, {m['nproc']} cores, load average "
            f"{load_start[0]:.2f} at start, {load_end[0]:.2f} at end.*\n\n")
    new_sections = [s.replace("\n\n", "\n\n" + note, 1) for s in b.report.sections]
    parts = [p for p in parts if not is_workload(p, names)]
    last = max(i for i, p in enumerate(parts) if re.match(r"## P\d+ ", p))
    parts[last + 1:last + 1] = [s + "\n" for s in new_sections]
    text = "".join(parts)
    header = re.search(r"Workloads: ([^.]*)\.", text)
    if header:
        listed = [w.strip() for w in header.group(1).split(";")[0].split(",")]
        added = [w for w in sorted(names) if w not in listed]
        if added:
            text = text.replace(header.group(0), f"Workloads: {', '.join(listed)}; {', '.join(added)} measured "
                                                  f"later, in a run of {'its' if len(added) == 1 else 'their'} own "
                                                  f"(see {'its section' if len(added) == 1 else 'their sections'}).", 1)
    return text


if __name__ == "__main__":
    main()
