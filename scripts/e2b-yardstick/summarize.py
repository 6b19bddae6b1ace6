"""Counts a junit XML run of E2B's suite: passed, failed, skipped, and the cases in modules that
cannot be collected locally because they import E2B's HTTP/RPC client internals or hosted-only
features (a collection error is one junit entry; the module's test functions are counted)."""

import pathlib
import re
import sys
import xml.etree.ElementTree as ET

_MISSING_MODULE = re.compile(r"Cannot find module|Failed to load url|Cannot find package")
junit, tests_dir = sys.argv[1], pathlib.Path(sys.argv[2])
counts = {"passed": 0, "failed": 0, "skipped": 0}
uncollected = {}
for case in ET.parse(junit).getroot().iter("testcase"):
    tags = {child.tag: child for child in case}
    if not case.get("classname") and "error" in tags:
        module = case.get("name", "")
        path = tests_dir.parent / (module.replace(".", "/") + ".py")
        text = path.read_text() if path.exists() else ""
        uncollected[module] = len(re.findall(r"^\s*(?:async\s+)?def test_", text, re.M))
    elif "error" in tags or "failure" in tags:
        problem = tags.get("failure", tags.get("error"))
        message = problem.get("message", "") if problem is not None else ""
        if _MISSING_MODULE.search(message):  # vitest: the file imports what is not there
            module = case.get("classname", "")
            uncollected[module] = uncollected.get(module, 0) + 1
        else:
            counts["failed"] += 1
    elif "skipped" in tags:
        counts["skipped"] += 1
    else:
        counts["passed"] += 1
total = sum(counts.values()) + sum(uncollected.values())
print(f"E2B yardstick: {counts['passed']} passed, {counts['failed']} failed, "
      f"{counts['skipped']} skipped, {sum(uncollected.values())} in {len(uncollected)} modules "
      f"that import E2B client internals (not collectable); {total} cases")
if "-v" in sys.argv:
    for module, n in sorted(uncollected.items()):
        print(f"  not collectable: {module} ({n})")
