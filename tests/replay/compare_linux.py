#!/usr/bin/python3
"""Compare one scenario run by mcastrx-replay and by the Linux kernel.

  compare_linux.py SCRIPT MCASTRX_OUT LINUX_OUT LINUX_FRAMES

MCASTRX_OUT is `mcastrx-replay -v` output (operation lines, then "  t=..."
frame lines); LINUX_OUT is linux_replay's operation lines; LINUX_FRAMES is
`linux_replay --decode` of the tcpdump capture. Checks that
  1. every operation gives the same result, except the errno differences
     listed in docs/linux-differences.md (table ERRNO_DIFFERENCES below);
  2. the reports are the same sequence, each report's records compared as
     (type, group, sorted sources) with the record order inside one report
     ignored, after removing from Linux's reports the records for groups
     mcastrx never joins (solicited-node groups ff02::1:ffXX:XXXX, that the
     kernel joins for its own IPv6 address). Timing is not compared.
Every tolerated difference is printed as "tolerated: ..."; exits 1 on any
other difference."""
import re
import sys

# (operations, mcastrx result, Linux result): docs/linux-differences.md, "errno".
ERRNO_DIFFERENCES = [
    # Leaving / dropping / reading a group the socket is not a member of,
    # and setsourcefilter INCLUDE {} (a leave) on it.
    (lambda words: words[0] in ("IP_DROP_MEMBERSHIP", "MCAST_LEAVE_GROUP",
                                "IPV6_DROP_MEMBERSHIP", "IPV6_LEAVE_GROUP", "getsourcefilter")
     or (words[0] == "setsourcefilter" and words[3:] == ["include"]),
     "EINVAL", "EADDRNOTAVAIL"),
    # Joining an any-source group again.
    (lambda words: words[0] in ("IP_ADD_MEMBERSHIP", "MCAST_JOIN_GROUP",
                                "IPV6_ADD_MEMBERSHIP", "IPV6_JOIN_GROUP"),
     "EADDRNOTAVAIL", "EADDRINUSE"),
]

OP_LINE = re.compile(r"^(\d+) (.*) -> (\S+)(.*)$")


def operations(path):
    """{line: (operation text, result, rest)} from operation lines."""
    result = {}
    for text in open(path):
        match = OP_LINE.match(text.rstrip("\n"))
        if match:
            result[int(match.group(1))] = (match.group(2), match.group(3), match.group(4))
    return result


def parse_frame(summary):
    """A frame summary -> (kind, records) with records a sorted tuple."""
    if ": " in summary and summary.split(":")[0].endswith("report"):
        kind, body = summary.split(": ", 1)
        records = []
        for item in body.split("; "):
            match = re.match(r"^(\S+) (\S+) \{(.*)\}$", item)
            if not match:
                return (summary, ())
            sources = tuple(sorted(s for s in match.group(3).split(", ") if s))
            records.append((match.group(1), match.group(2), sources))
        return (kind, records)
    match = re.match(r"^((?:IGMPv[12]|MLDv1) \S+) (\S+)$", summary)
    if match:  # an older-version message: one group
        return (match.group(1), [(match.group(1), match.group(2), ())])
    return (summary, [])


def solicited_node(group):
    return group.lower().startswith("ff02::1:ff")


def frames(path, prefix):
    result = []
    for text in open(path):
        text = text.rstrip("\n")
        match = re.match(r"^" + prefix + r"t=[0-9.]+ (.*)$", text)
        if match:
            result.append(parse_frame(match.group(1)))
    return result


def source_queries(script):
    """(group, sources) of every group-and-source-specific query of the script."""
    result = []
    for text in open(script):
        words = text.split("#")[0].split()
        if words[:1] == ["query"] and "--group" in words and "--sources" in words:
            group = words[words.index("--group") + 1]
            sources = words[words.index("--sources") + 1].split(",")
            result.append((group, frozenset(sources)))
    return result


def exclude_source_query_answer(ours, theirs, queries):
    """docs/linux-differences.md, "Group-and-source queries": for a group in
    EXCLUDE mode mcastrx answers IS_IN {queried - excluded} (RFC 3376 5.2,
    RFC 3810 6.2), Linux IS_EX {queried and excluded}: together exactly the
    queried sources, in one record each."""
    if ours[0] != theirs[0] or len(ours[1]) != 1 or len(theirs[1]) != 1:
        return False
    (our_type, our_group, our_sources), = ours[1]
    (their_type, their_group, their_sources), = theirs[1]
    if (our_type, their_type) != ("IS_IN", "IS_EX") or our_group != their_group:
        return False
    a, b = set(our_sources), set(their_sources)
    return not (a & b) and (our_group, frozenset(a | b)) in queries


def main():
    script, mcastrx_out, linux_out, linux_frames = sys.argv[1:5]
    problems = []
    ours, theirs = operations(mcastrx_out), operations(linux_out)
    if sorted(ours) != sorted(theirs):
        problems.append(f"operation lines differ: mcastrx {sorted(ours)} linux {sorted(theirs)}")
    for line in sorted(set(ours) & set(theirs)):
        text, our_result, our_rest = ours[line]
        _, their_result, their_rest = theirs[line]
        if (our_result, our_rest) == (their_result, their_rest):
            continue
        if any(applies(text.split()) and our_result == a and their_result == b
               for applies, a, b in ERRNO_DIFFERENCES):
            print(f"tolerated: line {line} {text}: mcastrx {our_result}, Linux {their_result}")
            continue
        problems.append(f"line {line} {text}: mcastrx '{our_result}{our_rest}', "
                        f"Linux '{their_result}{their_rest}'")

    our_frames = [(k, sorted(r)) for k, r in frames(mcastrx_out, "  ")]
    their_frames = []
    for kind, records in frames(linux_frames, ""):
        kept = [r for r in records if not solicited_node(r[1])]
        if len(kept) != len(records):
            print(f"tolerated: Linux records for solicited-node groups "
                  f"{[r[1] for r in records if solicited_node(r[1])]}")
        if records and not kept:
            continue
        their_frames.append((kind, sorted(kept)))
    queries = source_queries(script)
    differ = len(our_frames) != len(their_frames)
    for a, b in zip(our_frames, their_frames):
        if a != b and not exclude_source_query_answer(a, b, queries):
            differ = True
        elif a != b:
            print(f"tolerated: answer to a group-and-source query on an EXCLUDE group: "
                  f"mcastrx {a[1]}, Linux {b[1]}")
    if differ:
        problems.append("reports differ (mcastrx | Linux):")
        for i in range(max(len(our_frames), len(their_frames))):
            a = our_frames[i] if i < len(our_frames) else "-"
            b = their_frames[i] if i < len(their_frames) else "-"
            problems.append(f"  {'  ' if a == b else '!='} {a} | {b}")
    for problem in problems:
        print(problem)
    print(f"{script}: {len(ours)} operations, {len(our_frames)} mcastrx reports, "
          f"{len(their_frames)} Linux reports: {'differ' if problems else 'same'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
