"""kresults.py - reading and comparing kassign result files.

Shared by scripts/compare and scripts/plot. A result file is Google
Benchmark's JSON as docs/results-format.md defines it, written by
`kassign sweep` or `kassign-bench --benchmark_out_format=json`. The speed
comparison uses Google Benchmark's own tools (the gbench package of Debian's
libbenchmark-tools, /usr/share/benchmark): its Mann-Whitney U test on the
per-repetition entries, as compare.py runs it. The quality figures are
compared exactly, since compare.py ignores counters. Files from
`kassign sweep --measure counts` (or `KASSIGN_MEASURE=counts kassign-bench`)
also carry callgrind's counts of one call per point (COUNTS); when both
files do, the speed verdict uses them instead of the wall time.
"""

import json
import math
import os
import statistics
import sys

GBENCH_DIR = os.environ.get("KASSIGN_GBENCH_DIR", "/usr/share/benchmark")
FORMAT = "kassign-result"
VERSION = 1

# Quality figures of docs/results-format.md, in table order.
FIGURES = ("balanced", "load_spread", "moved", "moved_min", "moved_opt", "local", "valid")
# Counts of one assign call under callgrind (docs/results-format.md).
COUNTS = ("instructions", "estimated_cycles", "l1_misses", "ll_misses")
# Counts whose growth past the counts threshold is a regression.
COUNTS_JUDGED = (("instructions", "instructions"), ("estimated_cycles", "est. cycles"))
# Distance from the optimum, level by level (docs/metrics.md): read and
# plotted, not judged.
GAP_FIGURES = ("gap_load_sq", "gap_local", "gap_moved")
# Figures that describe the group rather than the assignor: when they differ
# the two files did not measure the same scenario.
GROUP_FIGURES = ("partitions", "members", "moved_min", "moved_opt", "rack_known")

_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


class ResultError(Exception):
    """Bad input: the message names the file and what is wrong with it."""


def load_gbench():
    """Google Benchmark's gbench package (report, util), or ResultError."""
    if GBENCH_DIR not in sys.path:
        sys.path.insert(0, GBENCH_DIR)
    try:
        import gbench.report
        import gbench.util
    except ImportError as e:
        raise ResultError(
            "cannot import Google Benchmark's gbench from %s (%s): install "
            "libbenchmark-tools and python3-scipy (scripts/deps.sh)" % (GBENCH_DIR, e))
    return gbench.report, gbench.util


class Point:
    """One measured point: its repetitions, median and figures."""

    def __init__(self, name):
        self.name = name
        self.real_ns = []  # per-repetition wall time of one call
        self.cpu_ns = []
        self.entries = []  # the iteration entries, as in the file
        self.median_entry = None
        self.error = None
        self.figures = {}
        self.counts = {}
        self.fields = parse_name(name)

    @property
    def median_ns(self):
        if self.real_ns:
            return statistics.median(self.real_ns)
        if self.median_entry is not None:
            return _ns(self.median_entry, "real_time")
        return None

    @property
    def min_ns(self):
        if self.real_ns:
            return min(self.real_ns)
        return self.median_ns

    @property
    def max_ns(self):
        if self.real_ns:
            return max(self.real_ns)
        return self.median_ns

    def figure(self, key):
        return self.figures.get(key)


def parse_name(name):
    """assign/<strategy>/<grid>/<subs>/<variant>[/threads:N] -> dict, or {}."""
    parts = name.split("/")
    threads = 1
    if len(parts) == 6 and parts[5].startswith("threads:"):
        try:
            threads = int(parts[5][len("threads:"):])
        except ValueError:
            return {}
        parts = parts[:5]
    if len(parts) != 5 or parts[0] != "assign":
        return {}
    return {"strategy": parts[1], "grid": parts[2], "subs": parts[3],
            "variant": parts[4], "threads": threads}


def _ns(entry, key):
    unit = entry.get("time_unit", "ns")
    if unit not in _NS:
        raise ResultError("time unit '%s' of %s is not one of ns, us, ms, s"
                          % (unit, entry.get("name")))
    value = entry.get(key)
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise ResultError("%s of %s is not a number" % (key, entry.get("name")))
    if not math.isfinite(value) or value < 0:
        raise ResultError("%s of %s is %s, not a finite time" % (key, entry.get("name"), value))
    return float(value) * _NS[unit]


class Result:
    """One result file, checked against docs/results-format.md."""

    def __init__(self, path):
        self.path = path
        self.data = _read_json(path)
        self.context = self.data["context"]
        self.kassign = self._kassign_context()
        self.points = {}  # name -> Point, in file order
        try:
            self._collect()
        except ResultError as e:
            raise ResultError("%s: %s" % (path, e))

    # -- context

    def _kassign_context(self):
        """context.kassign (sweep), or the kassign_* strings (kassign-bench)."""
        ctx = self.context
        k = ctx.get("kassign")
        if k is not None and not isinstance(k, dict):
            raise ResultError("%s: context.kassign is not an object" % self.path)
        if k is None:
            k = {key[len("kassign_"):]: v for key, v in ctx.items()
                 if key.startswith("kassign_")}
        if k:
            fmt = k.get("format")
            if fmt is not None and fmt != FORMAT:
                raise ResultError("%s: context.kassign.format is %r, not %r"
                                  % (self.path, fmt, FORMAT))
            version = k.get("version")
            if version is None:
                raise ResultError("%s: context.kassign has no version" % self.path)
            try:
                major = int(str(version).split(".")[0])
            except ValueError:
                raise ResultError("%s: context.kassign.version %r is not a number"
                                  % (self.path, version))
            if major != VERSION:
                raise ResultError(
                    "%s: kassign result format version %s; this tool reads version %d"
                    % (self.path, version, VERSION))
        return k

    @property
    def has_counts(self):
        return any(p.counts for p in self.points.values())

    def counts_setup(self):
        """What must match for counts to compare: (label, value) pairs."""
        k = self.kassign
        c = k.get("counts") if isinstance(k.get("counts"), dict) else {}
        out = [("compiler", k.get("compiler")), ("flags", k.get("flags")),
               ("valgrind", c.get("valgrind") or k.get("valgrind")),
               ("caches", c.get("caches") or k.get("counts_caches"))]
        return [(a, b) for a, b in out if b]

    @property
    def tool(self):
        return self.kassign.get("tool") or "Google Benchmark"

    def describe(self):
        bits = [self.tool]
        if self.kassign.get("commit"):
            bits.append(str(self.kassign["commit"]))
        if self.context.get("date"):
            bits.append(str(self.context["date"]))
        return "%s (%s)" % (self.path, ", ".join(bits))

    def machine(self):
        """What must match for timings to compare: (label, value) pairs."""
        ctx, k = self.context, self.kassign
        out = []
        if isinstance(k.get("topology"), dict):
            topo = k["topology"]
            out.append(("topology", topo.get("summary") or json.dumps(topo, sort_keys=True)))
        if k.get("cpu_model"):
            out.append(("cpu_model", k["cpu_model"]))
        if "num_cpus" in ctx:
            out.append(("num_cpus", ctx["num_cpus"]))
        caches = ctx.get("caches")
        if isinstance(caches, list):
            # Data and unified caches: hwloc (the sweep) lists no instruction
            # cache where Google Benchmark (kassign-bench) does.
            cs = sorted("L%s %s %s" % (c.get("level"), c.get("type"), c.get("size"))
                        for c in caches
                        if isinstance(c, dict) and c.get("type") != "Instruction")
            out.append(("caches", ", ".join(cs)))
        return out

    # -- entries

    def _collect(self):
        for i, e in enumerate(self.data["benchmarks"]):
            where = "benchmarks[%d]" % i
            if not isinstance(e, dict) or not isinstance(e.get("name"), str):
                raise ResultError("%s is not a benchmark entry (no name)" % where)
            run_type = e.get("run_type", "iteration")
            name = e.get("run_name") if isinstance(e.get("run_name"), str) else None
            if name is None:
                name = e["name"]
                agg = e.get("aggregate_name")
                if run_type == "aggregate" and agg and name.endswith("_" + agg):
                    name = name[:-len(agg) - 1]
            p = self.points.get(name)
            if p is None:
                p = self.points[name] = Point(name)
            if e.get("error_occurred"):
                p.error = str(e.get("error_message") or "error")
                continue
            if run_type == "aggregate":
                if e.get("aggregate_name") == "median":
                    p.median_entry = e
                    if not p.figures:
                        p.figures = _figures(e)
                    if not p.counts:
                        p.counts = _counts(e)
                continue
            if "real_time" not in e or "cpu_time" not in e:
                raise ResultError("%s (%s) has no real_time or cpu_time" % (where, e["name"]))
            p.real_ns.append(_ns(e, "real_time"))
            p.cpu_ns.append(_ns(e, "cpu_time"))
            p.entries.append(e)
            if len(p.entries) == 1:
                p.figures = _figures(e)
                p.counts = _counts(e)
        for name in [n for n, p in self.points.items()
                     if p.median_ns is None and p.error is None]:
            del self.points[name]


def _figures(e):
    out = {}
    for key in FIGURES + GROUP_FIGURES + GAP_FIGURES + ("ns_per_partition",
                                                         "bytes_per_partition"):
        v = e.get(key)
        if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
            out[key] = int(v) if float(v).is_integer() else float(v)
    return out


def _counts(e):
    out = {}
    for key in COUNTS:
        v = e.get(key)
        if isinstance(v, str) and v.isdigit():
            v = int(v)  # past 2^63 - 1 the sweep writes the decimal text
        if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v >= 0:
            out[key] = int(v)
    return out if "instructions" in out and "estimated_cycles" in out else {}


def _read_json(path):
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise ResultError("cannot read %s: %s" % (path, e.strerror or e))
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ResultError("%s: not JSON (not UTF-8 text)" % path)
    except json.JSONDecodeError as e:
        raise ResultError("%s: not JSON (line %d, column %d: %s)"
                          % (path, e.lineno, e.colno, e.msg))
    if not isinstance(data, dict):
        raise ResultError("%s: not a Google Benchmark result (top level is not an object)"
                          % path)
    if not isinstance(data.get("benchmarks"), list):
        raise ResultError("%s: not a Google Benchmark result (no \"benchmarks\" array)" % path)
    if not isinstance(data.get("context"), dict):
        raise ResultError("%s: not a Google Benchmark result (no \"context\" object)" % path)
    return data


# ------------------------------------------------------------------ comparison

def min_pvalue(n, m):
    """The smallest two-sided p-value an exact U test can give on n and m samples."""
    return min(1.0, 2.0 / math.comb(n + m, n))


class Row:
    """The comparison of one point present in both files."""

    def __init__(self, name, old, new):
        self.name = name
        self.old = old
        self.new = new
        self.old_ns = old.median_ns
        self.new_ns = new.median_ns
        self.ratio = None
        self.pvalue = None
        self.utest = False      # the U test could decide at alpha
        self.reps = (len(old.real_ns), len(new.real_ns))
        self.figures = {}       # key -> (old, new)
        self.counts = {}        # key -> (old, new), when both files carry counts
        self.counts_ratio = {}  # key -> new / old
        self.regressions = []   # why this point fails the check
        self.notes = []

    @property
    def regressed(self):
        return bool(self.regressions)

    def to_json(self):
        return {
            "name": self.name,
            "old_median_ns": self.old_ns,
            "new_median_ns": self.new_ns,
            "ratio": self.ratio,
            "pvalue": self.pvalue,
            "utest": self.utest,
            "repetitions": list(self.reps),
            "figures": {k: {"old": o, "new": n} for k, (o, n) in self.figures.items()},
            "counts": {k: {"old": o, "new": n, "ratio": self.counts_ratio.get(k)}
                       for k, (o, n) in self.counts.items()},
            "regressed": self.regressed,
            "regressions": self.regressions,
            "notes": self.notes,
        }


class Comparison:
    def __init__(self, old, new, threshold=0.10, alpha=0.05, counts_threshold=0.01):
        self.old = old
        self.new = new
        self.threshold = threshold
        self.alpha = alpha
        self.counts_threshold = counts_threshold
        # Both files carry counts: they decide the speed verdict.
        self.by_counts = old.has_counts and new.has_counts
        self.counts_mismatch = []  # (label, old, new) that make counts differ by themselves
        self.warnings = []
        self.rows = []
        self.only_old = [n for n in old.points if n not in new.points]
        self.only_new = [n for n in new.points if n not in old.points]
        self._check_machines()
        report, _ = load_gbench()
        pvalues = self._utest(report)
        for name, op in old.points.items():
            if name in new.points:
                self.rows.append(self._row(name, op, new.points[name], pvalues.get(name)))

    @property
    def regressed(self):
        return [r for r in self.rows if r.regressed]

    @property
    def incomplete(self):
        """Why the new file cannot stand for the old one ("" when it can):
        nothing in common, or points of the old file missing from it. A
        comparison that judged a part only is not an "ok"."""
        if not self.rows:
            return "no point in common (the new file has %d point%s)" % (
                len(self.new.points), "" if len(self.new.points) == 1 else "s")
        if self.only_old:
            return "%d of the old file's %d points missing from the new file" % (
                len(self.only_old), len(self.old.points))
        return ""

    @property
    def failed(self):
        """The verdict is not ok: a regression, or an incomplete comparison."""
        return bool(self.regressed or self.incomplete)

    def _check_machines(self):
        om, nm = dict(self.old.machine()), dict(self.new.machine())
        for key in ("topology", "cpu_model", "num_cpus", "caches"):
            if key in om and key in nm and om[key] != nm[key]:
                self.warnings.append("different %s: old %s, new %s"
                                     % (key, _short(om[key]), _short(nm[key])))
        if self.old.tool != self.new.tool:
            self.warnings.append("different tools: old %s, new %s (timing loops differ)"
                                 % (self.old.tool, self.new.tool))
        if self.by_counts:
            oc, nc = dict(self.old.counts_setup()), dict(self.new.counts_setup())
            for key in ("compiler", "flags", "valgrind", "caches"):
                if oc.get(key) != nc.get(key):
                    self.counts_mismatch.append((key, oc.get(key), nc.get(key)))

    def _utest(self, report):
        """p-values of the U test on real time, by point, as compare.py computes them."""
        def iterations(res):
            return {"benchmarks": [e for p in res.points.values() for e in p.entries]}
        out = {}
        for lhs, rhs in report.partition_benchmarks(iterations(self.old), iterations(self.new)):
            timings_cpu = report.extract_field([lhs, rhs], "cpu_time")
            timings_time = report.extract_field([lhs, rhs], "real_time")
            _, _, time_p = report.calc_utest(timings_cpu, timings_time)
            out[lhs[0]["name"]] = time_p
        return out

    def _row(self, name, op, np_, pvalue):
        r = Row(name, op, np_)
        if op.error or np_.error:
            if np_.error and not op.error:
                r.regressions.append("error")
                r.notes.append("new failed: %s" % np_.error)
            elif op.error and not np_.error:
                r.notes.append("old failed: %s" % op.error)
            else:
                r.notes.append("both failed")
            return r
        if r.old_ns and r.old_ns > 0:
            r.ratio = r.new_ns / r.old_ns
        if self.by_counts and op.counts and np_.counts:
            self._judge_counts(r, op, np_, pvalue)
        else:
            if self.by_counts:
                r.notes.append("no counts in %s, wall time judged"
                               % ("either" if not op.counts and not np_.counts
                                  else "old" if not op.counts else "new"))
            self._judge_time(r, pvalue)
        self._judge_quality(r, op, np_)
        return r

    def _judge_counts(self, r, op, np_, pvalue):
        """Counts are exact: growth past the threshold is a regression, no test.
        The wall time is shown (with its p-value), not judged."""
        if pvalue is not None and not math.isnan(pvalue):
            r.pvalue = float(pvalue)
        for key in COUNTS:
            o, nw = op.counts.get(key), np_.counts.get(key)
            if o is None or nw is None:
                continue
            r.counts[key] = (o, nw)
            if o > 0:
                r.counts_ratio[key] = nw / o
        for key, label in COUNTS_JUDGED:
            ratio = r.counts_ratio.get(key)
            if ratio is None:
                continue
            if ratio > 1.0 + self.counts_threshold:
                r.regressions.append(label)
            elif ratio < 1.0 / (1.0 + self.counts_threshold) and key == "instructions":
                r.notes.append("fewer instructions")

    def _judge_time(self, r, pvalue):
        n, m = r.reps
        if pvalue is not None and not math.isnan(pvalue):
            r.pvalue = float(pvalue)
        r.utest = (r.pvalue is not None and n >= 2 and m >= 2
                   and min_pvalue(n, m) < self.alpha)
        if r.ratio is not None and r.ratio > 1.0 + self.threshold:
            if r.utest:
                if r.pvalue < self.alpha:
                    r.regressions.append("slower")
                else:
                    r.notes.append("slower, not significant")
            else:
                r.regressions.append("slower")
                r.notes.append("too few repetitions for a U test (%d vs %d), ratio alone" % (n, m))
        elif r.ratio is not None and r.ratio < 1.0 / (1.0 + self.threshold):
            if not r.utest or r.pvalue < self.alpha:
                r.notes.append("faster")

    def _judge_quality(self, r, op, np_):
        for key in FIGURES:
            o, nw = op.figure(key), np_.figure(key)
            if o is None and nw is None:
                continue
            r.figures[key] = (o, nw)
            if o is None or nw is None:
                continue
            if key == "load_spread" and nw > o:
                r.regressions.append("balance")
            elif key == "balanced" and o == 1 and nw == 0:
                r.regressions.append("balanced")
            elif key == "moved" and nw > o:
                r.regressions.append("movement")
            elif key == "local" and nw < o:
                r.regressions.append("locality")
            elif key == "valid" and o == 1 and nw == 0:
                r.regressions.append("invalid")
        changed = [k for k in GROUP_FIGURES
                   if op.figure(k) is not None and np_.figure(k) is not None
                   and op.figure(k) != np_.figure(k)]
        if changed:
            r.notes.append("group differs (%s)" % ", ".join(changed))

    def verdict(self):
        bad = self.regressed
        n = len(self.rows)
        if self.incomplete and not bad:
            return "verdict: INCOMPLETE, %s" % self.incomplete
        if not bad:
            return "verdict: ok, no regression in %d point%s compared" % (n, "" if n == 1 else "s")
        speed = ("slower",) + tuple(label for _, label in COUNTS_JUDGED)
        slower = sum(1 for r in bad if any(x in speed for x in r.regressions))
        quality = sum(1 for r in bad if any(x not in speed and x != "error"
                                            for x in r.regressions))
        return ("verdict: REGRESSION, %d of %d point%s regressed (%d slower%s, %d worse in quality)"
                % (len(bad), n, "" if n == 1 else "s", slower,
                   " by counts" if self.by_counts else "", quality))

    def to_json(self):
        return {
            "old": {"file": self.old.path, "tool": self.old.tool,
                    "commit": self.old.kassign.get("commit")},
            "new": {"file": self.new.path, "tool": self.new.tool,
                    "commit": self.new.kassign.get("commit")},
            "threshold": self.threshold,
            "alpha": self.alpha,
            "by_counts": self.by_counts,
            "counts_threshold": self.counts_threshold,
            "counts_mismatch": [{"what": a, "old": b, "new": c}
                                for a, b, c in self.counts_mismatch],
            "warnings": self.warnings,
            "points": [r.to_json() for r in self.rows],
            "only_old": self.only_old,
            "only_new": self.only_new,
            "regressed": len(self.regressed),
            "verdict": self.verdict(),
        }


def _short(v, n=60):
    s = str(v)
    return s if len(s) <= n else s[:n - 3] + "..."


def fmt_ns(ns):
    if ns is None:
        return "-"
    for unit, div in (("s", 1e9), ("ms", 1e6), ("us", 1e3)):
        if ns >= div:
            return "%.3g %s" % (ns / div, unit)
    return "%.3g ns" % ns


def parse_threshold(text):
    """A percentage, '10' or '10%' -> 0.10."""
    t = text.strip()
    pct = t.endswith("%")
    if pct:
        t = t[:-1]
    try:
        v = float(t)
    except ValueError:
        raise ValueError("not a number: %r" % text)
    if not math.isfinite(v) or v < 0:
        raise ValueError("must be a non-negative number: %r" % text)
    return v / 100.0
