#!/usr/bin/python3
"""Count test results from meson's testlog.json of each build directory.

A TAP test (cmocka with CMOCKA_MESSAGE_OUTPUT=TAP) counts each 'ok' / 'not ok'
line; any other test counts once by its result. A TAP test that crashed
before its plan was complete also counts one failure. Prints per-suite lines
and a final 'tests: N passed, N failed' line; exits 1 if anything failed or
nothing ran."""
import json, re, sys

def count(build):
    passed = failed = skipped = 0
    failures = []
    try:
        lines = open(f"{build}/meson-logs/testlog.json").read().splitlines()
    except OSError:
        return 0, 1, 0, [f"{build}: no testlog.json (build failed?)"]
    for line in lines:
        t = json.loads(line)
        name, result, out = t["name"], t["result"], t.get("stdout") or ""
        tap_ok = re.findall(r"^ok \d+", out, re.M)
        tap_bad = re.findall(r"^not ok \d+.*$", out, re.M)
        if t.get("protocol") == "tap" or tap_ok or tap_bad:
            plan = re.search(r"^1\.\.(\d+)", out, re.M)
            passed += len(tap_ok)
            failed += len(tap_bad)
            failures += [f"{build}: {name}: {b}" for b in tap_bad]
            ran = len(tap_ok) + len(tap_bad)
            if result not in ("OK", "EXPECTEDFAIL") and not tap_bad:
                failed += 1
                failures.append(f"{build}: {name}: {result} after {ran} cases")
            elif plan and int(plan.group(1)) > ran:
                failed += 1
                failures.append(f"{build}: {name}: plan {plan.group(1)} but {ran} ran")
        elif result == "SKIP":
            skipped += 1
        elif result in ("OK", "EXPECTEDFAIL"):
            passed += 1
        else:
            failed += 1
            failures.append(f"{build}: {name}: {result}")
    return passed, failed, skipped, failures

total_p = total_f = total_s = 0
for build in sys.argv[1:]:
    p, f, s, fl = count(build)
    for x in fl:
        print("FAILED", x)
    print(f"{build}: {p} passed, {f} failed, {s} skipped")
    total_p += p; total_f += f; total_s += s
print(f"tests: {total_p} passed, {total_f} failed, {total_s} skipped")
sys.exit(1 if total_f or total_p == 0 else 0)
