#!/usr/bin/env python3
"""tests/bench/startstop.py RUNS NAME=COMMAND... : runs each COMMAND (a shell word list whose
`MARK` is replaced by a command that writes the time it starts to stderr) RUNS times, the
commands interleaved so that the machine's other work weighs on each alike. Prints one
markdown row per NAME: the medians of the whole run, of the time to the command's start and of
the time from there to the exit, and how many runs counted. A run that has not ended after 5 s
is killed and left out (ply 2.4 sometimes misses its child's exit in pause())."""
import shlex, statistics, subprocess, sys, time

runs = int(sys.argv[1])
commands = [argument.split("=", 1) for argument in sys.argv[2:]]
mark = "date +%s%N >&2"
times = {name: [] for name, _ in commands}
for _ in range(runs):
    for name, command in commands:
        words = [mark if word == "MARK" else word for word in shlex.split(command)]
        begin = time.time_ns()
        try:
            done = subprocess.run(words, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=5)
        except subprocess.TimeoutExpired:
            continue
        end = time.time_ns()
        started = [int(line) for line in done.stderr.decode().split() if line.isdigit()]
        if done.returncode == 0 and started:
            times[name].append(((end - begin) / 1e6, (started[0] - begin) / 1e6, (end - started[0]) / 1e6))
for name, measured in times.items():
    if not measured:
        print(f"| {name} | no run ended | | | 0 |")
        continue
    whole, start, stop = (statistics.median(column) for column in zip(*measured))
    print(f"| {name} | {whole:.1f} ms | {start:.1f} ms | {stop:.1f} ms | {len(measured)} of {runs} |")
