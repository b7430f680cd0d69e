#!/usr/bin/python3
"""run_scripts.py - tests of scripts/compare and scripts/plot, one case a run.

    run_scripts.py SOURCE_DIR CASE [PROGRAM]

Cases derive their inputs from tests/data/results/bench-seed.json, a small
real kassign-bench run (4 points x 9 repetitions): slowed copies, quality
regressions, the sweep's shape of the same numbers, broken files. `bench`
and `kassign-sweep` run the kassign-bench or kassign given as PROGRAM and
read their output with both scripts. Exit 0 pass, 1 fail, 77 skip.
"""

import copy
import json
import os
import subprocess
import sys
import tempfile

SLOW_POINT = "assign/sticky/G-seed/homogeneous/churn-add"
FIGURES = ("partitions", "members", "ns_per_partition", "bytes_per_partition", "load_spread",
           "balanced", "moved", "moved_min", "moved_min_exact", "moved_opt", "local",
           "rack_known", "valid")


class Fail(Exception):
    pass


def check(cond, what, proc=None):
    if not cond:
        detail = ""
        if proc is not None:
            detail = "\n--- exit %d\n--- stdout\n%s--- stderr\n%s" % (
                proc.returncode, proc.stdout, proc.stderr)
        raise Fail(what + detail)


class Case:
    def __init__(self, src, tmp, bench=None):
        self.src = src
        self.tmp = tmp
        self.bench = bench
        self.compare = os.path.join(src, "scripts", "compare")
        self.plot = os.path.join(src, "scripts", "plot")
        self.base_path = os.path.join(src, "tests", "data", "results", "bench-seed.json")
        with open(self.base_path) as f:
            self.base = json.load(f)

    def write(self, name, data):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            if isinstance(data, str):
                f.write(data)
            else:
                json.dump(data, f)
        return path

    def run(self, tool, *args):
        p = subprocess.run([tool] + list(args), capture_output=True, text=True,
                           env=dict(os.environ, LC_ALL="C.UTF-8"))
        print("$ %s %s -> %d" % (os.path.basename(tool), " ".join(args), p.returncode))
        return p

    # -- derived inputs

    def scaled(self, factor, only=None):
        d = copy.deepcopy(self.base)
        for e in d["benchmarks"]:
            if only and e.get("run_name") != only:
                continue
            if e.get("aggregate_name") in ("cv",):
                continue
            for k in ("real_time", "cpu_time"):
                e[k] *= factor
        return d

    def with_figure(self, point, key, delta):
        d = copy.deepcopy(self.base)
        for e in d["benchmarks"]:
            if e.get("run_name") == point and e.get("aggregate_name") not in ("stddev", "cv"):
                e[key] += delta
        return d

    def sweep_shape(self, d=None, summary="1 package, 2 cores, 2 PUs"):
        """The same numbers as `kassign sweep` writes them (docs/results-format.md)."""
        d = copy.deepcopy(d or self.base)
        ctx = d["context"]
        k = {key[len("kassign_"):]: ctx.pop(key) for key in list(ctx) if key.startswith("kassign_")}
        k.update({"version": 1, "tool": "kassign sweep",
                  "topology": {"packages": 1, "cores": 2, "pus": 2, "numa_nodes": 1,
                               "caches": [], "summary": summary},
                  "cpus": [1], "threads": 1, "repetitions": 9, "warmup": 1, "seed": 1,
                  "overhead_ns": 20})
        ctx["kassign"] = k
        for e in d["benchmarks"]:
            f = e["run_name"].split("/")
            e.update({"strategy": f[1], "grid": f[2], "subs": f[3], "variant": f[4]})
            if e["run_type"] == "iteration":
                e["iterations"] = 1
        return d

    # -- cases

    def case_identical(self):
        p = self.run(self.compare, self.base_path, self.base_path)
        check(p.returncode == 0, "identical files must exit 0", p)
        check("verdict: ok, no regression in 4 points" in p.stdout, "verdict line", p)
        check(p.stdout.count(" ok") >= 4 and "REGRESSED" not in p.stdout, "every point ok", p)

    def case_slower(self):
        slow = self.write("slow.json", self.scaled(1.5))
        p = self.run(self.compare, self.base_path, slow)
        check(p.returncode == 1, "every median +50% (9 repetitions) must exit 1", p)
        for line in p.stdout.splitlines():
            if line.startswith("assign/"):
                check("REGRESSED: slower" in line and "1.500" in line,
                      "each point named slower with ratio 1.500: " + line, p)
        check("4 of 4 points regressed (4 slower" in p.stdout, "verdict counts", p)
        # Within the threshold: no regression.
        p = self.run(self.compare, "--threshold", "60", self.base_path, slow)
        check(p.returncode == 0, "+50% under a 60% threshold must exit 0", p)
        # One point only: that point is named, the others are not.
        one = self.write("one.json", self.scaled(1.5, only=SLOW_POINT))
        p = self.run(self.compare, self.base_path, one)
        check(p.returncode == 1, "one slower point must exit 1", p)
        bad = [ln for ln in p.stdout.splitlines() if "REGRESSED" in ln]
        check(len(bad) == 1 and bad[0].startswith(SLOW_POINT), "only %s regressed" % SLOW_POINT, p)
        check("1 of 4 points regressed" in p.stdout, "verdict names one point", p)

    def case_few_reps(self):
        def keep3(d):
            d["benchmarks"] = [e for e in d["benchmarks"]
                               if e.get("run_type") != "iteration" or e["repetition_index"] < 3]
            return d
        old = self.write("old3.json", keep3(copy.deepcopy(self.base)))
        new = self.write("new3.json", keep3(self.scaled(1.5)))
        p = self.run(self.compare, old, new)
        check(p.returncode == 1, "3 repetitions, +50%: ratio alone, exit 1", p)
        check("too few repetitions for a U test (3 vs 3)" in p.stdout, "says so", p)

    def case_quality(self):
        for key, delta, word in (("moved", 1, "movement"), ("load_spread", 1, "balance"),
                                 ("valid", -1, "invalid"), ("balanced", -1, "balanced")):
            f = self.write("q-%s.json" % key, self.with_figure(SLOW_POINT, key, delta))
            p = self.run(self.compare, self.base_path, f)
            check(p.returncode == 1, "%s %+d alone must exit 1" % (key, delta), p)
            bad = [ln for ln in p.stdout.splitlines() if "REGRESSED" in ln]
            check(len(bad) == 1 and bad[0].startswith(SLOW_POINT) and word in bad[0],
                  "%s named as %s" % (SLOW_POINT, word), p)
            check("→" in bad[0], "old→new shown", p)
        # Better quality is not a regression.
        f = self.write("q-better.json", self.with_figure(SLOW_POINT, "moved", -1))
        p = self.run(self.compare, self.base_path, f)
        check(p.returncode == 0, "fewer moves must exit 0", p)

    def case_only_one(self):
        d = copy.deepcopy(self.base)
        d["benchmarks"] = [e for e in d["benchmarks"] if e["run_name"] != SLOW_POINT]
        f = self.write("three.json", d)
        p = self.run(self.compare, self.base_path, f)
        check(p.returncode == 1 and "verdict: INCOMPLETE, 1 of the old file's" in p.stdout,
              "a point only in old makes the comparison incomplete, not ok", p)
        check("only in old (1, not compared)" in p.stdout and SLOW_POINT in p.stdout,
              "the point is listed", p)

    def case_sweep(self):
        sw = self.write("sweep.json", self.sweep_shape())
        p = self.run(self.compare, self.base_path, sw)
        check(p.returncode == 0, "bench vs sweep shape of the same numbers must exit 0", p)
        check("WARNING: different tools" in p.stdout, "mixed tools are said", p)
        other = self.write("sweep-other.json",
                           self.sweep_shape(summary="2 packages, 64 cores, 128 PUs"))
        p = self.run(self.compare, sw, other)
        check(p.returncode == 0, "other topology, same numbers: exit 0", p)
        check("WARNING: different topology" in p.stdout.split("\n\n")[0],
              "topology warning in the header", p)
        slow = self.write("sweep-slow.json", self.sweep_shape(self.scaled(1.5)))
        p = self.run(self.compare, sw, slow)
        check(p.returncode == 1, "sweep shape, +50%: exit 1", p)

    def case_json(self):
        out = os.path.join(self.tmp, "cmp.json")
        slow = self.write("slow.json", self.scaled(1.5, only=SLOW_POINT))
        p = self.run(self.compare, "--json", out, self.base_path, slow)
        check(p.returncode == 1, "exit 1", p)
        with open(out) as f:
            j = json.load(f)
        check(j["regressed"] == 1 and len(j["points"]) == 4, "JSON counts")
        pt = [x for x in j["points"] if x["name"] == SLOW_POINT][0]
        check(pt["regressions"] == ["slower"] and abs(pt["ratio"] - 1.5) < 1e-9
              and pt["pvalue"] < 0.05 and pt["utest"], "JSON point")

    def case_bad(self):
        base = self.base_path
        v2 = copy.deepcopy(self.base)
        v2["context"]["kassign_version"] = "2"
        sv2 = self.sweep_shape()
        sv2["context"]["kassign"]["version"] = 2
        fmt = copy.deepcopy(self.base)
        fmt["context"]["kassign_format"] = "something-else"
        cases = [
            (os.path.join(self.tmp, "missing.json"), "cannot read"),
            (self.tmp, "cannot read"),
            (self.write("text.json", "not json at all\n"), "not JSON"),
            (self.write("cut.json", json.dumps(self.base)[:500]), "not JSON"),
            (self.write("list.json", "[1, 2]"), "not a Google Benchmark result"),
            (self.write("other.json", '{"a": 1}'), "not a Google Benchmark result"),
            (self.write("v2.json", v2), "version 2; this tool reads version 1"),
            (self.write("sv2.json", sv2), "version 2; this tool reads version 1"),
            (self.write("fmt.json", fmt), "not 'kassign-result'"),
        ]
        for path, msg in cases:
            for tool, args in ((self.compare, [base, path]), (self.compare, [path, base]),
                               (self.plot, ["-o", self.tmp, path])):
                p = self.run(tool, *args)
                check(p.returncode == 2, "bad input %s must exit 2" % path, p)
                check(msg in p.stderr and path in p.stderr, "message names %s: %s" % (path, msg), p)
                check(p.stdout == "", "nothing on stdout", p)
        p = self.run(self.compare, base)
        check(p.returncode == 2 and "usage" in p.stderr, "usage error exits 2", p)

    def case_plot(self):
        out = os.path.join(self.tmp, "plots")
        slow = self.write("slow.json", self.scaled(1.5, only=SLOW_POINT))
        p = self.run(self.plot, "-o", out, self.base_path, "--compare", self.base_path, slow)
        check(p.returncode == 0, "plot exits 0", p)
        stems = ("latency-ns-per-partition", "latency-total", "balance", "movement", "compare")
        expected = [os.path.join(out, "%s.%s" % (s, ext)) for s in stems for ext in ("png", "svg")]
        check(sorted(p.stdout.split()) == sorted(expected), "paths printed", p)
        for path in expected:
            check(os.path.getsize(path) > 1000, "%s is not empty" % path)
            with open(path, "rb") as f:
                head = f.read(64)
            if path.endswith(".png"):
                check(head.startswith(b"\x89PNG\r\n\x1a\n"), "%s has the PNG magic" % path)
            else:
                check(b"<svg" in head or head.startswith(b"<?xml"), "%s is SVG" % path)
        # Default output directory: beside the first input.
        first = self.write("first.json", self.base)
        p = self.run(self.plot, first)
        check(p.returncode == 0 and os.path.join(self.tmp, "balance.png") in p.stdout.split(),
              "default directory is the first input's", p)

    def case_bench(self):
        if not self.bench:
            print("no kassign-bench given")
            return 77
        out = os.path.join(self.tmp, "bench.json")
        p = self.run(self.bench, "--benchmark_filter=assign/(range|sticky)/G-seed/homogeneous/"
                     "(fresh|churn-add)$", "--benchmark_repetitions=3",
                     "--benchmark_min_time=0.01", "--benchmark_out=" + out,
                     "--benchmark_out_format=json")
        check(p.returncode == 0, "kassign-bench runs", p)
        with open(out) as f:
            d = json.load(f)
        ctx = d["context"]
        for key in ("format", "version", "tool", "commit", "compiler", "flags", "build_type",
                    "kernel", "cpu_model"):
            check(isinstance(ctx.get("kassign_" + key), str), "context kassign_" + key)
        check(ctx["kassign_format"] == "kassign-result" and ctx["kassign_version"] == "1",
              "format and version")
        its = [e for e in d["benchmarks"] if e["run_type"] == "iteration"]
        aggs = {e["aggregate_name"] for e in d["benchmarks"] if e["run_type"] == "aggregate"}
        check(len(its) == 12, "4 points x 3 repetitions")
        check({"mean", "median", "stddev", "cv", "min", "max"} <= aggs, "aggregates %s" % aggs)
        for e in its:
            check(e["name"] == e["run_name"] and e["name"].count("/") == 4
                  and e["time_unit"] == "ns", "fixed name and unit: %s" % e["name"])
            for k in FIGURES:
                check(k in e, "%s has %s" % (e["name"], k))
            check(e["valid"] == 1, "valid")
        # ns_per_partition is timed apart from Google Benchmark's own loop, so
        # how close the two are depends on the machine's load: only its
        # presence as a positive time is checked here, not a ratio.
        for e in its:
            v = e["ns_per_partition"]
            check(isinstance(v, (int, float)) and v > 0 and v == v and v != float("inf"),
                  "%s: ns_per_partition %r is a positive time" % (e["name"], v))
        p = self.run(self.compare, out, out)
        check(p.returncode == 0, "its output compares with itself", p)
        p = self.run(self.plot, "-o", os.path.join(self.tmp, "bp"), out)
        check(p.returncode == 0, "and plots", p)
        return 0


    def case_kassign_sweep(self):
        if not self.bench:
            print("no kassign given")
            return 77
        out = os.path.join(self.tmp, "sweep.json")
        p = self.run(self.bench, "sweep", "--grid", "G-seed", "--strategy", "range",
                     "--strategy", "sticky", "--subs", "homogeneous", "--repetitions", "5",
                     "--quiet", "-o", out)
        check(p.returncode == 0, "kassign sweep runs", p)
        p = self.run(self.compare, out, out)
        check(p.returncode == 0 and "no regression in 10 points" in p.stdout,
              "a sweep file compares with itself", p)
        # The same figures under another tool's name: compared point by
        # point (no regression: exit 0), and the tools' difference said.
        with open(out) as f:
            doc = json.load(f)
        doc["context"]["kassign"]["tool"] = "kassign-bench"
        other = os.path.join(self.tmp, "sweep-as-bench.json")
        with open(other, "w") as f:
            json.dump(doc, f)
        p = self.run(self.compare, other, out)
        check(p.returncode == 0 and "no regression in 10 points" in p.stdout
              and "different tools: old kassign-bench, new kassign sweep" in p.stdout,
              "with a kassign-bench file: compared, tools said", p)
        p = self.run(self.plot, "-o", os.path.join(self.tmp, "sp"), out)
        check(p.returncode == 0, "and plots", p)
        return 0


def main(argv):
    if len(argv) < 2:
        print("usage: run_scripts.py SOURCE_DIR CASE [PROGRAM]", file=sys.stderr)
        return 2
    src, name = argv[0], argv[1]
    bench = argv[2] if len(argv) > 2 else None
    with tempfile.TemporaryDirectory(prefix="kassign-scripts-") as tmp:
        case = Case(src, tmp, bench)
        fn = getattr(case, "case_" + name.replace("-", "_"), None)
        if fn is None:
            print("unknown case %s" % name, file=sys.stderr)
            return 2
        try:
            rc = fn()
        except Fail as e:
            print("FAIL %s: %s" % (name, e))
            return 1
    print("PASS %s" % name if not rc else "SKIP %s" % name)
    return rc or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
