#!/usr/bin/python3
"""run_counts.py - tests of counts in result files, one case a run.

    run_counts.py SOURCE_DIR CASE [KASSIGN [KASSIGN_BENCH]]

`compare`: scripts/compare on tests/data/results/counts-seed.json, a real
`kassign sweep --measure counts` run (4 G-seed points, 5 repetitions), and on
copies of it with more instructions, more misses, slower wall time, another
compiler, or no counts: the verdict follows the counts when both files carry
them, and the wall-time rule otherwise. `novalgrind`: the sweep and the bench
asked for counts without valgrind stop with exit 2, a message naming valgrind
and nothing written. Exit 0 pass, 1 fail, 77 skip.
"""

import copy
import json
import os
import subprocess
import sys
import tempfile

POINT = "assign/sticky/G-seed/homogeneous/churn-add"


class Fail(Exception):
    pass


def check(cond, what, proc=None):
    if not cond:
        detail = ""
        if proc is not None:
            detail = "\n--- exit %d\n--- stdout\n%s--- stderr\n%s" % (
                proc.returncode, proc.stdout, proc.stderr)
        raise Fail(what + detail)


def run(*args, env=None):
    return subprocess.run(list(args), capture_output=True, text=True, env=env, timeout=600)


def scaled(data, point, key, factor):
    """A copy with `key` of every entry of `point` multiplied by factor."""
    d = copy.deepcopy(data)
    for e in d["benchmarks"]:
        if e.get("run_name") == point and key in e:
            e[key] = type(e[key])(round(e[key] * factor)) if key != "real_time" \
                else e[key] * factor
            if key == "instructions":
                # estimated_cycles follows: instructions + 10 L1m + 100 LLm
                e["estimated_cycles"] = (e["instructions"] + 10 * e["l1_misses"]
                                         + 100 * e["ll_misses"])
    return d


def case_compare(src, tmp):
    compare = os.path.join(src, "scripts", "compare")
    base_path = os.path.join(src, "tests", "data", "results", "counts-seed.json")
    with open(base_path) as f:
        base = json.load(f)

    def write(name, data):
        path = os.path.join(tmp, name)
        with open(path, "w") as f:
            json.dump(data, f)
        return path

    def verdict_of(out, name):
        for line in out.splitlines():
            if line.startswith(name + " "):
                return line
        return ""

    p = run(compare, base_path, base_path)
    check(p.returncode == 0, "a counts file compares with itself", p)
    check("rule: instructions or estimated cycles" in p.stdout, "the counts rule is stated", p)
    check("instr_old" in p.stdout and "cycles" in p.stdout, "the table shows the counts", p)

    # 2 % more instructions on one point: that point alone regresses.
    more = write("more.json", scaled(base, POINT, "instructions", 1.02))
    p = run(compare, "--json", os.path.join(tmp, "more-cmp.json"), base_path, more)
    check(p.returncode == 1, "2 % more instructions is a regression", p)
    check("REGRESSED: instructions" in verdict_of(p.stdout, POINT), "named on its row", p)
    check("1 of 4 points regressed (1 slower by counts" in p.stdout, "verdict counts it", p)
    with open(os.path.join(tmp, "more-cmp.json")) as f:
        j = json.load(f)
    row = [x for x in j["points"] if x["name"] == POINT][0]
    check(j["by_counts"] and abs(row["counts"]["instructions"]["ratio"] - 1.02) < 0.002,
          "the JSON carries the ratio")

    # Half a percent: within the default 1 %, past --counts-threshold 0.25.
    little = write("little.json", scaled(base, POINT, "instructions", 1.005))
    p = run(compare, base_path, little)
    check(p.returncode == 0, "0.5 % is within the default threshold", p)
    p = run(compare, "--counts-threshold", "0.25", base_path, little)
    check(p.returncode == 1 and "REGRESSED" in verdict_of(p.stdout, POINT),
          "and past --counts-threshold 0.25", p)

    # Misses alone: estimated cycles judge them.
    d = copy.deepcopy(base)
    for e in d["benchmarks"]:
        if e.get("run_name") == POINT:
            e["ll_misses"] += 10
            e["estimated_cycles"] += 1000
    p = run(compare, base_path, write("misses.json", d))
    check(p.returncode == 1 and "est. cycles" in verdict_of(p.stdout, POINT),
          "more misses regress by estimated cycles", p)

    # The wall time 3x slower with the same counts: not judged.
    slow = write("slow.json", scaled(base, POINT, "real_time", 3.0))
    p = run(compare, base_path, slow)
    check(p.returncode == 0, "wall time is shown, not judged, when counts are there", p)

    # Without counts in one file, the wall-time rule is back.
    d = copy.deepcopy(scaled(base, POINT, "real_time", 3.0))
    for e in d["benchmarks"]:
        for k in ("instructions", "estimated_cycles", "l1_misses", "ll_misses"):
            e.pop(k, None)
    p = run(compare, base_path, write("nocounts.json", d))
    check("U test" in p.stdout and p.returncode == 1
          and "slower" in verdict_of(p.stdout, POINT), "wall time judged without counts", p)

    # Another compiler: said in a warning.
    d = copy.deepcopy(base)
    d["context"]["kassign"]["compiler"] = "GNU 99.0.0"
    p = run(compare, base_path, write("cc.json", d))
    check(p.returncode == 0 and "counts taken with another compiler" in p.stdout,
          "another compiler is warned about", p)
    return 0


def case_novalgrind(src, tmp, kassign, bench):
    if not kassign:
        print("no kassign given")
        return 77
    env = dict(os.environ, KASSIGN_VALGRIND=os.path.join(tmp, "no-valgrind"))
    out = os.path.join(tmp, "r.json")
    p = run(kassign, "sweep", "--measure", "counts", "--grid", "G-seed", "--strategy",
            "range", "-o", out, env=env)
    check(p.returncode == 2, "sweep --measure counts without valgrind: exit 2", p)
    check("valgrind" in p.stderr and p.stdout == "", "a message, nothing on stdout", p)
    check(not os.path.exists(out), "no file written", p)
    check(len([x for x in p.stderr.splitlines() if x.strip()]) == 1, "one line", p)
    p = run(kassign, "sweep", "--measure", "cycles", "--grid", "G-seed", env=env)
    check(p.returncode == 2 and "--measure: unknown measure 'cycles'" in p.stderr,
          "an unknown measure is a usage error", p)
    if bench:
        env["KASSIGN_MEASURE"] = "counts"
        p = run(bench, "--benchmark_filter=G-seed", env=env)
        check(p.returncode == 2 and "valgrind" in p.stderr and p.stdout == "",
              "kassign-bench with KASSIGN_MEASURE=counts without valgrind: exit 2", p)
    return 0


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    src, case = argv[0], argv[1]
    kassign = argv[2] if len(argv) > 2 else None
    bench = argv[3] if len(argv) > 3 else None
    with tempfile.TemporaryDirectory(prefix="kassign-counts-test.") as tmp:
        try:
            if case == "compare":
                return case_compare(src, tmp)
            if case == "novalgrind":
                return case_novalgrind(src, tmp, kassign, bench)
            print("unknown case %s" % case, file=sys.stderr)
            return 2
        except Fail as e:
            print("FAIL: %s" % e)
            return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
