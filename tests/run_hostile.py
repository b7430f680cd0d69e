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
    p = subprocess.run([KASSIGN] + args, cwd=cwd, capture_output=True, timeout=timeout,
                       stdin=subprocess.DEVNULL)
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


def start(args, cwd):
    return subprocess.Popen([KASSIGN] + args, cwd=cwd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


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
                p = start(args, w)
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
                check(leftovers(w) == [] and not os.path.exists(os.path.join(w, "out.json")),
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


CASES = {"outputs": case_outputs, "stdout": case_stdout, "signals": case_signals, "race": case_race}

if __name__ == "__main__":
    if CASE not in CASES:
        print("unknown case", CASE)
        sys.exit(2)
    CASES[CASE]()
    print("%s: %d passed, %d failed" % (CASE, passed, len(failures)))
    sys.exit(1 if failures else 0)
