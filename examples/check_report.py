#!/usr/bin/python3
"""Compare feed_handler's report (stdin or a file) with the gaps
make_feed_pcap.py built into the capture (EXPECT.json). Prints every
difference; exit 0 when the report is exactly as expected, else 1.

    check_report.py EXPECT.json REPORT.txt
"""
import json
import re
import sys


def parse(text):
    report = {"A": None, "B": None, "arbitrated": None}
    gaps = {"A": [], "B": []}
    lost = []
    for line in text.splitlines():
        m = re.match(r"^line ([AB]): .* datagrams (\d+), gaps (\d+) \(missing (\d+), "
                     r"line [AB] filled (\d+)\)", line)
        if m:
            report[m.group(1)] = {"datagrams": int(m.group(2)), "gap_count": int(m.group(3)),
                                  "missing": int(m.group(4)), "recovered": int(m.group(5))}
            continue
        m = re.match(r"^  gap ([AB]) (\d+)(?:\.\.(\d+))?$", line)
        if m:
            gaps[m.group(1)].append([int(m.group(2)), int(m.group(3) or m.group(2))])
            continue
        m = re.match(r"^arbitrated: sequence (\d+)\.\.(\d+): unique (\d+), lost (\d+)", line)
        if m:
            report["arbitrated"] = {"first": int(m.group(1)), "last": int(m.group(2)),
                                    "unique": int(m.group(3)), "lost_count": int(m.group(4))}
            continue
        m = re.match(r"^  lost (\d+)(?:\.\.(\d+))?$", line)
        if m:
            lost.append([int(m.group(1)), int(m.group(2) or m.group(1))])
    return report, gaps, lost


def main():
    expect = json.load(open(sys.argv[1]))
    text = open(sys.argv[2]).read()
    report, gaps, lost = parse(text)
    problems = []

    def same(what, wanted, got):
        if wanted != got:
            problems.append(f"{what}: reported {got}, built {wanted}")

    for name in ("A", "B"):
        if report[name] is None:
            problems.append(f"no 'line {name}:' summary")
            continue
        wanted = expect[name]
        same(f"line {name} datagrams", wanted["datagrams"], report[name]["datagrams"])
        same(f"line {name} gaps", wanted["gaps"], gaps[name])
        same(f"line {name} gap count", len(wanted["gaps"]), report[name]["gap_count"])
        same(f"line {name} missing", sum(b - a + 1 for a, b in wanted["gaps"]),
             report[name]["missing"])
        same(f"line {name} filled by the other line", wanted["recovered"],
             report[name]["recovered"])
    if report["arbitrated"] is None:
        problems.append("no 'arbitrated:' summary")
    else:
        wanted = expect["arbitrated"]
        for key in ("first", "last", "unique"):
            same(f"arbitrated {key}", wanted[key], report["arbitrated"][key])
        same("arbitrated losses", wanted["lost"], lost)
        same("arbitrated lost count", sum(b - a + 1 for a, b in wanted["lost"]),
             report["arbitrated"]["lost_count"])
    for p in problems:
        print("  " + p)
    if problems:
        print(f"FAIL: {len(problems)} difference(s) between the report and the capture")
        return 1
    print("PASS: every deliberate gap reported, per line and after arbitration, and nothing else")
    return 0


if __name__ == "__main__":
    sys.exit(main())
