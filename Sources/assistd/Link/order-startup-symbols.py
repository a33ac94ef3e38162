#!/usr/bin/env python3
"""Regenerates startup-symbols.txt: what the release assistd touches from spawn to `initialize`'s
answer and while idle after it, on both backends: first the functions that run, then the read-only
data they read, each in the order of first touch.

The release link (Package.swift) places them first in .text and .rodata (lld
--symbol-ordering-file), so start-up touches one run of pages instead of pages scattered over ~17 MB
of code and ~36 MB of data; each page fault maps its neighbours too, so scattering costs RSS. A
stale list costs only locality: names no longer present are skipped.

Needs valgrind (lackey traces every instruction and memory access).
Usage: Sources/assistd/Link/order-startup-symbols.py [.build/release/assistd]
"""
import bisect
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
INITIALIZE = b'{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"clientInfo":{"name":"order"}}}\n'
BACKENDS = [
    ({"DASHSCOPE_API_KEY": "unused-key"}, ["--backend", "dashscope", "--base-url", "http://127.0.0.1:9/api/v1", "--ephemeral"]),
    ({}, ["--ephemeral"]),
]


def trace(binary, environment, arguments, log):
    """Runs the binary under lackey to idle; the load address and how much of the log is start-up."""
    env = dict(os.environ, **environment)
    if "DASHSCOPE_API_KEY" not in environment:
        env.pop("DASHSCOPE_API_KEY", None)
    server = subprocess.Popen(
        ["valgrind", "--tool=lackey", "--trace-mem=yes", f"--log-file={log}", binary,
         "--framing", "ndjson", "--log-level", "error", *arguments],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    server.stdin.write(INITIALIZE)
    server.stdin.flush()
    server.stdout.readline()  # initialize's answer
    time.sleep(1)
    base = next(int(line.split("-")[0], 16) for line in open(f"/proc/{server.pid}/maps")
                if line.split()[2] == "00000000" and os.path.realpath(line.split()[-1]) == binary)
    idle = os.path.getsize(log)  # what follows is the exit path
    server.stdin.close()
    server.wait()
    return base, idle


def symbols(binary, kinds):
    """(start, end, name) of the binary's symbols of these nm kinds, by address."""
    found = []
    for line in subprocess.run(["nm", "-S", "--defined-only", binary], capture_output=True, text=True).stdout.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[2] in kinds and int(parts[1], 16):
            found.append((int(parts[0], 16), int(parts[0], 16) + int(parts[1], 16), parts[3]))
    return sorted(found)


def section(binary, name):
    for line in subprocess.run(["readelf", "-SW", binary], capture_output=True, text=True).stdout.splitlines():
        match = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)", line)
        if match and match.group(1) == name:
            return int(match.group(2), 16), int(match.group(2), 16) + int(match.group(3), 16)
    sys.exit(f"no {name} in {binary}")


def touched(log, base, idle, table, region, kinds):
    """Names of the symbols in `table` whose bytes the log's records of these kinds touch."""
    starts = [start for start, _, _ in table]
    names = {}
    with open(log, "rb") as records:
        for line in records.read(idle).splitlines():
            if len(line) < 4 or line[:2].strip() not in kinds:
                continue
            try:
                address = int(line[3:].split(b",")[0], 16) - base
            except ValueError:
                continue
            if not region[0] <= address < region[1]:
                continue
            index = bisect.bisect_right(starts, address) - 1
            if index >= 0 and address < table[index][1]:
                names.setdefault(table[index][2], None)
    return list(names)


def main():
    binary = os.path.realpath(sys.argv[1] if len(sys.argv) > 1 else ".build/release/assistd")
    functions, data = symbols(binary, "tTwW"), symbols(binary, "rRdDvV")  # nm calls much of .rodata "d"
    text, rodata = section(binary, ".text"), section(binary, ".rodata")
    order = {}
    with tempfile.TemporaryDirectory() as work:
        runs = []
        for number, (environment, arguments) in enumerate(BACKENDS):
            log = os.path.join(work, f"trace{number}")
            runs.append((log, *trace(binary, environment, arguments, log)))
        for table, region, kinds in [(functions, text, {b"I"}), (data, rodata, {b"L", b"S", b"M"})]:
            for log, base, idle in runs:
                for name in touched(log, base, idle, table, region, kinds):
                    order.setdefault(name, None)
    with open(os.path.join(HERE, "startup-symbols.txt"), "w") as out:
        out.write("".join(name + "\n" for name in order))
    print(f"{len(order)} symbols")


if __name__ == "__main__":
    main()
