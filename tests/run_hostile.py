#!/usr/bin/python3
"""run_hostile.py - what kassign does with hostile surroundings and inputs,
one case a run.

    run_hostile.py SOURCE_DIR KASSIGN CASE

Cases:
  outputs    every command that writes -o FILE, against every kind of thing
             FILE can be: missing, a regular file (mode and, as root, owner
             kept), a symbolic link (followed, the link stays), a file with
             two hard links (written in place, both names see it), a FIFO,
             a directory, a link to nothing and, as root, character devices
             made here with mknod (a null and a full device: the full one
             fails with the path and "No space left on device", both stay
             devices). No temporary file is left behind.
  signals    SIGINT and SIGTERM stop a running sweep, report, simulate and
             probe promptly, by the signal, leaving no temporary file.
  race       two sweeps at once: with the default name both files are kept
             (the second under -2); with one -o FILE the later one is
             refused and its output kept, with a message saying where.

Exit 0 pass, 1 fail, 77 skip.
"""

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time

SRC, KASSIGN, CASE = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), sys.argv[3]
failures = []
passed = 0


def check(cond, what):
    global passed
    if cond:
        passed += 1
    else:
        failures.append(what)
        print("FAIL:", what, flush=True)


def run(args, cwd=None, timeout=120):
    """(exit status, stdout, stderr); status -1000 when it outlived timeout."""
    try:
        p = subprocess.run([KASSIGN] + args, cwd=cwd, capture_output=True, timeout=timeout,
                           stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return -1000, "", "(still running after %g s, killed)" % timeout
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def leftovers(d):
    return [n for n in os.listdir(d) if ".tmp-" in n]


def writers(d):
    """(name, argv with OUT for the output path, suffix the path needs)."""
    scen = os.path.join(d, "in-scenario.json")
    rc, _, err = run(["gen", "G-seed", "-o", scen])
    assert rc == 0, err
    run_file = os.path.join(SRC, "tests/data/run/small.json")
    describe = os.path.join(SRC, "tests/data/import/describe.txt")
    return [
        ("gen", ["gen", "G-seed", "-o", "OUT"], ""),
        ("assign", ["assign", "-s", "range", scen, "-o", "OUT"], ""),
        ("sweep", ["sweep", "-g", "2x2x2", "-s", "range", "--subs", "homogeneous",
                   "--variant", "fresh", "-n", "1", "--rounds", "1", "-q", "-o", "OUT"], ""),
        ("simulate", ["simulate", "--preset", "crash", "-o", "OUT"], ""),
        ("simulate-timeline", ["simulate", "--preset", "crash", "--format", "table",
                               "--timeline", "OUT"], ".svg"),
        ("size", ["size", "--partitions", "20", "--rate", "100", "--capacity", "50",
                  "-o", "OUT"], ""),
        ("import", ["import", describe, "-o", "OUT"], ""),
        ("timeline", ["timeline", run_file, "-o", "OUT"], ".svg"),
        ("report", ["report", run_file, "-o", "OUT"], ".html"),
    ]


def sub(argv, path):
    return [path if a == "OUT" else a for a in argv]


def case_outputs():
    root = os.geteuid() == 0
    with tempfile.TemporaryDirectory() as d:
        for name, argv, ext in writers(d):
            w = os.path.join(d, name)
            os.mkdir(w)
            what = lambda s: "%s: %s" % (name, s)

            # Missing: created with the umask's mode.
            new = os.path.join(w, "new" + ext)
            rc, out, err = run(sub(argv, new))
            check(rc == 0 and os.path.isfile(new) and os.path.getsize(new) > 0,
                  what("a new file is written (rc %d: %s)" % (rc, err)))
            good = open(new, "rb").read()

            # A regular file: replaced, its mode (and owner as root) kept.
            reg = os.path.join(w, "reg" + ext)
            with open(reg, "w") as f:
                f.write("old\n")
            os.chmod(reg, 0o640)
            if root:
                os.chown(reg, 1234, 5678)
            rc, _, err = run(sub(argv, reg))
            st = os.stat(reg)
            check(rc == 0 and open(reg, "rb").read() != b"old\n",
                  what("a regular file is replaced (%s)" % err))
            check(stat.S_IMODE(st.st_mode) == 0o640,
                  what("mode kept (%o)" % stat.S_IMODE(st.st_mode)))
            if root:
                check((st.st_uid, st.st_gid) == (1234, 5678),
                      what("owner kept (%d:%d)" % (st.st_uid, st.st_gid)))

            # A symbolic link: the link stays, its target gets the output.
            tgt = os.path.join(w, "target" + ext)
            with open(tgt, "w") as f:
                f.write("old\n")
            lnk = os.path.join(w, "link" + ext)
            os.symlink("target" + ext, lnk)
            rc, _, err = run(sub(argv, lnk))
            check(rc == 0 and os.path.islink(lnk) and os.readlink(lnk) == "target" + ext,
                  what("a symbolic link stays a link (%s)" % err))
            check(open(tgt, "rb").read() != b"old\n", what("the link's target is written"))

            # Hard links: both names see the new content, one inode.
            h1, h2 = os.path.join(w, "h1" + ext), os.path.join(w, "h2" + ext)
            with open(h1, "w") as f:
                f.write("old old old old old old old old old old\n" * 1000)
            os.link(h1, h2)
            ino = os.stat(h1).st_ino
            rc, _, err = run(sub(argv, h1))
            check(rc == 0 and os.stat(h1).st_ino == ino and os.stat(h2).st_ino == ino,
                  what("a hard-linked file keeps its inode (%s)" % err))
            check(open(h2, "rb").read() == open(h1, "rb").read() and
                  b"old old" not in open(h2, "rb").read(),
                  what("both hard links see the whole new output, no stale tail"))

            # A FIFO: written in place, read by a reader, still a FIFO.
            fifo = os.path.join(w, "fifo" + ext)
            os.mkfifo(fifo)
            reader = subprocess.Popen(["cat", fifo], stdout=subprocess.PIPE)
            rc, _, err = run(sub(argv, fifo))
            try:
                got = reader.communicate(timeout=20)[0]
            except subprocess.TimeoutExpired:  # the FIFO was replaced: no writer came
                reader.kill()
                reader.communicate()
                got = b""
            check(rc == 0 and stat.S_ISFIFO(os.lstat(fifo).st_mode) and len(got) > 0,
                  what("a FIFO is written through and stays a FIFO (%s)" % err))

            # A directory and a link to nothing: refused, exit 2, nothing on stdout.
            dd = os.path.join(w, "dir" + ext)
            os.mkdir(dd)
            rc, out, err = run(sub(argv, dd))
            check(rc == 2 and out == "" and "directory" in err and dd in err,
                  what("a directory is refused (rc %d: %s)" % (rc, err)))
            dang = os.path.join(w, "dangling" + ext)
            os.symlink("nowhere", dang)
            rc, out, err = run(sub(argv, dang))
            check(rc == 2 and out == "" and dang in err and os.path.islink(dang) and
                  not os.path.exists(os.path.join(w, "nowhere")),
                  what("a link to nothing is refused (rc %d: %s)" % (rc, err)))

            # Devices, made here (never the machine's own /dev/null).
            if root:
                null = os.path.join(w, "null" + ext)
                full = os.path.join(w, "full" + ext)
                os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
                os.mknod(full, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
                rc, _, err = run(sub(argv, null))
                check(rc == 0 and stat.S_ISCHR(os.lstat(null).st_mode),
                      what("a null device is written and stays a device (rc %d: %s)"
                           % (rc, err)))
                rc, out, err = run(sub(argv, full))
                check(rc != 0 and stat.S_ISCHR(os.lstat(full).st_mode),
                      what("a full device fails and stays a device (rc %d)" % rc))
                check(full in err and "No space left on device" in err,
                      what("the full device's message names the path and ENOSPC: " + err))
                # Through a symbolic link to a device too.
                ln = os.path.join(w, "to-null" + ext)
                os.symlink(null, ln)
                rc, _, err = run(sub(argv, ln))
                check(rc == 0 and os.path.islink(ln) and stat.S_ISCHR(os.lstat(null).st_mode),
                      what("a link to a device stays a link to a device (%s)" % err))
            check(leftovers(w) == [], what("no temporary file left: %s" % leftovers(w)))
            del good
        if not root:
            print("note: not root, device cases skipped")


def start(args, cwd, env=None):
    return subprocess.Popen([KASSIGN] + args, cwd=cwd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=dict(os.environ, **env) if env else None)


def wait_for(cond, limit):
    end = time.time() + limit
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.05)
    return False


def case_signals():
    with tempfile.TemporaryDirectory() as d:
        long_plan = os.path.join(d, "long.json")
        # A long simulated run (many members, a long rolling restart): long to
        # simulate and large to draw.
        plan = {"kassign_plan": 1, "name": "long",
                "group": {"members": 2000, "topics": [{"name": "t0", "partitions": 20000}]},
                "protocol": "eager", "strategy": "range",
                "events": [{"at_ms": 60000, "type": "rolling-restart", "count": 2000,
                            "gap_ms": 1000, "stop": "kill"}]}
        with open(long_plan, "w") as f:
            json.dump(plan, f)
        jobs = [
            ("sweep", ["sweep", "-g", "G-10k", "-n", "500", "-q", "-o", "out.json"], True),
            # Counts: the valgrind child and its folder (under TMPDIR, here the
            # work folder) go too.
            ("sweep-counts", ["sweep", "--measure", "counts", "-g", "G-1k", "-q", "-o",
                              "out.json"], True),
            ("simulate", ["simulate", long_plan, "-o", "out.json"], False),
            ("probe", ["probe", "--preset", "rolling-10-dynamic", "-o", "out.json"], False),
        ]
        # A script's background job starts with SIGINT ignored: kill -INT
        # must stop it all the same.
        old = signal.signal(signal.SIGINT, signal.SIG_IGN)
        for sig in (signal.SIGINT, signal.SIGTERM):
            for name, args, tmp_first in jobs:
                w = os.path.join(d, "%s-%d" % (name, sig))
                os.mkdir(w)
                if name == "sweep-counts" and not shutil.which("valgrind"):
                    continue
                p = start(args, w, {"TMPDIR": w})
                # Wait until the output is being written (or a moment for probe).
                if tmp_first:
                    ok = wait_for(lambda: leftovers(w) or p.poll() is not None, 60)
                else:
                    time.sleep(2)
                    ok = p.poll() is None
                if not ok or p.poll() is not None:
                    check(False, "%s: did not get to run long enough to be interrupted (rc %s)"
                          % (name, p.poll()))
                    continue
                t0 = time.time()
                p.send_signal(sig)
                try:
                    p.communicate(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.communicate()
                    check(False, "%s: still running 10 s after signal %d" % (name, sig))
                    continue
                check(p.returncode == -sig,
                      "%s: killed by signal %d (rc %d) in %.1f s" %
                      (name, sig, p.returncode, time.time() - t0))
                left = leftovers(w) + [n for n in os.listdir(w) if n.startswith("kassign-")]
                check(left == [] and not os.path.exists(os.path.join(w, "out.json")),
                      "%s: nothing left after signal %d: %s" % (name, sig, os.listdir(w)))
        signal.signal(signal.SIGINT, old)


def case_race():
    with tempfile.TemporaryDirectory() as d:
        args = ["sweep", "-g", "G-10k", "-s", "range", "-s", "roundrobin", "-n", "3",
                "--rounds", "1", "-q"]
        a, b = start(args, d), start(args, d)
        oa, ea = a.communicate(timeout=300)
        ob, eb = b.communicate(timeout=300)
        names = sorted(n for n in os.listdir(os.path.join(d, "results")))
        check(a.returncode == 0 and b.returncode == 0,
              "default names: both sweeps succeed (%d %d: %s %s)" %
              (a.returncode, b.returncode, ea, eb))
        check(len(names) == 2 and sorted([oa.decode().strip(), ob.decode().strip()]) ==
              ["results/" + n for n in names],
              "default names: two files, each printed by its sweep: %s %s %s" % (names, oa, ob))
        check(leftovers(os.path.join(d, "results")) == [], "default names: no temporary file")

        a = start(args + ["-o", "same.json"], d)
        time.sleep(0.3)
        b = start(args + ["-o", "same.json"], d)
        oa, ea = a.communicate(timeout=300)
        ob, eb = b.communicate(timeout=300)
        rcs = sorted([a.returncode, b.returncode])
        errs = ea.decode() + eb.decode()
        kept = leftovers(d)
        check(rcs[0] == 0 and rcs[1] != 0,
              "one -o: one sweep succeeds, the other is refused (%s: %s)" % (rcs, errs))
        check("another program" in errs and len(kept) == 1 and kept[0] in errs,
              "one -o: the refused sweep says where its output is: %s %s" % (errs, kept))
        for k in kept:
            json.load(open(os.path.join(d, k)))


def case_stdout():
    """Exit 0 only when what went to stdout got there."""
    if not os.path.exists("/dev/full"):
        print("skip: no /dev/full")
        sys.exit(77)
    for args in (["list"], ["simulate", "--list-presets"], ["--help"], ["gen", "G-seed"],
                 ["sweep", "-g", "2x2x2", "-s", "range", "--format", "table", "-n", "1",
                  "--rounds", "1", "-q"]):
        with open("/dev/full", "w") as full:
            p = subprocess.run([KASSIGN] + args, stdout=full, stderr=subprocess.PIPE,
                               stdin=subprocess.DEVNULL, timeout=60)
        err = p.stderr.decode()
        check(p.returncode == 2 and "No space left on device" in err and
              "standard output" in err,
              "%s to a full stdout: exit 2 with a message (rc %d: %s)" %
              (" ".join(args), p.returncode, err))


def refused(args, needle, what, cwd=None, timeout=60):
    """Exit 2, nothing on stdout, a message with needle, no file left."""
    t0 = time.time()
    rc, out, err = run(args, cwd=cwd, timeout=timeout)
    check(rc == 2 and out == "" and needle in err,
          "%s: exit 2 with '%s' (rc %d in %.1f s: %s)" % (what, needle, rc, time.time() - t0,
                                                          err.strip()[:300]))
    return err


def case_limits():
    """Sizes past the model's limits refused up front; bounds consistent."""
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "x.json")
        # The sweep says so before it runs or writes anything.
        refused(["sweep", "--grid", "100000x1000x10000", "-s", "range", "-q", "-o", out],
                "KA_MAX_MEMBERS", "sweep of 100000 members with churn-add")
        check(not os.path.exists(out) and leftovers(d) == [], "sweep: no file written")
        # 100,000 members is the model's limit, for gen as for scenario files;
        # churn-add's extra member is what goes past it.
        rc, _, err = run(["gen", "100000x1x1", "-o", out])
        check(rc == 0, "gen: 100000 members is within the limit (%s)" % err)
        rc, _, err = run(["assign", "-s", "range", out, "-o", os.devnull])
        check(rc == 0, "assign reads what gen wrote at the member limit (%s)" % err)
        refused(["gen", "100000x1x1", "--variant", "churn-add", "--strategy", "range"],
                "churn-add", "gen churn-add at the member limit")
        # Racks: the replica count is bounded before anything is allocated.
        refused(["gen", "G-10k", "--variant", "racks", "--racks", "65535",
                 "--replication", "65535"], "replicas", "gen with 65535 racks and replicas",
                timeout=10)
        # The variant is named for the replication the group has.
        rc, o, err = run(["sweep", "-g", "G-seed", "-s", "range", "--variant", "racks",
                          "--racks", "3", "--replication", "5", "-n", "1", "--rounds", "1",
                          "-q", "-o", "-"])
        names = {b["name"] for b in json.loads(o)["benchmarks"]} if rc == 0 else set()
        check("assign/range/G-seed/homogeneous/racks" in names and
              not any("rf5" in n for n in names),
              "racks 3, replication 5 is named as rf3, the default: %s" % sorted(names)[:2])
        rc, o, err = run(["sweep", "-g", "G-seed", "-s", "range", "--variant", "racks",
                          "--racks", "5", "--replication", "5", "-n", "1", "--rounds", "1",
                          "-q", "-o", "-"])
        check(rc == 0 and "racks-5racks-rf5" in o, "racks 5, replication 5 is rf5")
        # A plan with no member to copy for a join: refused, not a crash.
        refused(["simulate", "--preset", "scale-out", "--members", "0"],
                "0 members", "simulate scale-out with 0 members")
        plan = os.path.join(d, "plan.json")
        with open(plan, "w") as f:
            json.dump({"kassign_plan": 1, "group": {"members": 0, "topics": [
                {"name": "t", "partitions": 4}]}, "events": [
                {"at_ms": 1000, "type": "join", "count": 2}]}, f)
        refused(["simulate", plan], "0 members", "a plan joining members to an empty group")
        # A run file that says it lasts 1e15 ms: refused at once, not drawn
        # for ever.
        with open(os.path.join(SRC, "tests/data/run/small.json")) as f:
            run_doc = json.load(f)
        for dur, ok in ((1e15, False), (9e11, True)):
            run_doc["summary"]["duration_ms"] = dur
            rf = os.path.join(d, "run-%g.json" % dur)
            with open(rf, "w") as f:
                json.dump(run_doc, f)
            for cmd, ext in (("timeline", ".svg"), ("report", ".html")):
                o = os.path.join(d, "out-%g%s" % (dur, ext))
                if ok:
                    rc, _, err = run([cmd, rf, "-o", o], timeout=30)
                    size = os.path.getsize(o) if os.path.exists(o) else -1
                    check(rc == 0 and 0 < size < 5e6,
                          "%s of a %g ms run: drawn, %d bytes (%s)" % (cmd, dur, size, err))
                else:
                    refused([cmd, rf, "-o", o], "duration_ms", "%s of a %g ms run" % (cmd, dur),
                            timeout=30)


def case_patterns():
    """Patterns that would take gigabytes or minutes: refused with the rule and place."""
    with tempfile.TemporaryDirectory() as d:
        scen = os.path.join(d, "p.json")

        def with_pattern(p):
            with open(scen, "w") as f:
                json.dump({"topics": [{"name": "a" * 100, "partitions": 1},
                                      {"name": "orders.eu", "partitions": 2}],
                           "members": [{"member_id": "m", "topics": {"pattern": p}}]}, f)
            return run(["assign", "-s", "range", scen], timeout=20)

        for p, rule, col in ((".*" + "+" * 30, "expand past", None),
                             ("((((a{1,255}){1,255}){1,255}){1,255})", "expand past", None),
                             ("(a{1,100}){1,100}", "expand past", None),
                             ("(a*)(a*)(a*)\\3\\2\\1b".replace("\\\\", "\\"),
                              "backreferences", 13),
                             ("(" * 100 + "a" + ")" * 100, "nest", 65),
                             ("a" * 5000, "bytes long", 1)):
            t0 = time.time()
            rc, out, err = with_pattern(p)
            check(rc == 2 and out == "" and rule in err and "members[0].topics.pattern" in err
                  and time.time() - t0 < 5,
                  "pattern %.40s: refused with '%s' (rc %d in %.1f s: %s)" %
                  (p, rule, rc, time.time() - t0, err.strip()[:200]))
            if col:
                check("at byte %d:" % col in err, "pattern %.40s: at byte %d: %s" % (p, col, err))
        # Within the limits, what real subscriptions use still works.
        for p in (".*", "orders\\.(eu|us)", "a{1,100}", "(a|b){1,20}.*", "a*?", "[]a]*"):
            p = p.replace("\\\\", "\\")
            rc, out, err = with_pattern(p)
            check(rc == 0, "pattern %s is accepted (rc %d: %s)" % (p, rc, err))


def case_check():
    """check reads whose rules apply from the assignment's own "strategy"."""
    with tempfile.TemporaryDirectory() as d:
        scen, asg = os.path.join(d, "s.json"), os.path.join(d, "a.json")
        rc, _, err = run(["gen", "G-1k", "--variant", "churn-add", "--strategy",
                          "cooperative-sticky", "-o", scen])
        rc2, _, err2 = run(["assign", "-s", "cooperative-sticky", scen, "-o", asg])
        check(rc == 0 and rc2 == 0, "gen and assign (%s %s)" % (err, err2))
        doc = json.load(open(asg))
        withheld = doc["strategy"] == "cooperative-sticky"
        rc, out, err = run(["check", scen, asg])
        check(rc == 0 and withheld, "a cooperative round checks clean by its own strategy "
              "(rc %d: %s)" % (rc, err.strip()[:300]))
        # The same round judged as a plain assignment does have unassigned
        # partitions: the strategy's rule is what made the difference.
        rc, out, err = run(["check", "-s", "range", scen, asg])
        check(rc == 1 and "unassigned" in out + err,
              "judged by range's rules the round has unassigned partitions (rc %d)" % rc)
        for bad, needle in (("nope", "unknown strategy"), (5, "must be a string")):
            doc["strategy"] = bad
            other = os.path.join(d, "bad.json")
            with open(other, "w") as f:
                json.dump(doc, f)
            refused(["check", scen, other], needle, "an assignment with strategy %r" % bad)


def case_compare():
    """scripts/compare never says ok for a new file that cannot stand for the old."""
    import copy
    compare = os.path.join(SRC, "scripts", "compare")
    base_path = os.path.join(SRC, "tests", "data", "results", "bench-seed.json")
    base = json.load(open(base_path))
    names = sorted({e["run_name"] for e in base["benchmarks"]})
    with tempfile.TemporaryDirectory() as d:
        def cmp(doc, tag):
            f = os.path.join(d, tag + ".json")
            with open(f, "w") as fh:
                fh.write(json.dumps(doc))  # NaN written as NaN, as Python does
            p = subprocess.run([compare, base_path, f], capture_output=True,
                               text=True, timeout=120)
            return p.returncode, p.stdout, p.stderr

        rc, out, err = cmp(base, "same")
        check(rc == 0 and "verdict: ok" in out, "the same file: ok (rc %d: %s)" % (rc, err))
        empty = copy.deepcopy(base)
        empty["benchmarks"] = []
        rc, out, err = cmp(empty, "empty")
        check(rc != 0 and "verdict: ok" not in out, "no points: not ok (rc %d: %s)" % (rc, out[-200:]))
        other = copy.deepcopy(base)
        for e in other["benchmarks"]:
            for k in ("name", "run_name"):
                e[k] = e[k].replace("/", "/other-", 1)
        rc, out, err = cmp(other, "other")
        check(rc == 1 and "INCOMPLETE" in out and "no point in common" in out,
              "only other points: incomplete (rc %d: %s)" % (rc, out[-200:]))
        few = copy.deepcopy(base)
        keep = set(names[:1])
        few["benchmarks"] = [e for e in few["benchmarks"] if e["run_name"] in keep]
        rc, out, err = cmp(few, "few")
        check(rc == 1 and "INCOMPLETE" in out and
              "%d of the old file's %d points missing" % (len(names) - 1, len(names)) in out,
              "1 of %d points: incomplete (rc %d: %s)" % (len(names), rc, out[-200:]))
        nan = copy.deepcopy(base)
        for e in nan["benchmarks"]:
            if "real_time" in e:
                e["real_time"] = float("nan")
        rc, out, err = cmp(nan, "nan")
        check(rc == 2 and out == "" and "not a finite time" in err,
              "NaN times: exit 2 with a message (rc %d: %s)" % (rc, err[-200:]))


def case_messages():
    """One message form for every command (docs/cli.md), columns 1-based."""
    import re
    with tempfile.TemporaryDirectory() as d:
        bad = os.path.join(d, "bad.json")
        with open(bad, "w") as f:
            f.write('{"a": \n  x}')
        empty = os.path.join(d, "empty.json")
        open(empty, "w").close()
        adir = os.path.join(d, "adir")
        os.mkdir(adir)
        cmds = [("assign", ["-s", "range", "IN"]), ("check", ["IN", "IN"]),
                ("simulate", ["IN"]), ("timeline", ["IN", "-o", os.path.join(d, "x.svg")]),
                ("report", ["IN", "-o", os.path.join(d, "x.html")]), ("probe", ["IN"]),
                ("size", ["--scenario", "IN", "--rate", "1", "--capacity", "1"])]
        for name, args in cmds:
            for path, want in ((bad, r"%s:2:3: error: invalid JSON: " % re.escape(bad)),
                               (empty, r"%s:1:[1-9][0-9]*: error: invalid JSON: " % re.escape(empty)),
                               (adir, r"%s: error: cannot read: Is a directory" % re.escape(adir))):
                rc, out, err = run([name] + [path if a == "IN" else a for a in args])
                first = err.splitlines()[0] if err else ""
                check(rc == 2 and out == "" and
                      re.match(r"kassign %s: %s" % (name, want), first) is not None,
                      "%s %s: one form (rc %d: %s)" % (name, os.path.basename(path), rc, first))
        # A partition out of range names the range there is.
        with open(os.path.join(SRC, "tests/data/run/small.json")) as f:
            doc = json.load(f)
        topic = doc["ownership"][0]["topic"]
        parts = [t["partitions"] for t in doc["topics"] if t["name"] == topic][0]
        doc["ownership"][0]["partition"] = parts
        rf = os.path.join(d, "run.json")
        with open(rf, "w") as f:
            json.dump(doc, f)
        rc, out, err = run(["timeline", rf, "-o", os.path.join(d, "y.svg")])
        check(rc == 2 and "0..%d)" % (parts - 1) in err,
              "partition %d of %d: range 0..%d (%s)" % (parts, parts, parts - 1, err.strip()))


def case_import():
    """import: a BOM is not part of the header; bad UTF-8 is blamed on its listing."""
    describe = os.path.join(SRC, "tests/data/import/describe.txt")
    members = os.path.join(SRC, "tests/data/import/members.txt")
    raw = open(describe, "rb").read()
    with tempfile.TemporaryDirectory() as d:
        bom = os.path.join(d, "bom.txt")
        with open(bom, "wb") as f:
            f.write(b"\xef\xbb\xbf" + raw)
        rc, out, err = run(["import", bom])
        rc0, out0, _ = run(["import", describe])
        check(rc == 0 and out == out0, "a listing with a BOM imports as without (rc %d: %s)"
              % (rc, err.strip()[:200]))
        lines = raw.split(b"\n")
        i = next(k for k, l in enumerate(lines) if b"consumer-" in l)
        col = lines[i].index(b"consumer-") + len(b"consumer-") + 1
        lines[i] = lines[i].replace(b"consumer-", b"consumer-\xff", 1)
        bad = os.path.join(d, "bad.txt")
        with open(bad, "wb") as f:
            f.write(b"\n".join(lines))
        outp = os.path.join(d, "out.json")
        for args in (["import", bad, "-o", outp], ["import", members, "--members", bad, "-o", outp]):
            rc, out, err = run(args)
            check(rc == 2 and "%s:%d: error: column %d: byte 0xff is not valid UTF-8" %
                  (bad, i + 1, col) in err and outp not in err and not os.path.exists(outp),
                  "invalid UTF-8 blamed on its listing and place (rc %d: %s)" % (rc, err.strip()[:300]))


def case_calibrate():
    """scripts/calibrate: bad options are one message and exit 2, no traceback,
    and nothing is written into the current directory."""
    cal = os.path.join(SRC, "scripts", "calibrate")
    with tempfile.TemporaryDirectory() as d:
        for args, needle in ((["--sizes", "abc"], "--sizes"), (["--heartbeat", "0"], "--heartbeat"),
                             (["--kassign", "/nonexistent"], "--kassign"),
                             (["--plot", "/nonexistent/x.png"], "--plot"),
                             (["--repeat", "0"], "--repeat")):
            full = ["--kassign", KASSIGN] + args if "--kassign" not in args else args
            p = subprocess.run([cal] + full, cwd=d, capture_output=True, text=True, timeout=60)
            check(p.returncode == 2 and needle in p.stderr and "Traceback" not in p.stderr
                  and os.listdir(d) == [],
                  "calibrate %s: exit 2, one message (rc %d: %s)" %
                  (" ".join(args), p.returncode, p.stderr.strip()[-200:]))


def case_plot():
    """scripts/plot: a missing parent folder is an error, not created; NaN
    times are one message, exit 2, and leave no folder behind."""
    plot = os.path.join(SRC, "scripts", "plot")
    base = os.path.join(SRC, "tests", "data", "results", "bench-seed.json")
    with tempfile.TemporaryDirectory() as d:
        missing = os.path.join(d, "no", "such", "dir")
        p = subprocess.run([plot, "-o", missing, base], capture_output=True, text=True,
                           timeout=120)
        check(p.returncode == 2 and "does not exist" in p.stderr and
              not os.path.exists(os.path.join(d, "no")),
              "plot -o under a missing folder: exit 2, nothing made (rc %d: %s)"
              % (p.returncode, p.stderr.strip()[-200:]))
        doc = json.load(open(base))
        for e in doc["benchmarks"]:
            if "real_time" in e:
                e["real_time"] = float("nan")
        nan = os.path.join(d, "nan.json")
        with open(nan, "w") as f:
            f.write(json.dumps(doc))
        out = os.path.join(d, "charts")
        p = subprocess.run([plot, "-o", out, nan], capture_output=True, text=True, timeout=120)
        check(p.returncode == 2 and "Traceback" not in p.stderr and "not a finite" in p.stderr
              and not os.path.exists(out),
              "plot of NaN times: exit 2, one message, no folder (rc %d: %s)"
              % (p.returncode, p.stderr.strip()[-200:]))


CASES = {"outputs": case_outputs, "limits": case_limits, "patterns": case_patterns,
         "plot": case_plot,
         "calibrate": case_calibrate,
         "import": case_import,
         "messages": case_messages,
         "compare": case_compare,
         "check": case_check, "stdout": case_stdout, "signals": case_signals, "race": case_race}

if __name__ == "__main__":
    if CASE not in CASES:
        print("unknown case", CASE)
        sys.exit(2)
    CASES[CASE]()
    print("%s: %d passed, %d failed" % (CASE, passed, len(failures)))
    sys.exit(1 if failures else 0)
