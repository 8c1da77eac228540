#!/usr/bin/python3
"""Golden tests of mcastrx-replay: scripts annotated with their expected output.

  golden.py MCASTRX_REPLAY SCRIPT_DIR

Every SCRIPT_DIR/*.txt is a replay script whose expectations, derived by hand
from the RFCs and docs/SOCKET-OPTION-RULES.md, sit in its comments:
  OPERATION ...            #= RESULT        the result printed for the line
                                            ("ok", "EINVAL", "ok exclude {...}")
  #>  t=A..B SUMMARY                        a frame the engine sends after that
                                            operation (as `mcastrx-replay -v`
                                            prints it), at a time from A to B
                                            seconds (t=A: exactly A, to the ms)
  #>* t=A..B SUMMARY                        the same, but consecutive "#>*"
                                            lines may come in any order (frames
                                            of independent random timers)
  # args: OPTIONS                           command-line options of the run
  # text                                    a plain comment
An operation without "#=" is an error of the test itself. The output must
match line for line: no missing frame, no extra frame.

Each script is also run twice more: with the same seed the output and the
pcap must be byte-identical, and tshark_check.py gets the pcap. Scripts in
SCRIPT_DIR/bad/*.txt must be refused: "# exit: N" and "# stderr: TEXT"
say the exit status and a line stderr must hold.
Prints TAP."""
import glob
import os
import re
import subprocess
import sys
import tempfile

ANY_ORDER = "\0"
TIME = re.compile(r"^  t=([0-9]+(?:\.[0-9]+)?)(?:\.\.([0-9]+(?:\.[0-9]+)?))? (.*)$")


def expectations(path):
    """(args, expected lines) from an annotated script."""
    args, expected = [], []
    for number, raw in enumerate(open(path), 1):
        line = raw.rstrip("\n")
        stripped = line.strip()
        if stripped.startswith("# args:"):
            args = stripped[len("# args:"):].split()
            continue
        if stripped.startswith("#>*"):
            expected.append(ANY_ORDER + "  " + stripped[3:].strip())
            continue
        if stripped.startswith("#>"):
            expected.append("  " + stripped[2:].strip())
            continue
        code = line.split("#", 1)[0].split()
        if not code:
            continue
        match = re.search(r"#=\s*(.*?)\s*$", line)
        if not match:
            raise ValueError(f"{path}:{number}: operation without '#= result'")
        expected.append(f"{number} {' '.join(code)} -> {match.group(1)}")
    return args, expected


def line_matches(expected, actual):
    e, a = TIME.match(expected), TIME.match(actual)
    if not e or not a:
        return expected == actual
    low = float(e.group(1))
    high = float(e.group(2)) if e.group(2) else low
    return low - 0.0005 <= float(a.group(1)) <= high + 0.0005 and e.group(3) == a.group(3)


def settle_any_order(expected, actual):
    """Runs of "#>*" lines match the same number of actual lines in any
    order: reorder each run as the actual lines it matches, one to one."""
    result, i = [], 0
    while i < len(expected):
        if not expected[i].startswith(ANY_ORDER):
            result.append(expected[i])
            i += 1
            continue
        run = []
        while i < len(expected) and expected[i].startswith(ANY_ORDER):
            run.append(expected[i][len(ANY_ORDER):])
            i += 1
        window = actual[len(result):len(result) + len(run)]
        placed = [None] * len(window)
        left = []
        for line in run:
            slot = next((k for k, a in enumerate(window)
                         if placed[k] is None and line_matches(line, a)), None)
            if slot is None:
                left.append(line)
            else:
                placed[slot] = line
        for k in range(len(placed)):
            if placed[k] is None and left:
                placed[k] = left.pop(0)
        result += [line for line in placed if line is not None] + left
    return result


def compare(expected, actual):
    """A list of problem lines (empty: same)."""
    expected = settle_any_order(expected, actual)
    problems = []
    for i in range(max(len(expected), len(actual))):
        e = expected[i] if i < len(expected) else None
        a = actual[i] if i < len(actual) else None
        if e is None or a is None or not line_matches(e, a):
            problems.append(f"line {i + 1}: expected {e!r}")
            problems.append(f"{' ' * len(str(i + 1))}        got {a!r}")
            if len(problems) > 20:
                problems.append("...")
                break
    return problems


def read(path):
    try:
        return open(path, "rb").read()
    except OSError:
        return None


def run(tool, args, script, pcap):
    return subprocess.run([tool, "-v", *args, "-w", pcap, script],
                          capture_output=True, text=True, timeout=60)


def main():
    tool, directory = sys.argv[1], sys.argv[2]
    scripts = sorted(glob.glob(os.path.join(directory, "*.txt")))
    bad = sorted(glob.glob(os.path.join(directory, "bad", "*.txt")))
    print(f"1..{len(scripts) + len(bad) + 2}")
    number = 0
    failed = 0
    with tempfile.TemporaryDirectory() as work:
        for script in scripts:
            number += 1
            name = os.path.basename(script)
            args, expected = expectations(script)
            first, second = (os.path.join(work, f"{name}.{i}.pcap") for i in (1, 2))
            result = run(tool, args, script, first)
            problems = []
            if result.returncode != 0:
                problems.append(f"exit status {result.returncode}: {result.stderr.strip()}")
            problems += compare(expected, result.stdout.splitlines())
            again = run(tool, args, script, second)
            if again.stdout != result.stdout or read(first) != read(second):
                problems.append("a second run with the same seed differs")
            print(f"{'not ok' if problems else 'ok'} {number} - {name}")
            for problem in problems:
                print(f"# {problem}")
            failed += bool(problems)

        # The seed matters: another seed moves the random retransmission times.
        number += 1
        script = os.path.join(directory, "ipv4-asm.txt")
        args, _ = expectations(script)
        pcap = os.path.join(work, "seed.pcap")
        one = run(tool, args + ["--seed", "1"], script, pcap).stdout
        seven = run(tool, args + ["--seed", "7"], script, pcap).stdout
        default = run(tool, args, script, pcap).stdout
        ok = one == default and one != seven and \
            [l for l in one.splitlines() if not l.startswith("  t=")] == \
            [l for l in seven.splitlines() if not l.startswith("  t=")]
        print(f"{'ok' if ok else 'not ok'} {number} - the seed (default 1) sets the random times only")
        failed += not ok

        for script in bad:
            number += 1
            name = "bad/" + os.path.basename(script)
            text = open(script).read()
            status = int(re.search(r"^# exit: (\d+)", text, re.M).group(1))
            wanted = re.search(r"^# stderr: (.*)$", text, re.M).group(1).replace(
                "SCRIPT", script).replace("DIR", os.path.dirname(script))
            result = subprocess.run([tool, script], capture_output=True, text=True, timeout=60)
            problems = []
            if result.returncode != status:
                problems.append(f"exit status {result.returncode}, expected {status}")
            if wanted not in result.stderr.splitlines():
                problems.append(f"stderr {result.stderr.strip()!r}, expected {wanted!r}")
            if result.stdout:
                problems.append(f"printed {result.stdout!r} (a refused script runs nothing)")
            print(f"{'not ok' if problems else 'ok'} {number} - {name}")
            for problem in problems:
                print(f"# {problem}")
            failed += bool(problems)
        number += 1
        problems = command_line(tool, work, scripts[0])
        print(f"{'not ok' if problems else 'ok'} {number} - command line: --help, usage errors, I/O errors")
        for problem in problems:
            print(f"# {problem}")
        failed += bool(problems)
    return 1 if failed else 0


def command_line(tool, work, script):
    """--help (exit 0), bad options (exit 2), files that cannot be used (exit 3)."""
    problems = []
    cases = [
        (["--help"], 0, "Exit status: 0"),
        ([], 2, "mcastrx-replay: no script given (try --help)"),
        ([script, script], 2, "mcastrx-replay: one script only (try --help)"),
        (["--vlan", "4095", script], 2, "mcastrx-replay: bad --vlan '4095' (1 to 4094)"),
        (["--seed", "x", script], 2, "mcastrx-replay: bad --seed 'x' (a number)"),
        (["--mac", "02:00:00:00:01", script], 2,
         "mcastrx-replay: bad --mac '02:00:00:00:01' (xx:xx:xx:xx:xx:xx)"),
        (["--frobnicate", script], 2, "mcastrx-replay: unknown option '--frobnicate' (try --help)"),
        (["-w"], 2, "mcastrx-replay: option '-w' needs a value (try --help)"),
        ([os.path.join(work, "none.txt")], 3,
         f"{os.path.join(work, 'none.txt')}: cannot read: No such file or directory"),
        (["-w", os.path.join(work, "no", "dir.pcap"), script], 3,
         f"mcastrx-replay: {os.path.join(work, 'no', 'dir.pcap')}: No such file or directory"),
    ]
    for args, status, text in cases:
        result = subprocess.run([tool, *args], capture_output=True, text=True, timeout=60)
        output = result.stdout if status == 0 else result.stderr
        if result.returncode != status or text not in output:
            problems.append(f"{args}: exit {result.returncode} (expected {status}), "
                            f"output {output.strip()[-200:]!r} lacks {text!r}")
        if status != 0 and result.stdout:
            problems.append(f"{args}: printed {result.stdout[:100]!r} on stdout")
    return problems


if __name__ == "__main__":
    sys.exit(main())
