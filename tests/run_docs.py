#!/usr/bin/env python3
"""run_docs.py - docs/cli.md against the command line itself: every command
that `kassign --help` lists has a section `## COMMAND` in docs/cli.md, and
every option that `kassign COMMAND --help` names (long --name and short -x)
appears in that section, or in a section that is not a command's (what
every command shares, such as -h, --help and -o FILE, --output FILE is
written once, in "Exit status and output"). Commands not built into this kassign (KA_PROBE,
KA_VIEWS off) are skipped by name.

Usage: run_docs.py SOURCE_DIR KASSIGN. Exit 0 all present, 1 something
missing (each named), 77 when nothing could be checked."""
import re
import subprocess
import sys


def sections(text):
    """{name: body} of the `## name` sections (up to the next `## `)."""
    out, name, body = {}, None, []
    for line in text.splitlines():
        if line.startswith("## "):
            if name:
                out[name] = "\n".join(body)
            name, body = line[3:].strip(), []
        elif name:
            body.append(line)
    if name:
        out[name] = "\n".join(body)
    return out


def options(help_text):
    """The options a --help text names: --long and -x (x a letter)."""
    longs = set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", help_text))
    shorts = set(re.findall(r"(?<![\w-])(-[a-zA-Z])\b", help_text))
    return sorted(longs | shorts)


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    src, kassign = argv[1], argv[2]
    with open(src + "/docs/cli.md", encoding="utf-8") as f:
        doc = sections(f.read())
    top = subprocess.run([kassign, "--help"], capture_output=True, text=True)
    m = re.search(r"^Commands:\n((?:  \S.*\n)+)", top.stdout, re.M)
    if top.returncode != 0 or not m:
        print("kassign --help lists no commands:\n" + top.stdout + top.stderr)
        return 1
    commands = [line.split()[0] for line in m.group(1).splitlines()]
    common = "\n".join(body for name, body in doc.items() if name not in commands)
    missing, checked = [], 0
    for cmd in commands:
        p = subprocess.run([kassign, cmd, "--help"], capture_output=True, text=True)
        if p.returncode == 2 and "is not built into this kassign" in p.stderr:
            print("skipped %s: not built" % cmd)
            continue
        if p.returncode != 0:
            missing.append("kassign %s --help exits %d" % (cmd, p.returncode))
            continue
        if cmd not in doc:
            missing.append("docs/cli.md has no section '## %s'" % cmd)
            continue
        for opt in options(p.stdout):
            checked += 1
            pattern = r"(?<![\w-])%s(?![\w-])" % re.escape(opt)
            if not re.search(pattern, doc[cmd]) and not re.search(pattern, common):
                missing.append("kassign %s --help names %s; docs/cli.md's '## %s' does not"
                               % (cmd, opt, cmd))
    for line in missing:
        print(line)
    print("%d options of %d commands checked, %d missing" % (checked, len(commands),
                                                           len(missing)))
    if missing:
        return 1
    return 0 if checked else 77


if __name__ == "__main__":
    sys.exit(main(sys.argv))
