#!/usr/bin/env python3
"""Kafka-derived assignment cases through `kassign assign`, checked by the
team's acceptance checker (shared/acceptance/check.py, beside the clone).

    run_acceptance.py KASSIGN CASE_DIR [check.py options...]

Cases listed in tests/data/known-divergences.txt are where kassign's answer
differs from the exact assignment Kafka's test asserts, for the reason given
there. They are not excused: each must still pass every other check Kafka's
test asserts (but a check named by `except=` in the list, with its reason),
and an eager strategy's answer must be at least as good as Kafka's asserted
one on (balance, locality, moves), measured by `kassign check`. Exit 0 when everything passes, 1 otherwise, 77 (skipped)
when the checker is not there.
"""
import importlib.util
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def load_checker():
    path = os.environ.get("KA_CHECK_PY") or os.path.join(HERE, "..", "..", "shared", "acceptance",
                                                          "check.py")
    if not os.path.isfile(path):
        return None, path
    spec = importlib.util.spec_from_file_location("ka_check", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod, path


def divergences():
    out = {}
    with open(os.path.join(HERE, "data", "known-divergences.txt")) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                name, kind, reason = line.split(None, 2)
                exempt = set()
                if reason.startswith("except="):
                    first, reason = reason.split(None, 1)
                    exempt = set(first[len("except="):].split(","))
                out[name] = (kind, reason, exempt)
    return out


def figures(kassign, scenario, assignment):
    """(sum of squared loads, -local, moved) of an assignment document."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump({"assignment": assignment}, f)
        path = f.name
    try:
        res = subprocess.run([kassign, "check", "--json", scenario, path], capture_output=True,
                             text=True)
        doc = json.loads(res.stdout)
        return (doc["load_sum_of_squares"], -doc["local"], doc["moved"])
    finally:
        os.unlink(path)


def main():
    kassign, case_dir, opts = sys.argv[1], sys.argv[2], sys.argv[3:]
    check, path = load_checker()
    if check is None:
        print("acceptance checker not found at %s: skipped" % path)
        return 77
    known = divergences()
    remap = {}
    for i, o in enumerate(opts):
        if o == "--map":
            a, b = opts[i + 1].split("=", 1)
            remap[a] = b
    only = set()
    if "--only" in opts:
        only = set(opts[opts.index("--only") + 1].split(","))

    # Every case but the known divergences, through check.py as it is.
    cases = sorted(f[:-len(".expect.json")] for f in os.listdir(case_dir)
                   if f.endswith(".expect.json"))
    ours = [c for c in cases if c in known]
    with tempfile.TemporaryDirectory() as tmp:
        for c in cases:
            if c not in known:
                for ext in (".json", ".expect.json"):
                    os.symlink(os.path.join(os.path.abspath(case_dir), c + ext),
                               os.path.join(tmp, c + ext))
        cmd = [sys.executable, path, "--cmd", kassign + " assign --strategy {strategy} {scenario}"]
        rc = subprocess.run(cmd + opts + [tmp]).returncode

    # The known divergences: every other check, and never worse than Kafka.
    bad = 0
    for c in ours:
        scenario = os.path.join(case_dir, c + ".json")
        with open(os.path.join(case_dir, c + ".expect.json")) as f:
            expect = json.load(f)
        strategy = expect.get("strategy", "")
        if only and strategy not in only:
            continue
        strategy = remap.get(strategy, strategy)
        res = subprocess.run([kassign, "assign", "--strategy", strategy, scenario],
                             capture_output=True, text=True)
        kind, reason, exempt = known[c]
        errs = ["exit status %d" % res.returncode] if res.returncode else []
        if not errs:
            asg = json.loads(res.stdout)["assignment"]
            with open(scenario) as f:
                doc = json.load(f)
            rest = {k: v for k, v in expect.items() if k != "exact"}
            rest["checks"] = [x for x in rest.get("checks", [])
                              if (x if isinstance(x, str) else next(iter(x))) not in exempt]
            errs = check.evaluate(doc, rest, asg)
            if not errs and "exact" in expect and "cooperative" not in strategy:
                kafka, mine = figures(kassign, scenario, expect["exact"]), figures(
                    kassign, scenario, asg)
                if mine > kafka:
                    errs = ["worse than Kafka's asserted answer: %s vs %s" % (mine, kafka)]
                elif kind == "better" and mine == kafka:
                    errs = ["listed as better than Kafka, but equal: %s" % (mine,)]
        if errs:
            bad += 1
            print("FAIL %s (known divergence, %s): %s" % (c, kind, errs[0]))
        else:
            print("PASS %s (known divergence, %s: %s)" % (c, kind, reason))
    print("%d known divergences checked, %d failed" % (len(ours), bad))
    return 1 if rc or bad else 0


if __name__ == "__main__":
    sys.exit(main())
