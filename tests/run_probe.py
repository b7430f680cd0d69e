#!/usr/bin/python3
"""run_probe.py - `kassign probe` against librdkafka's mock cluster, one case a run.

    run_probe.py KASSIGN CASE [PROBE_MOCK]
                                     CASE: range, roundrobin, cooperative-sticky, bad,
                                     bootstrap

The strategy cases are the conformance test: GROUPS random small groups
(2-6 consumers, 1-3 topics of 1-6 partitions, random subscriptions, one
random join, leave or crash) run through the probe, all at once (each
probe mostly waits on the mock's fixed join phase). Then:
  - range, roundrobin: the group as it ended (the member ids the
    coordinator handed out, their subscriptions) goes to `kassign assign`,
    whose answer must equal what the real consumers ended up owning. The
    comparison is shown to be able to fail: where the other deterministic
    strategy gives a different answer on the same group, it must be told
    apart;
  - cooperative-sticky: no partition was ever given to a member while
    another held it, every round settled with every partition owned, and
    `kassign check` finds the final assignment valid and balanced.
`bad` checks exit 2, its message and an empty stdout for plans and options
the probe refuses. `bootstrap` runs a plan with --bootstrap against a mock
cluster in another process (PROBE_MOCK, tests/probe_mock.c), as against
brokers: topics checked, group id of its own. Seeded: KT_SEED replays a run (the seed is printed on
failure). Exit 0 pass, 1 fail.
"""

import json
import os
import random
import subprocess
import sys
import tempfile
import time

GROUPS = 4
SESSION_MS = 3500
HEARTBEAT_MS = 500


class Fail(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Fail(what)


def random_group(rng, name):
    n_topics = rng.randint(1, 3)
    topics = [{"name": "t%d" % t, "partitions": rng.randint(1, 6)} for t in range(n_topics)]
    members = []
    for m in range(rng.randint(2, 6)):
        subs = sorted(rng.sample([t["name"] for t in topics], rng.randint(1, n_topics)))
        members.append({"member_id": "m%04d" % m, "topics": subs})
    event = rng.choice(["join", "leave", "crash"])
    return {"name": name, "topics": topics, "members": members}, event


def plan_for(strategy, scenario_file, event):
    cooperative = strategy == "cooperative-sticky"
    return {
        "kassign_plan": 1,
        "name": os.path.basename(scenario_file),
        "group": {"scenario": os.path.basename(scenario_file)},
        "protocol": "cooperative" if cooperative else "eager",
        "strategy": strategy,
        "config": {"session.timeout.ms": SESSION_MS, "heartbeat.interval.ms": HEARTBEAT_MS},
        "events": [{"at_ms": 200, "type": event}],
    }


def final_state(run):
    """The members running at the end (name -> coordinator id, topics) and
    who owned each partition then."""
    running = {m["member_id"]: True for m in run["members"]}
    joined = {e["member"] for e in run["events"] if e["type"] == "join"}
    for name in running:
        running[name] = name not in joined
    for e in run["events"]:
        running[e["member"]] = e["type"] in ("join", "start")
    end = run["summary"]["duration_ms"]
    owners = {}
    for o in run["ownership"]:
        for a, b, who in o["intervals"]:
            if b == end:
                owners[(o["topic"], o["partition"])] = who
    members = {m["member_id"]: m for m in run["members"] if running[m["member_id"]]}
    return members, owners


def write(path, data):
    with open(path, "w") as f:
        json.dump(data, f)
    return path


def kassign(prog, *args):
    return subprocess.run([prog] + list(args), capture_output=True, text=True, timeout=120)


def run_probes(prog, tmp, strategy, seed):
    rng = random.Random(seed)
    procs = []
    for i in range(GROUPS):
        scen, event = random_group(rng, "g%d" % i)
        sfile = write(os.path.join(tmp, "scen%d.json" % i), scen)
        pfile = write(os.path.join(tmp, "plan%d.json" % i), plan_for(strategy, sfile, event))
        out = os.path.join(tmp, "run%d.json" % i)
        procs.append((i, scen, event, out, subprocess.Popen(
            [prog, "probe", "-q", "-o", out, pfile], stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)))
    results = []
    for i, scen, event, out, p in procs:
        so, se = p.communicate(timeout=120)
        check(p.returncode == 0, "group %d (%s): probe exit %d\n%s" % (i, event, p.returncode, se))
        with open(out) as f:
            run = json.load(f)
        check(run["source"] == "probe" and run["kassign_run"] == 1, "group %d: not a probe run file" % i)
        check(run["context"]["settled"], "group %d: did not settle" % i)
        check(run["summary"]["callback_errors"] == 0, "group %d: assign calls failed" % i)
        check(len(run["rebalances"]) >= 1, "group %d (%s): no rebalance recorded" % (i, event))
        results.append((i, scen, event, run))
    return results


def kassign_answer(prog, tmp, i, scen, members, strategy):
    """kassign's assignment of the final group, as {(topic, p): member name}."""
    by_id = {}
    final = {"name": "final%d" % i, "topics": scen["topics"], "members": []}
    for name, m in members.items():
        cid = m["coordinator_member_ids"][-1]
        by_id[cid] = name
        final["members"].append({"member_id": cid, "topics": m["topics"]})
    sfile = write(os.path.join(tmp, "final%d.json" % i), final)
    p = kassign(prog, "assign", "--strategy", strategy, sfile)
    check(p.returncode == 0, "kassign assign: exit %d\n%s" % (p.returncode, p.stderr))
    got = {}
    for cid, topics in json.loads(p.stdout)["assignment"].items():
        for topic, parts in topics.items():
            for q in parts:
                got[(topic, q)] = by_id[cid]
    return got, sfile, final


def describe(owners):
    return ", ".join("%s-%d:%s" % (t, p, who) for (t, p), who in sorted(owners.items()))


def case_deterministic(prog, tmp, strategy, seed):
    other = "roundrobin" if strategy == "range" else "range"
    told_apart = 0
    for i, scen, event, run in run_probes(prog, tmp, strategy, seed):
        members, owners = final_state(run)
        want, _, _ = kassign_answer(prog, tmp, i, scen, members, strategy)
        check(owners == want, "group %d (%s, %d members at the end): real consumers got\n  %s\n"
              "kassign %s gives\n  %s" % (i, event, len(members), describe(owners), strategy,
                                          describe(want)))
        # The comparison can fail: a different strategy's answer, where it
        # differs, is not taken for the real one.
        wrong, _, _ = kassign_answer(prog, tmp, i, scen, members, other)
        if wrong != want:
            told_apart += 1
            check(owners != wrong, "group %d: %s's answer taken for %s's" % (i, other, strategy))
        check(run["summary"]["double_owned"] == 0, "group %d: a partition owned twice" % i)
    print("%s: %d groups agree with kassign; %d of them told apart from %s" %
          (strategy, GROUPS, told_apart, other))


def case_cooperative(prog, tmp, seed):
    for i, scen, event, run in run_probes(prog, tmp, "cooperative-sticky", seed):
        members, owners = final_state(run)
        s = run["summary"]
        check(s["double_owned"] == 0, "group %d: a partition was given while another member "
              "held it" % i)
        for r in run["rebalances"]:
            check(r["kind"] in ("cooperative-revoke", "cooperative-assign"),
                  "group %d: rebalance kind %s" % (i, r["kind"]))
            check(r["stop_the_world_ms"] == 0 or len(members) <= 1,
                  "group %d: cooperative rebalance stopped the world" % i)
        subscribed = {t for m in members.values() for t in m["topics"]}
        all_parts = {(t["name"], q) for t in scen["topics"] if t["name"] in subscribed
                     for q in range(t["partitions"])}
        check(set(owners) == all_parts, "group %d: unowned at the end: %s" %
              (i, sorted(all_parts - set(owners))))
        _, sfile, final = kassign_answer(prog, tmp, i, scen, members, "cooperative-sticky")
        ids = {name: m["coordinator_member_ids"][-1] for name, m in members.items()}
        doc = {"scenario": final["name"], "strategy": "cooperative-sticky",
               "assignment": {cid: {} for cid in ids.values()}}
        for (t, q), who in owners.items():
            doc["assignment"][ids[who]].setdefault(t, []).append(q)
        afile = write(os.path.join(tmp, "real%d.json" % i), doc)
        p = kassign(prog, "check", "--json", sfile, afile)
        check(p.returncode == 0, "group %d: kassign check: exit %d\n%s%s" %
              (i, p.returncode, p.stdout, p.stderr))
        verdict = json.loads(p.stdout)
        check(verdict["valid"] and verdict["balanced"],
              "group %d: final assignment not valid and balanced: %s" % (i, p.stdout))
    print("cooperative-sticky: %d groups valid and balanced in every round" % GROUPS)


BAD_PLANS = [
    ("unknown strategy", {"strategy": "sticky"}, "librdkafka 2.0.2's consumers offer"),
    ("not a strategy", {"strategy": "nope"}, "unknown strategy \"nope\""),
    ("wrong protocol", {"protocol": "cooperative"}, "does not support the cooperative protocol"),
    ("cooperative-sticky under eager", {"strategy": "cooperative-sticky"},
     "runs under protocol \"cooperative\" in librdkafka"),
    ("KIP-848", {"protocol": "consumer"}, "KIP-848"),
    ("static on the mock", {"static_membership": True}, "group.instance.id"),
    ("short session", {"config": {"session.timeout.ms": 3000}}, "under 3500 ms"),
    ("heartbeat >= session", {"config": {"session.timeout.ms": 5000,
                                         "heartbeat.interval.ms": 5000}}, "must be below"),
    ("unknown event", {"events": [{"at_ms": 1, "type": "explode"}]}, "unknown event type"),
    ("too many restarts", {"events": [{"at_ms": 1, "type": "rolling-restart", "count": 5}]},
     "5 restarts but 3 members"),
    ("unknown member", {"events": [{"at_ms": 1, "type": "crash", "member": "x"}]},
     "no member named \"x\""),
    ("add-partitions", {"events": [{"at_ms": 1, "type": "add-partitions", "topic": "t0",
                                    "count": 1}]}, "add-partitions is not supported"),
    ("unknown field", {"extra": 1}, "extra: unknown field"),
    ("no member", {"group": {"members": 0}}, "no member at the start"),
    ("empty topic", {"group": {"topics": [{"name": "t0", "partitions": 0}]}},
     "topic t0 has 0 partitions"),
    ("max.poll below session", {"config": {"session.timeout.ms": 5000,
                                           "max.poll.interval.ms": 4000}}, "must be at least"),
    ("restart of a stopped member", {"events": [{"at_ms": 1, "type": "crash", "member": "m0000"},
                                                {"at_ms": 2, "type": "restart", "member": "m0000"}]},
     "member m0000 is not running then"),
]


def case_bad(prog, tmp):
    base = {"kassign_plan": 1, "group": {"members": 3, "topics": [{"name": "t0", "partitions": 3}]},
            "protocol": "eager", "strategy": "range",
            "config": {"session.timeout.ms": 3500, "heartbeat.interval.ms": 500},
            # Mock brokers: no bound at 6000 ms, also with --bootstrap.
            "broker": {"group.min.session.timeout.ms": 1}}
    out = os.path.join(tmp, "never.json")

    def expect2(what, args, needle, within=None):
        t = time.monotonic()
        p = kassign(prog, "probe", "-q", "-o", out, *args)
        took = time.monotonic() - t
        check(p.returncode == 2, "%s: exit %d, 2 expected\n%s" % (what, p.returncode, p.stderr))
        check(p.stdout == "", "%s: stdout not empty" % what)
        check(needle in p.stderr, "%s: message lacks %r:\n%s" % (what, needle, p.stderr))
        check(not os.path.exists(out), "%s: an output file was left" % what)
        check(within is None or took < within, "%s: took %.1f s" % (what, took))

    for what, change, needle in BAD_PLANS:
        plan = dict(base)
        for k, v in change.items():
            plan[k] = dict(base[k], **v) if isinstance(v, dict) and k in base else v
        expect2(what, [write(os.path.join(tmp, "bad.json"), plan)], needle)
    bad_json = os.path.join(tmp, "broken.json")
    with open(bad_json, "w") as f:
        f.write('{"kassign_plan": 1,\n "group": }\n')
    expect2("invalid JSON", [bad_json], "broken.json:2:11: error: invalid JSON")
    good = write(os.path.join(tmp, "good.json"), base)
    expect2("bootstrap syntax", ["--bootstrap", "localhost", good], "not HOST:PORT")
    # Nothing listens on port 1: a clear error within a few seconds, no hang.
    expect2("unreachable bootstrap", ["--bootstrap", "127.0.0.1:1", good],
            "no broker answered within 5 s", within=15)
    expect2("trace-only syntax", ["--trace-only", "HEARTBEAT,,JOIN", good],
            "--trace-only: 'HEARTBEAT,,JOIN' is not a list")
    expect2("no plan", [], "no plan file given")
    expect2("unknown preset", ["--preset", "nope"], "unknown preset 'nope'")
    expect2("static preset on the mock", ["--preset", "rolling-10"], "group.instance.id")
    expect2("bad stop", [write(os.path.join(tmp, "bad.json"), dict(base, events=[
        {"at_ms": 1, "type": "restart", "member": "m0000", "stop": "pause"}]))],
            "events[0]: stop: \"close\" or \"kill\" expected")
    # An output it cannot write is refused before the run (tens of seconds
    # for this preset), not after it.
    t = time.monotonic()
    p = kassign(prog, "probe", "-q", "-o", tmp, "--preset", "rolling-10-dynamic")
    took = time.monotonic() - t
    check(p.returncode == 2 and "is a directory" in p.stderr and p.stdout == "" and took < 5,
          "output a directory: exit %d in %.1f s, refused before the run expected\n%s"
          % (p.returncode, took, p.stderr))
    print("bad: %d refusals checked" % (len(BAD_PLANS) + 9))


def case_bootstrap(prog, mock, tmp):
    srv = subprocess.Popen([mock, "t0:4"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                           text=True)
    try:
        address = srv.stdout.readline().strip()
        check(address.startswith("127.0.0.1:"), "probe_mock printed %r" % address)
        plan = {"kassign_plan": 1,
                "group": {"members": 2, "topics": [{"name": "t0", "partitions": 4}]},
                "protocol": "eager", "strategy": "range",
                "config": {"session.timeout.ms": 3500, "heartbeat.interval.ms": 500},
                # probe_mock is librdkafka's mock: no broker bound at 6000 ms.
                "broker": {"group.min.session.timeout.ms": 1},
                "events": [{"at_ms": 100, "type": "join"}]}
        out = os.path.join(tmp, "run.json")
        p = kassign(prog, "probe", "-q", "--bootstrap", address, "-o", out,
                    write(os.path.join(tmp, "plan.json"), plan))
        check(p.returncode == 0, "probe --bootstrap: exit %d\n%s" % (p.returncode, p.stderr))
        with open(out) as f:
            run = json.load(f)
        ctx = run["context"]
        check(ctx["bootstrap"] == address and ctx["group_id"].startswith("kassign-probe-"),
              "context: %s" % ctx)
        members, owners = final_state(run)
        check(len(members) == 3 and len(owners) == 4 and len(set(owners.values())) == 3,
              "final state: %s" % describe(owners))
        plan["group"]["topics"][0]["partitions"] = 5
        p = kassign(prog, "probe", "-q", "--bootstrap", address,
                    write(os.path.join(tmp, "plan5.json"), plan))
        check(p.returncode == 2 and "topic t0 has 4 partitions, the plan 5" in p.stderr,
              "partition count mismatch: exit %d\n%s" % (p.returncode, p.stderr))
    finally:
        srv.stdin.close()
        srv.wait(timeout=30)
    print("bootstrap: a plan run through --bootstrap; a topic mismatch refused")


def main():
    if len(sys.argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    prog, case = sys.argv[1], sys.argv[2]
    seed = int(os.environ.get("KT_SEED", "0") or 0) or {"range": 61, "roundrobin": 62,
                                                       "cooperative-sticky": 63}.get(case, 1)
    with tempfile.TemporaryDirectory(prefix="kassign-probe-") as tmp:
        try:
            if case in ("range", "roundrobin"):
                case_deterministic(prog, tmp, case, seed)
            elif case == "cooperative-sticky":
                case_cooperative(prog, tmp, seed)
            elif case == "bad":
                case_bad(prog, tmp)
            elif case == "bootstrap" and len(sys.argv) == 4:
                case_bootstrap(prog, sys.argv[3], tmp)
            else:
                print("unknown case %s" % case, file=sys.stderr)
                return 2
        except Fail as e:
            print("FAIL (%s, KT_SEED=%d): %s" % (case, seed, e), file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
