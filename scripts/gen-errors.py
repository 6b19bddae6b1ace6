#!/usr/bin/env python3
"""Writes the error-code tables from src/core/error_codes.txt, the one list of error codes and
error subjects.

Each table lives between a `BEGIN GENERATED <region>` and an `END GENERATED <region>` line in its
file; only what lies between them is rewritten. With --check nothing is written: the exit status
is 1 (and the stale files are named) when a table differs from what the list gives.

Usage: scripts/gen-errors.py [--check] [--root DIR]
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List

LIST = "src/core/error_codes.txt"


@dataclass
class Code:
    number: int
    name: str  # C++ spelling: not_found
    text: str  # soulbox_errc_name: "not found"
    python: str
    node: str
    meaning: str  # "" when the name says it all

    @property
    def c_name(self) -> str:
        return "SOULBOX_OK" if self.number == 0 else "SOULBOX_ERR_" + self.name.upper()


@dataclass
class Subject:
    number: int
    name: str
    text: str
    meaning: str

    @property
    def c_name(self) -> str:
        return "SOULBOX_SUBJECT_" + self.name.upper()


@dataclass
class Refinement:
    code: Code
    subject: Subject
    python: str
    node: str


@dataclass
class Table:
    codes: List[Code]
    subjects: List[Subject]
    refinements: List[Refinement]


def fail(message: str) -> None:
    sys.exit(f"gen-errors: {message}")


def parse(text: str) -> Table:
    codes: List[Code] = []
    subjects: List[Subject] = []
    refinements: List[Refinement] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        head, *fields = [f.strip() for f in line.split(" | ")]
        fields = ["" if f == "-" else f for f in fields]
        words = head.split()
        where = f"{LIST}:{lineno}"
        if words[0] == "code" and len(words) == 3 and len(fields) == 4:
            codes.append(Code(int(words[1]), words[2], *fields))
        elif words[0] == "subject" and len(words) == 3 and len(fields) == 2:
            subjects.append(Subject(int(words[1]), words[2], *fields))
        elif words[0] == "refine" and len(words) == 3 and len(fields) == 2:
            code = next((c for c in codes if c.name == words[1]), None)
            subject = next((s for s in subjects if s.name == words[2]), None)
            if code is None or subject is None:
                fail(f"{where}: refine names an unknown code or subject")
            refinements.append(Refinement(code, subject, *fields))
        else:
            fail(f"{where}: cannot read {line!r}")
    for kind, items in (("code", codes), ("subject", subjects)):
        # The C++ name tables are indexed by number.
        if [i.number for i in items] != list(range(len(items))):
            fail(f"{kind} numbers must run 0, 1, 2, ... in order")
        if len({i.name for i in items}) != len(items):
            fail(f"{kind} names repeat")
    if not codes or codes[0].name != "ok" or not subjects or subjects[0].name != "none":
        fail("code 0 must be ok and subject 0 none")
    return Table(codes, subjects, refinements)


def c_enum(tag: str, items: list, meaning: Callable) -> List[str]:
    out = [f"typedef enum {tag} {{"]
    for i, item in enumerate(items):
        comma = "," if i + 1 < len(items) else ""
        note = f" /* {meaning(item)} */" if meaning(item) else ""
        out.append(f"    {item.c_name} = {item.number}{comma}{note}")
    out.append(f"}} {tag};")
    return out


def c_header(t: Table) -> List[str]:
    return [
        "/* clang-format off */",
        *c_enum("soulbox_errc", t.codes, lambda c: c.meaning),
        "",
        "/* What an error refers to (soulbox_error_subject): a NOT_FOUND about a path is a missing",
        " * file, one about a process an unknown pid. */",
        *c_enum("soulbox_subject", t.subjects, lambda s: s.meaning),
        "/* clang-format on */",
    ]


def cpp_enum(name: str, items: list, meaning: Callable) -> List[str]:
    out = [f"enum class {name} : int {{"]
    for item in items:
        note = f" // {meaning(item)}" if meaning(item) else ""
        out.append(f"    {item.name} = {item.number},{note}")
    out.append("};")
    return out


def cpp_names(name: str, items: list) -> List[str]:
    return [f"inline constexpr std::string_view {name}[] = {{",
            *(f'    "{i.text}",' for i in items), "};"]


def cpp_header(t: Table) -> List[str]:
    return [
        "// clang-format off",
        "// Stable numeric codes; the C ABI exposes the same numbers (soulbox_errc).",
        *cpp_enum("Errc", t.codes, lambda c: c.meaning),
        "",
        "// What an error refers to, so that callers (and the bindings) can tell a missing file from",
        "// an unknown sandbox id; the C ABI exposes the same numbers (soulbox_subject).",
        *cpp_enum("ErrorSubject", t.subjects, lambda s: s.meaning),
        "",
        "namespace detail {",
        "// Indexed by number: what errc_name() and error_subject_name() return.",
        *cpp_names("kErrcNames", t.codes),
        *cpp_names("kErrorSubjectNames", t.subjects),
        "} // namespace detail",
        "// clang-format on",
    ]


def python_tables(t: Table) -> List[str]:
    out = ["# soulbox_errc -> class.", "_BY_CODE = {"]
    out += [f"    {c.number}: {c.python},  # {c.name}" for c in t.codes]
    out += ["}", "# (soulbox_errc, soulbox_subject) -> class, where the subject refines the code.",
            "_BY_CODE_AND_SUBJECT = {"]
    out += [f"    ({r.code.number}, {r.subject.number}): {r.python},  # {r.code.name}, {r.subject.name}"
            for r in t.refinements]
    out += ["}", "# soulbox_subject -> name.",
            "_SUBJECT_NAMES = (" + ", ".join(f'"{s.text}"' for s in t.subjects) + ")"]
    return out


def node_tables(t: Table) -> List[str]:
    out = ["// Indexed by soulbox_errc: [code name, class].", "const BY_ERRC = ["]
    out += [f"  ['{c.name.upper()}', {c.node}]," for c in t.codes]
    out += ["]", "// Indexed by soulbox_subject.",
            "const SUBJECTS = [" + ", ".join(f"'{s.text}'" for s in t.subjects) + "]",
            "// `${errc}:${subject}` -> class, where the subject refines the code.",
            "const BY_ERRC_AND_SUBJECT = new Map(["]
    out += [f"  ['{r.code.number}:{r.subject.number}', {r.node}], // {r.code.name}, {r.subject.name}"
            for r in t.refinements]
    out += ["])"]
    return out


# file -> {region: lines}
TARGETS: Dict[str, Dict[str, Callable[[Table], List[str]]]] = {
    "include/soulbox/soulbox.h": {"errc": c_header},
    "include/soulbox/error.hpp": {"errc": cpp_header},
    "bindings/python/src/soulbox/exceptions.py": {"errors": python_tables},
    "bindings/node/lib/errors.js": {"errors": node_tables},
}


def fill(path: Path, regions: Dict[str, Callable[[Table], List[str]]], table: Table) -> str:
    lines = path.read_text().split("\n")
    for region, make in regions.items():
        begin = [i for i, l in enumerate(lines) if re.search(rf"BEGIN GENERATED {region}\b", l)]
        end = [i for i, l in enumerate(lines) if re.search(rf"END GENERATED {region}\b", l)]
        if len(begin) != 1 or len(end) != 1 or end[0] < begin[0]:
            fail(f"{path}: needs one BEGIN GENERATED {region} line and one END after it")
        lines[begin[0] + 1:end[0]] = make(table)
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if a table is stale")
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    args = parser.parse_args()
    table = parse((args.root / LIST).read_text())
    stale = []
    for name, regions in TARGETS.items():
        path = args.root / name
        text = fill(path, regions, table)
        if text == path.read_text():
            continue
        stale.append(name)
        if not args.check:
            path.write_text(text)
    if args.check and stale:
        print(f"stale error tables (run scripts/gen-errors.py): {', '.join(stale)}",
              file=sys.stderr)
        return 1
    for name in stale:
        print(f"wrote {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
