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

# What the report page is made of; anything else came from unescaped data.
PAGE_TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "section",
             "table", "tbody", "tr", "th", "td", "svg", "rect", "line", "text", "path",
             "pre", "footer", "details", "summary"}

VOID = {"meta", "br", "img", "input", "hr", "link", "area", "base", "col", "embed",
        "source", "track", "wbr"}


class Node:
    def __init__(self, tag, attrs):
        self.tag = tag
        self.attrs = dict(attrs)
        self.children = []

    def text(self):
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def find(self, tag):
        out = []
        for c in self.children:
            if isinstance(c, Node):
                if c.tag == tag:
                    out.append(c)
                out.extend(c.find(tag))
        return out


class Dom(html.parser.HTMLParser):
    """A small DOM: every element, the ones with an id by id, the set of tags."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", [])
        self.stack = [self.root]
        self.ids = {}
        self.tags = set()
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs)
        self.tags.add(tag)
        self.stack[-1].children.append(n)
        if "id" in n.attrs:
            self.ids[n.attrs["id"]] = n
        if tag not in VOID:
            self.stack.append(n)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


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
        # Edge cases that are valid: a member known only from an event (no
        # ownership), a zero-length rebalance and interval, one lag sample,
        # and an empty run.
        p = self.write("edge.json", {
            "kassign_run": 1, "members": [{"member_id": "a"}],
            "topics": [{"name": "t", "partitions": 1}],
            "events": [{"t_ms": 5, "type": "stop", "member": "ghost"}],
            "rebalances": [{"generation": 1, "start_ms": 0, "end_ms": 0}],
            "ownership": [{"topic": "t", "partition": 0,
                           "intervals": [[0, 0, "a"], [0, 10, "zz"]]}],
            "lag": [[0, 1]]})
        self.kas("timeline", p, "-o", svg)
        texts, _ = self.svg_texts(svg)
        check("ghost" in texts and "zz" in texts, "members seen only in events or ownership")
        self.kas("report", p, "-o", self.path("edge.html"))
        p = self.write("empty.json", {"kassign_run": 1, "members": [], "topics": [],
                                      "events": [], "rebalances": []})
        self.kas("timeline", p, "-o", self.path("empty.png"))
        self.kas("report", p, "-o", self.path("empty.html"))
        # Names are any JSON string: a noncharacter (cairo refuses a string
        # holding one), a name long enough to be cut inside a character.
        p = self.write("names.json", {
            "kassign_run": 1, "name": "\u00e9" * 400,
            "members": [{"member_id": "\uffff-m"}, {"member_id": "\U0001d11e" * 300},
                        {"member_id": "\ufdd0x"}],
            "topics": [{"name": "t", "partitions": 1}], "events": [], "rebalances": [],
            "ownership": [{"topic": "t", "partition": 0,
                           "intervals": [[0, 5, "\uffff-m"], [5, 9, "\U0001d11e" * 300]]}]})
        self.kas("timeline", p, "-o", self.path("names.png"))
        self.kas("timeline", p, "-o", svg)
        texts, _ = self.svg_texts(svg)
        check("\ufffd-m" in texts and "\ufdd0x" in texts,
              "U+FFFF, no XML character, shown as U+FFFD; the rest as it is: %r" % texts[:5])
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

    # -- report

    def report_dom(self, html_text):
        """The page as a tree: (tag, attrs, children, text) nodes, by id."""
        return Dom(html_text)

    def check_page(self, dom, raw):
        for el in ("title", "summary", "timeline", "assignment", "rebalances", "events", "lag",
                   "plan"):
            check(el in dom.ids, "no element #%s (ids: %s)" % (el, sorted(dom.ids)))
        bad_tags = dom.tags - PAGE_TAGS
        check(not bad_tags, "unexpected elements %s: a member id not escaped?" % bad_tags)
        low = raw.lower()
        for ref in ("://", "src=", "href=", "url(", "@import", "<script", "<link", "<img",
                    "<iframe", "<object"):
            check(ref not in low, "the page refers to something outside it (%r)" % ref)
        # Summary: every figure of the run file's summary, by key.
        rows = {r.attrs.get("data-key"): r for r in dom.ids["summary"].find("tr")}
        for key, value in self.run_doc["summary"].items():
            check(key in rows, "summary lacks %s" % key)
            shown = float(rows[key].find("td")[1].text())
            check(abs(shown - value) <= 1e-5 * abs(value), "summary %s: %r" % (key, shown))
        # Timeline and lag: inline SVG, member labels as text.
        svgs = dom.ids["timeline"].find("svg")
        check(len(svgs) == 1, "#timeline has %d svg elements" % len(svgs))
        labels = [t.text() for t in svgs[0].find("text")]
        for m in self.member_ids:
            check(m in labels, "the timeline lacks the member label %r" % m)
        check(len(dom.ids["lag"].find("svg")) == 1, "#lag has no svg")
        # Rebalances: one row per generation, in order, with durations.
        rb = [[c.text() for c in r.find("td")] for r in dom.ids["rebalances"].find("tr")]
        rb = [r for r in rb if r]
        check([r[0] for r in rb] == ["1", "2", "3", "4"], "rebalance rows %r" % rb)
        check(all(r[5] == "3 s" for r in rb), "durations %r" % [r[5] for r in rb])
        check(rb[1][2] == "leave consumer-b" and rb[1][3] == "20 s", "row 2: %r" % rb[1])
        # Events in time order.
        ev = [[c.text() for c in r.find("td")] for r in dom.ids["events"].find("tr")]
        ev = [e for e in ev if e]
        check(len(ev) == 6 and ev[-1] == ["40 s", "join", "consumer-e"], "events %r" % ev)
        check(["20 s", "stop", "consumer-b"] in ev and ["25 s", "start", "consumer-b"] in ev,
              "events %r" % ev)

    def check_assignment(self, dom, want):
        got = {}
        for r in dom.ids["assignment"].find("tr"):
            cells = [c.text() for c in r.find("td")]
            if cells:
                got[cells[0]] = (cells[2], cells[3], cells[4])
        check(got == want, "final assignment %r, expected %r" % (got, want))

    def final_assignment(self):
        a, b, c, e = self.member_ids
        return {a: ("in the group", "2", "t0: 0-1"), b: ("in the group", "1", "t0: 2"),
                c: ("in the group", "2", "t0: 3-4"), e: ("in the group", "1", "t0: 5")}

    def case_report(self):
        out = self.path("r.html")
        self.kas("report", self.small, "-o", out)
        with open(out, encoding="utf-8") as f:
            raw = f.read()
        dom = Dom(raw)
        self.check_page(dom, raw)
        self.check_assignment(dom, self.final_assignment())
        # Without ownership the page says so and still lists every member.
        doc = copy.deepcopy(self.run_doc)
        del doc["ownership"]
        p = self.write("no-own.json", doc)
        self.kas("report", p, "-o", out)
        with open(out, encoding="utf-8") as f:
            raw = f.read()
        dom = Dom(raw)
        check("Ownership is omitted" in dom.ids["assignment"].text(), "no note on ownership")
        self.check_assignment(dom, {m: ("in the group", "-", "-") for m in self.member_ids})
        # Bad input: exit 2, the place named, no page.
        doc = copy.deepcopy(self.run_doc)
        doc["rebalances"][2]["kind"] = 7
        p = self.write("bad.json", doc)
        bad_out = self.path("bad.html")
        r = self.kas("report", p, "-o", bad_out, want=2)
        check("rebalances[2].kind" in r.stderr, "place not named", r)
        check(not os.path.exists(bad_out), "a page was left behind")
        self.kas("report", self.small, want=2)
        r = self.kas("report", "--help")
        check("Usage: kassign report" in r.stdout, "no usage", r)

    def case_browser(self):
        exe = shutil.which("chromium") or shutil.which("chromium-browser")
        if not exe:
            raise Skip("chromium is not installed (scripts/deps.sh installs it)")
        out = self.path("page.html")
        self.kas("report", self.small, "-o", out)
        with open(out, encoding="utf-8") as f:
            raw = f.read()
        # Any name lookup fails, so a page that fetched something would
        # still load, but check_page finds no reference in it either.
        cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-extensions", "--user-data-dir=" + self.path("profile"),
               "--host-resolver-rules=MAP * ~NOTFOUND", "--dump-dom", "file://" + out]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        print("$ chromium --headless --dump-dom -> %d, %d bytes" % (p.returncode, len(p.stdout)))
        check(p.returncode == 0 and "<body" in p.stdout, "chromium did not load the page", p)
        dom = Dom(p.stdout)
        self.check_page(dom, raw)
        self.check_assignment(dom, self.final_assignment())
        check(dom.ids["title"].text() == "fixture-small", "title %r" % dom.ids["title"].text())

    def case_simulated(self):
        # Run files of the real simulator (presets), read by timeline and
        # report: the contract of docs/simulation.md from both ends. The
        # final assignment on the page is recomputed here from `ownership`.
        for preset in ("crash", "rolling-10-eager", "scale-out"):
            run = self.path(preset + ".json")
            self.kas("simulate", "--preset", preset, "-o", run)
            with open(run) as f:
                doc = json.load(f)
            ids = [m["member_id"] for m in doc["members"]]
            svg = self.path(preset + ".svg")
            self.kas("timeline", run, "-o", svg, "--rows", "1000")
            texts, _ = self.svg_texts(svg)
            for m in ids:
                check(m in texts, "%s: timeline lacks %r" % (preset, m))
            page = self.path(preset + ".html")
            self.kas("report", run, "-o", page)
            with open(page, encoding="utf-8") as f:
                dom = Dom(f.read())
            rb = [r for r in dom.ids["rebalances"].find("tr") if r.find("td")]
            check(len(rb) == len(doc["rebalances"]), "%s: %d rebalance rows for %d" %
                  (preset, len(rb), len(doc["rebalances"])))
            ev = [r for r in dom.ids["events"].find("tr") if r.find("td")]
            check(len(ev) == len(doc["events"]), "%s: %d event rows" % (preset, len(ev)))
            end = doc["summary"]["duration_ms"]
            want = {m: 0 for m in ids}
            for p in doc["ownership"]:
                last = max(p["intervals"], key=lambda iv: iv[1], default=None)
                if last and last[1] >= end - 0.5:
                    want[last[2]] = want.get(last[2], 0) + 1
            got = {}
            for r in dom.ids["assignment"].find("tr"):
                cells = [c.text() for c in r.find("td")]
                if cells:
                    got[cells[0]] = int(cells[3])
            check(got == want, "%s: final counts %r, expected %r" % (preset, got, want))
            check(sum(got.values()) > 0, "%s: nobody owns anything at the end" % preset)

    # -- import

    def data(self, name):
        return os.path.join(self.src, "tests", "data", "import", name)

    def assign_and_check(self, scenario, strategy):
        a = self.path("a-%s.json" % strategy)
        self.kas("assign", "--strategy", strategy, "-o", a, scenario)
        self.kas("check", "--strategy", strategy, scenario, a)
        with open(a) as f:
            return json.load(f)["assignment"]

    def case_import(self):
        out = self.path("s.json")
        r = self.kas("import", self.data("describe.txt"), "--members", self.data("members.txt"),
                     "-o", out)
        check("1 of 7 partitions of 'orders' have no consumer (orders-6 first)" in r.stderr,
              "no warning on orders-6", r)
        with open(out) as f:
            sc = json.load(f)
        check(sc["name"] == "orders-app", "name %r" % sc.get("name"))
        topics = {t["name"]: t["partitions"] for t in sc["topics"]}
        check(topics == {"orders": 7, "payments": 3}, "topics %r" % topics)
        mem = {m["member_id"].split("-")[1]: m for m in sc["members"]}
        check(sorted(mem) == ["1", "2", "3", "4"], "members %r" % sorted(mem))
        check(mem["1"].get("group_instance_id") == "host-a", "instance id %r" % mem["1"])
        check("group_instance_id" not in mem["4"], "consumer-4 has no instance id: %r" % mem["4"])
        check(mem["1"]["owned"] == {"orders": [0, 1, 2]}, "owned %r" % mem["1"])
        check(mem["2"]["owned"] == {"orders": [3, 4, 5], "payments": [0]}, "owned %r" % mem["2"])
        check("owned" not in mem["4"] and "generation" not in mem["1"], "%r" % mem)
        check(mem["1"]["topics"] == ["orders"] and mem["3"]["topics"] == ["payments"],
              "subscriptions: the topics owned %r" % mem)
        check(mem["4"]["topics"] == {"pattern": ".*"}, "owning nothing: every topic %r" % mem["4"])
        # orders-6 has no consumer: in the topic count, owned by nobody.
        for strategy in ("range", "sticky", "cooperative-sticky", "uniform"):
            self.assign_and_check(out, strategy)
        # The imported ownership is what a sticky plan starts from: the
        # optimum (fewest moves at the best balance) keeps consumer-1's
        # partitions. (Kafka's own StickyAssignor does not here: its
        # balancing loop moves orders-0 to consumer-4 and orders-3 to
        # consumer-1, which the sticky suites check against a transcription.)
        a = self.assign_and_check(out, "optimal")
        owner = {m: parts for m, parts in a.items()}
        c1 = [m for m in owner if m.startswith("consumer-1-")][0]
        check(set(owner[c1].get("orders", [])) <= {0, 1, 2, 6}, "optimal moved %r" % owner[c1])
        # --subscribe-all and --partitions.
        r = self.kas("import", self.data("describe.txt"), "--subscribe-all", "--partitions",
                     "orders=12", "-o", out)
        with open(out) as f:
            sc = json.load(f)
        check({t["name"]: t["partitions"] for t in sc["topics"]} == {"orders": 12, "payments": 3},
              "--partitions %r" % sc["topics"])
        check(all(m["topics"] == {"pattern": ".*"} for m in sc["members"]), "--subscribe-all")
        check("6 of 12 partitions of 'orders' have no consumer (orders-6 first)" in r.stderr,
              "no warning on orders-6..11", r)
        check(len(sc["members"]) == 3, "describe alone: 3 members")
        self.assign_and_check(out, "roundrobin")
        # --members without --verbose: member ids only; consumer-4 owns
        # nothing and subscribes to every topic.
        with open(self.data("members.txt")) as f:
            lines = f.read().splitlines()
        cut = lines[1].index("ASSIGNMENT")
        plain = [l[:cut] for l in lines]
        p = self.write("plain.txt", "\n".join(plain) + "\n")
        self.kas("import", self.data("describe.txt"), "--members", p, "-o", out)
        with open(out) as f:
            sc = json.load(f)
        mem = {m["member_id"].split("-")[1]: m for m in sc["members"]}
        check(sorted(mem) == ["1", "2", "3", "4"] and "owned" not in mem["4"] and
              mem["4"]["topics"] == {"pattern": ".*"} and
              mem["2"]["owned"] == {"orders": [3, 4, 5], "payments": [0]}, "plain --members %r" % mem)
        # stdout when -o is not given.
        r = self.kas("import", self.data("describe.txt"))
        check(json.loads(r.stdout)["name"] == "orders-app", "stdout", r)

    def case_import_formats(self):
        out = self.path("k.json")
        self.kas("import", self.data("members-kip848.txt"), "-o", out)
        with open(out) as f:
            sc = json.load(f)
        check({t["name"]: t["partitions"] for t in sc["topics"]} == {"clicks": 6, "views": 2},
              "topics %r" % sc["topics"])
        mem = {m["member_id"]: m for m in sc["members"]}
        check(mem["aZ9yX8wV7uT6sR5qP4oN3m"]["owned"] == {"clicks": [5], "views": [0, 1]},
              "owned %r" % mem)
        for strategy in ("uniform", "sticky"):
            self.assign_and_check(out, strategy)
        # Empty group: topics and their partitions, no member.
        r = self.kas("import", self.data("empty.txt"), "-o", out)
        with open(out) as f:
            sc = json.load(f)
        check(sc["members"] == [] and sc["topics"] == [{"name": "orders", "partitions": 3}],
              "empty group %r" % sc)
        self.assign_and_check(out, "range")
        # Extra spacing, tabs, blank lines and a rebalancing warning are fine.
        with open(self.data("describe.txt")) as f:
            lines = f.read().splitlines()
        messy = ["", "Warning: Consumer group 'orders-app' is rebalancing.", ""]
        messy += ["  " + "\t".join(l.split()) + "   " for l in lines if l.strip()]
        p = self.write("messy.txt", "\n\n".join(messy) + "\n")
        r = self.kas("import", p, "-o", out)
        check("is rebalancing" in r.stderr, "the warning is passed on", r)
        with open(out) as f:
            check({t["name"]: t["partitions"] for t in json.load(f)["topics"]} ==
                  {"orders": 7, "payments": 3}, "messy listing")

    def case_import_bad(self):
        out = self.path("bad.json")
        with open(self.data("describe.txt")) as f:
            good = f.read().splitlines()
        with open(self.data("members.txt")) as f:
            members = f.read().splitlines()

        def broken(name, lines, *want, members_lines=None):
            p = self.write(name, "\n".join(lines) + "\n")
            args = ["import", p]
            if members_lines is not None:
                args += ["--members", self.write("m-" + name, "\n".join(members_lines) + "\n")]
            r = self.kas(*args, "-o", out, want=2)
            for w in want:
                check(w in r.stderr, "the message lacks %r" % w, r)
            check(not os.path.exists(out), "an output file was left behind")

        def edit(lines, i, old, new):
            lines = list(lines)
            check(old in lines[i], "fixture line %d lacks %r" % (i + 1, old))
            lines[i] = lines[i].replace(old, new, 1)
            return lines

        broken("short.txt", edit(good, 4, "/10.0.0.11      consumer-1", "/10.0.0.11"),
               "short.txt:5:", "expected 9 columns", "found 8")
        broken("part.txt", edit(good, 3, "orders          1 ", "orders          x "),
               "part.txt:4:", "PARTITION must be a partition number", "'x'")
        broken("lag.txt", edit(good, 2, " 20  ", " 2O  "), "lag.txt:3:", "LAG must be a number")
        broken("nohead.txt", good[2:], "nohead.txt:1:", "a row before any header")
        broken("group.txt", edit(good, 7, "orders-app", "other-app"), "group.txt:8:",
               "second group", "one group at a time")
        broken("col.txt", edit(good, 1, "LAG ", "LAGS"), "col.txt:2:", "unknown column 'LAGS'")
        broken("err.txt", ["", "Error: Consumer group 'nope' does not exist."], "err.txt:2:",
               "reports an error")
        broken("state.txt", ["GROUP   COORDINATOR (ID)   ASSIGNMENT-STRATEGY  STATE  #MEMBERS",
                             "g   b1:9092  (1)   range   Stable   3"], "state.txt:1:",
               "--describe --state")
        broken("nothing.txt", ["", "hello"], "nothing.txt:2:", "a row before any header")
        broken("blank.txt", ["", "   "], "no listing found")
        broken("header.txt", ["", good[1], ""], "header.txt:2: a header but no rows")
        broken("asg.txt", good, "m-asg.txt:4:", "ASSIGNMENT: expected",
               members_lines=edit(members, 3, "payments(0)", "payments[0]"))
        broken("count.txt", good, "m-count.txt:3:", "#PARTITIONS is 2 but ASSIGNMENT lists 3",
               members_lines=edit(members, 2, "3               orders", "2               orders"))
        disagree = edit(members, 2, "3               orders(0,1,2)", "2               orders(0,1)")
        disagree = edit(disagree, 4, "2               payments(1,2)",
                        "3               orders(2), payments(1,2)")
        broken("disagree.txt", good, "partition orders-2 is owned by", "the listings disagree",
               members_lines=disagree)
        r = self.kas("import", self.data("describe.txt"), "--partitions", "orders=5", "-o", out,
                     want=2)
        check("names partition 6 of 'orders'" in r.stderr, "--partitions too small", r)
        self.kas("import", self.data("describe.txt"), "--partitions", "orders", want=2)
        self.kas("import", self.path("missing.txt"), want=2)
        self.kas("import", want=2)
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
