#!/usr/bin/python3
"""The reference documentation cannot drift from the headers silently.

Checks, from the headers' text (no hard-coded lists):
  - docs/api.md has a table row "| `name` |" for every function declared in
    include/mcastrx.h and control/mrx_control.h, and no row for a function
    that is not declared (a removed or renamed one);
  - docs/operations.md's data-plane drop table has a row for every entry of
    MCASTRX_DROP_REASONS, and its control table one for every DROP_ entry of
    MRX_COUNTERS, and no row for a reason the headers do not have.
Prints each difference; exits 1 if there is any.

    check_docs.py SOURCE_ROOT
"""
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 else "."
HEADERS = ["include/mcastrx.h", "control/mrx_control.h"]


def declared_functions(path):
    text = open(f"{root}/{path}").read()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"#define[^\n]*(?:\\\n[^\n]*)*", "", text)  # macros, with continuations
    # a declaration: return type, name, "(" ... ");" at file scope; skip
    # function-pointer parameters such as void (*cb)(...)
    names = re.findall(r"^[A-Za-z_][\w \t\*]*?\b((?:mcastrx|mrx)_\w+)\s*\(", text, re.M)
    return set(names)


def xmacro_names(path, table):
    text = open(f"{root}/{path}").read()
    m = re.search(r"#define " + table + r"\(X\)((?:[^\n]*\\\n)*[^\n]*)", text)
    if not m:
        sys.exit(f"check_docs: {path}: no X-macro table {table}")
    return re.findall(r"X\(([A-Z0-9_]+),", m.group(1))


def table_rows(text):
    return set(re.findall(r"^\| `([A-Za-z0-9_]+)` \|", text, re.M))


def section(text, start, end):
    i = text.index(start)
    j = text.index(end, i) if end else len(text)
    return text[i:j]


problems = []
api = open(f"{root}/docs/api.md").read()
functions = set()
for header in HEADERS:
    functions |= declared_functions(header)
rows = {r for r in table_rows(api) if r.startswith(("mcastrx_", "mrx_"))}
for name in sorted(functions - rows):
    problems.append(f"docs/api.md: no row for {name} (declared in the headers)")
for name in sorted(rows - functions):
    problems.append(f"docs/api.md: row for {name}, which no header declares")

ops = open(f"{root}/docs/operations.md").read()
data_table = table_rows(section(ops, "## 7.", "## 8."))
control_table = table_rows(section(ops, "## 8.", "## Quick checklist"))
drops = set(xmacro_names("include/mcastrx.h", "MCASTRX_DROP_REASONS"))
control = {c for c in xmacro_names("control/mrx_control.h", "MRX_COUNTERS") if c.startswith("DROP_")}
for name in sorted(drops - data_table):
    problems.append(f"docs/operations.md: drop reason {name} (MCASTRX_DROP_REASONS) not explained")
for name in sorted(data_table - drops):
    problems.append(f"docs/operations.md: drop reason {name} is not in MCASTRX_DROP_REASONS")
for name in sorted(control - control_table):
    problems.append(f"docs/operations.md: control counter {name} (MRX_COUNTERS) not explained")
for name in sorted(control_table - control):
    problems.append(f"docs/operations.md: control counter {name} is not a DROP_ entry of MRX_COUNTERS")

for p in problems:
    print("  " + p)
if problems:
    print(f"FAIL: {len(problems)} difference(s) between the docs and the headers")
    sys.exit(1)
print(f"PASS: api.md covers all {len(functions)} public functions; operations.md all "
      f"{len(drops)} drop reasons and {len(control)} control drop counters")
