"""Counts a junit XML run of E2B's suite by area (sandbox, api, template, volume, ...).

A module that cannot be imported is one junit entry (pytest) or fails every case (vitest); its
cases are counted under "internal" when it imports E2B's HTTP/RPC client internals, which no
local library has, and under "no name" when it imports a public name SoulBox lacks."""

import collections
import pathlib
import re
import sys
import xml.etree.ElementTree as ET

_INTERNAL = re.compile(r"ModuleNotFoundError|Cannot find module|Failed to load url|"
                       r"Cannot find package")
junit, tests_dir = sys.argv[1], pathlib.Path(sys.argv[2])
rows = collections.defaultdict(collections.Counter)


def area(module: str) -> str:
    parts = [p for p in re.split(r"[./]", module) if p and p != "tests"]
    if "git" in parts:
        return "git"
    for p in parts:
        for name in ("sandbox", "api", "template", "volume", "secret", "git", "files",
                     "commands", "pty"):
            if p.startswith(name) or p.endswith(name):
                return "sandbox" if name in ("files", "commands", "pty") else name
    return "sdk unit"


def cases_in(module: str) -> int:
    path = tests_dir.parent / (module.replace(".", "/") + ".py")
    text = path.read_text() if path.exists() else ""
    return len(re.findall(r"^\s*(?:async\s+)?def test_", text, re.M))


for case in ET.parse(junit).getroot().iter("testcase"):
    tags = {child.tag: child for child in case}
    problem = tags.get("failure", tags.get("error"))
    text = "" if problem is None else (problem.get("message", "") + (problem.text or ""))
    if not case.get("classname") and "error" in tags:  # pytest: module not importable
        module = case.get("name", "")
        rows[area(module)]["internal" if _INTERNAL.search(text) else "no name"] += cases_in(module)
    elif problem is not None:
        module = case.get("classname", "")
        kind = "failed"
        if _INTERNAL.search(problem.get("message", "")):
            kind = "internal"
        rows[area(module)][kind] += 1
    elif "skipped" in tags:
        rows[area(case.get("classname", ""))]["skipped"] += 1
    else:
        rows[area(case.get("classname", ""))]["passed"] += 1

columns = ("passed", "failed", "no name", "skipped", "internal")
total = collections.Counter()
print(f"{'area':<10}" + "".join(f"{c:>10}" for c in columns))
for name in sorted(rows):
    total.update(rows[name])
    print(f"{name:<10}" + "".join(f"{rows[name][c]:>10}" for c in columns))
print(f"{'total':<10}" + "".join(f"{total[c]:>10}" for c in columns))
print(f"E2B yardstick: {total['passed']} of {sum(total.values())} cases pass; "
      f"{total['internal']} exercise E2B's client internals")
