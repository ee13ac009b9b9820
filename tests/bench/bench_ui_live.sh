#!/usr/bin/env bash
# Live-load UI benchmark (issue 4): the monitor subscribed to a private
# mosquitto (unlimited queues) in a 200x60 tmux pane while `thingtop
# simulate` publishes RATE events/s (50,000 by default). Measured:
#   - the monitor's CPU (utime + stime from /proc/PID/stat) over the load,
#     as a share of one core;
#   - stalls: the longest gap between frames and the longest loop turn
#     while events pour in (THINGTOP_UI_FRAMES), and the key-to-screen time
#     of a key sent every ~100 ms (`?` opens and closes the help overlay),
#     inside the binary (THINGTOP_UI_TIMING) and seen from tmux;
#   - drops: the journal's rows against the messages published.
# Goals: no stall over 200 ms, no event dropped. Prints figures; does not
# pass or fail on them.
#   bench_ui_live.sh THINGTOP [EVENTS] [THINGS] [RATE] [PUBLISHERS]
set -euo pipefail
thingtop=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
events=${2:-1000000}
things=${3:-100000}
rate=${4:-50000}
publishers=${5:-1}
command -v tmux >/dev/null || { echo "tmux not installed: skipped"; exit 77; }
command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || { echo "mosquitto not installed: skipped"; exit 77; }
command -v sqlite3 >/dev/null || { echo "sqlite3 not installed: skipped"; exit 77; }
command -v python3 >/dev/null || { echo "python3 not installed: skipped"; exit 77; }
dir=$(mktemp -d)
sock="thingtop-bench-live-$$"
trap 'tmux -L "$sock" kill-server >/dev/null 2>&1; [ -n "${bench_broker:-}" ] && kill $bench_broker 2>/dev/null; wait 2>/dev/null; [ -n "${KEEP:-}" ] && echo "kept $dir" || rm -rf "$dir"' EXIT

. "$(dirname "$0")/lib.sh"
bench_start_broker "$dir" || exit 1
port=$bench_port

# The monitor, live: it subscribes, reconciles and journals every event.
bench_start_monitor "$sock" "$dir" "THINGTOP_UI_TIMING=$dir/keys.txt THINGTOP_UI_FRAMES=$dir/frames.txt" \
  "$thingtop" --broker "127.0.0.1:$port" -j "$dir/j.db" || exit 1
sleep 0.5

echo "load: $publishers publisher(s), $events events over $things things at $rate/s in all," \
  "monitor in a 200x60 pane, $(nproc) CPUs"
python3 - "$thingtop" "$port" "$dir" "$sock" "$events" "$things" "$rate" "$publishers" <<'PY'
import os, subprocess, sys, time, re
tt, port, d, sock, events, things, rate, pubs = sys.argv[1:9]
events, things, rate, pubs = int(events), int(things), float(rate), int(pubs)
pid = int(open(f"{d}/pid").read())
tick = os.sysconf("SC_CLK_TCK")

def cpu():
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / tick   # utime, stime

def tmux(*a):
    return subprocess.run(["tmux", "-L", sock, *a], capture_output=True, text=True).stdout

def rows():
    r = subprocess.run(["sqlite3", f"{d}/j.db", "SELECT count(*) FROM events"],
                       capture_output=True, text=True)
    try:
        return int(r.stdout.strip())
    except ValueError:
        return -1

# Key-to-screen seen from outside: send `?`, wait until the help overlay is
# (or is no longer) on the screen.
def key_seen(want_help):
    t = time.monotonic()
    tmux("send-keys", "-t", "b", "?")
    while True:
        on = "(any key closes)" in tmux("capture-pane", "-p", "-t", "b")
        if on == want_help:
            return (time.monotonic() - t) * 1000
        if time.monotonic() - t > 10:
            return float("inf")
        time.sleep(0.01)

c0, t0 = cpu(), time.monotonic()
procs = []
for i in range(pubs):
    procs.append(subprocess.Popen(
        [tt, "simulate", "--broker", f"127.0.0.1:{port}", "--qos", "1",
         "--rate", str(rate / pubs), "--things", str(things // pubs),
         "--events", str(events // pubs), "--seed", str(7 + i)],
        stdout=subprocess.DEVNULL, stderr=open(f"{d}/sim{i}.log", "w")))
seen = []
help_on = False
while any(p.poll() is None for p in procs):
    help_on = not help_on
    seen.append(key_seen(help_on))
    time.sleep(0.1)
t_pub = time.monotonic()
c_pub = cpu()
if help_on:
    key_seen(False)
published = 0
for i, p in enumerate(procs):
    log = open(f"{d}/sim{i}.log").read()
    m = re.search(r"(\d+) messages", log)
    if p.returncode != 0 or not m:
        print(f"simulate {i} failed: {log.strip()}")
        sys.exit(1)
    published += int(m.group(1))

# Wait for the monitor to journal what was published (or stop progressing).
last, t_last = -1, time.monotonic()
while True:
    n = rows()
    if n >= published:
        break
    if n != last:
        last, t_last = n, time.monotonic()
    elif time.monotonic() - t_last > 15:
        break
    time.sleep(0.2)
t1, c1 = time.monotonic(), cpu()

pub_s = t_pub - t0
print(f"published: {published} events in {pub_s:.2f} s = {published / pub_s:,.0f} events/s")
print(f"monitor caught up {t1 - t_pub:.2f} s after the last publish")
print(f"monitor CPU while publishing: {(c_pub - c0) / pub_s * 100:.0f}% of one core "
      f"({c_pub - c0:.2f} s CPU in {pub_s:.2f} s)")
print(f"monitor CPU to the last event journaled: {(c1 - c0) / (t1 - t0) * 100:.0f}% of one core "
      f"({c1 - c0:.2f} s CPU in {t1 - t0:.2f} s), "
      f"{(c1 - c0) / max(published, 1) * 1e6:.1f} us per event")

# Frames while events poured in (t0 .. t_pub, monotonic ms as the
# monitor's); after that nothing changes and frames come once a second.
fr = []
for line in open(f"{d}/frames.txt"):
    f = line.split()
    if len(f) == 3 and f[0] == "frame":
        fr.append((float(f[1]), float(f[2])))
lo, hi = t0 * 1000, t_pub * 1000
load = [f for f in fr if lo <= f[0] <= hi]
gaps = [b[0] - a[0] for a, b in zip(load, load[1:])]
if gaps:
    gaps.sort()
    print(f"frames under load: {len(load)} in {(hi - lo) / 1000:.1f} s; gap between frames: "
          f"median {gaps[len(gaps) // 2]:.0f} ms, max {gaps[-1]:.0f} ms (goal: no stall > 200 ms)")
    print(f"longest loop turn (what a key may wait): {max(f[1] for f in load):.1f} ms")
keys = [float(l.split()[2]) for l in open(f"{d}/keys.txt")]
if keys:
    keys.sort()
    print(f"key to finished screen inside the monitor: {len(keys)} keys, "
          f"median {keys[len(keys) // 2]:.1f} ms, max {keys[-1]:.1f} ms")
if seen:
    seen.sort()
    print(f"key to screen seen from tmux: {len(seen)} keys, median {seen[len(seen) // 2]:.0f} ms, "
          f"p99 {seen[int(len(seen) * 0.99)]:.0f} ms, max {seen[-1]:.0f} ms")
n = rows()
print(f"journal: {n} rows for {published} published: "
      + ("none dropped" if n == published else f"{published - n} MISSING"))
PY
tmux -L "$sock" capture-pane -p -t b | head -1
# Quit: the monitor checkpoints its journal; show what it had to say.
tmux -L "$sock" send-keys -t b C-c
for _ in $(seq 300); do
  tmux -L "$sock" capture-pane -p -t b | grep -q "EXIT=" && break
  sleep 0.1
done
tmux -L "$sock" capture-pane -p -t b | grep -o "EXIT=[0-9]*" || echo "the monitor did not quit in 30 s"
[ -s "$dir/monitor.err" ] && { echo "monitor stderr:"; head -40 "$dir/monitor.err"; }
true
