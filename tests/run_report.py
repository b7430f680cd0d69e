#!/usr/bin/python3
"""run_report.py - end-to-end tests of `kassign timeline`, `kassign report`
and `kassign import`, one case a run.

    run_report.py SOURCE_DIR KASSIGN CASE

Python because the checks parse what the commands write: the SVG as XML
(xml.etree), the HTML report as the DOM a real browser builds (Debian's
chromium, headless, --dump-dom; the `browser` case is skipped, exit 77, when
chromium is missing). Inputs are the hand-written files in tests/data/run/
and tests/data/import/ and broken copies made here. Exit 0 pass, 1 fail,
77 skip.
"""

import copy
import html.parser
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"


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
    def __init__(self, src, kassign, tmp):
        self.src = src
        self.kassign = kassign
        self.tmp = tmp
        self.small = os.path.join(src, "tests", "data", "run", "small.json")
        with open(self.small) as f:
            self.run_doc = json.load(f)
        self.member_ids = [m["member_id"] for m in self.run_doc["members"]]

    def path(self, name):
        return os.path.join(self.tmp, name)

    def write(self, name, data):
        p = self.path(name)
        with open(p, "w") as f:
            f.write(data if isinstance(data, str) else json.dumps(data))
        return p

    def kas(self, *args, want=0):
        p = subprocess.run([self.kassign] + list(args), capture_output=True, text=True,
                           env=dict(os.environ, LC_ALL="C.UTF-8"))
        print("$ kassign %s -> %d" % (" ".join(args), p.returncode))
        check(p.returncode == want, "expected exit %d" % want, p)
        if want == 2:
            check(p.stdout == "", "exit 2 with output on stdout", p)
        return p

    def svg_texts(self, path):
        root = ET.parse(path).getroot()
        check(root.tag == SVG + "svg", "%s: the root is %s, not svg" % (path, root.tag))
        return [t.text or "" for t in root.iter(SVG + "text")], root

    # -- timeline

    def case_timeline(self):
        png, svg = self.path("t.png"), self.path("t.svg")
        self.kas("timeline", self.small, "-o", png)
        self.kas("timeline", self.small, "-o", svg)
        with open(png, "rb") as f:
            head = f.read(24)
        check(head[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG: %r" % head[:8])
        w, h = struct.unpack(">II", head[16:24])
        check(w == 1200 and 150 <= h <= 2000, "PNG is %dx%d" % (w, h))
        check(os.path.getsize(png) > 5000, "PNG of %d bytes: nothing drawn?" % os.path.getsize(png))
        texts, root = self.svg_texts(svg)
        for m in self.member_ids:
            check(m in texts, "SVG lacks the member label %r (texts: %r)" % (m, texts))
        for g in ("g1", "g2", "g3", "g4"):
            check(g in texts, "SVG lacks the generation label %s" % g)
        check(any("fixture-small" in t for t in texts), "SVG lacks the run's name")
        check(not any("omitted" in t for t in texts), "ownership is there, nothing omitted")
        rects = list(root.iter(SVG + "rect"))
        check(len(rects) > 20, "SVG has %d rectangles" % len(rects))
        # The same picture whatever the case of the extension.
        self.kas("timeline", self.small, "-o", self.path("T.SVG"))
        r = self.kas("timeline", "--help")
        check("Usage: kassign timeline" in r.stdout, "no usage", r)

    def case_timeline_rows(self):
        # No ownership: drawn from the events, and said so. --rows 2 keeps
        # consumer-b (the most events) and consumer-a (ties broken by the
        # number of ownership intervals, then member order).
        doc = copy.deepcopy(self.run_doc)
        del doc["ownership"]
        doc["summary"]["ownership_omitted"] = True
        p = self.write("no-own.json", doc)
        svg = self.path("n.svg")
        self.kas("timeline", p, "-o", svg)
        texts, _ = self.svg_texts(svg)
        check(any("ownership omitted" in t for t in texts), "no note on the missing ownership")
        for m in self.member_ids:
            check(m in texts, "SVG lacks the member label %r" % m)
        self.kas("timeline", self.small, "--rows", "2", "-o", svg)
        texts, _ = self.svg_texts(svg)
        check("consumer-a" in texts and "consumer-b" in texts, "rows: %r" % texts)
        check("consumer-e" not in texts and self.member_ids[2] not in texts, "rows: %r" % texts)
        check(any("2 of 4 members shown" in t for t in texts), "no note on the rows left out")

    def case_timeline_bad(self):
        out = self.path("bad.svg")

        def broken(name, edit, place):
            doc = copy.deepcopy(self.run_doc)
            edit(doc)
            p = self.write(name, doc)
            r = self.kas("timeline", p, "-o", out, want=2)
            check(place in r.stderr and p in r.stderr, "message lacks %r and the file" % place, r)
            check(not os.path.exists(out), "an output file was left behind")

        def set_(path, value):
            def edit(doc):
                d = doc
                for k in path[:-1]:
                    d = d[k]
                d[path[-1]] = value
            return edit

        broken("b1.json", set_(["rebalances", 1, "end_ms"], 100), "rebalances[1].end_ms")
        broken("b2.json", set_(["ownership", 2, "topic"], "t9"), "ownership[2].topic")
        broken("b3.json", set_(["ownership", 0, "intervals", 1], [1, 2]),
               "ownership[0].intervals[1]")
        broken("b4.json", set_(["kassign_run"], 2), "kassign_run")
        broken("b5.json", lambda d: d.pop("members"), "members: required")
        broken("b6.json", set_(["events", 3, "t_ms"], "soon"), "events[3].t_ms")
        broken("b7.json", set_(["lag", 5], [1]), "lag[5]")
        p = self.write("b8.json", '{"kassign_run": 1,\n "members": [}\n')
        r = self.kas("timeline", p, "-o", out, want=2)
        check(p + ":2:" in r.stderr, "no line number for invalid JSON", r)
        r = self.kas("timeline", self.small, "-o", self.path("x.jpg"), want=2)
        check(".png or .svg" in r.stderr, "bad extension not explained", r)
        self.kas("timeline", self.small, want=2)
        self.kas("timeline", self.path("missing.json"), "-o", out, want=2)
        self.kas("timeline", self.small, "--rows", "0", "-o", out, want=2)
        check(not os.path.exists(out), "an output file was left behind")


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    src, kassign, name = sys.argv[1:]
    tmp = tempfile.mkdtemp(prefix="kassign-report-")
    try:
        case = Case(src, kassign, tmp)
        fn = getattr(case, "case_" + name.replace("-", "_"), None)
        if fn is None:
            print("unknown case %s" % name, file=sys.stderr)
            return 2
        fn()
    except Fail as e:
        print("FAIL: %s" % e, file=sys.stderr)
        return 1
    except Skip as e:
        print("SKIP: %s" % e, file=sys.stderr)
        return 77
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("ok")
    return 0


class Skip(Exception):
    pass


if __name__ == "__main__":
    sys.exit(main())
