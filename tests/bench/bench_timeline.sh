#!/usr/bin/env bash
# Timeline benchmark (issue 11): on a journal of EVENTS simulated events
# (10,000,000 for the issue's figure, as bench_journal.sh builds; fewer by
# default so CI stays quick), the time from `t` to the drawn timeline, then
# its update cost while the monitor records RATE events/s from a broker.
# Measured inside the real binary (THINGTOP_UI_TIMING): the key's time to
# the finished screen, and each update's new rows and time.
# Goal: open < 300 ms; update time follows the new rows, not the journal.
# The whole fleet is drawn from the journal's per-minute disconnect counts
# (schema 7): the window keeps count buckets, no disconnect rows.
#   bench_timeline.sh THINGTOP [EVENTS] [THINGS] [RATE] [SECONDS]
set -euo pipefail
thingtop=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
events=${2:-500000}
things=${3:-$(( events / 10 ))}
rate=${4:-50000}
seconds=${5:-6}
command -v tmux >/dev/null || { echo "tmux not installed: skipped"; exit 77; }
command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || { echo "mosquitto not installed: skipped"; exit 77; }
command -v python3 >/dev/null || { echo "python3 not installed: skipped"; exit 77; }
dir=$(mktemp -d)
sock="thingtop-bench-tl-$$"
trap 'tmux -L "$sock" kill-server >/dev/null 2>&1; [ -n "${bench_broker:-}" ] && kill $bench_broker 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT

"$thingtop" simulate --things "$things" --events "$events" --seed 7 \
  --ndjson "$dir/events.ndjson" --truth "$dir/truth.csv" >/dev/null 2>&1
"$thingtop" import -q -j "$dir/j.db" "$dir/events.ndjson" >/dev/null 2>&1
rm -f "$dir/events.ndjson"
echo "journal: $events events, $things things, $(( $(stat -c %s "$dir/j.db") / 1048576 )) MB"

. "$(dirname "$0")/lib.sh"
bench_start_broker "$dir" || exit 1
port=$bench_port
bench_start_monitor "$sock" "$dir" "THINGTOP_UI_TIMING=$dir/timing.txt" \
  "$thingtop" --broker "127.0.0.1:$port" -j "$dir/j.db" || exit 1
screen() { tmux -L "$sock" capture-pane -p -t b; }
pid=$(cat "$dir/pid")
rss() { awk '/^VmRSS/ { printf "%d MB", $2 / 1024 }' "/proc/$pid/status"; }
echo "monitor RSS before the timeline: $(rss)"

: >"$dir/timing.txt"
tmux -L "$sock" send-keys -t b t
for _ in $(seq 300); do screen | grep -q "Disconnects" && break; sleep 0.1; done
sleep 1
open=$(awk '$1 == "key" && $2 == 116 { print $3; exit }' "$dir/timing.txt")
echo "timeline open (t to the drawn screen): ${open:-?} ms (goal < 300)"
echo "monitor RSS with the timeline open: $(rss)"

"$thingtop" simulate --broker "127.0.0.1:$port" --things "$things" --rate "$rate" \
  --events $(( rate * seconds )) --seed 11 >/dev/null 2>&1 || true
sleep 2
echo "monitor RSS after $((rate * seconds)) events: $(rss)"
awk -v rate="$rate" '$1 == "timeline-update" {
       n++; rows += $2; ms += $4; if ($4 > max) max = $4; win = $7; buckets = $9
       if ($2 > 0 && $4 / $2 * 1000 > worst) worst = $4 / $2 * 1000 }
     END {
       if (n == 0) { print "no timeline updates seen"; exit }
       printf "timeline updates at %d events/s: %d, %d new journal rows in all, mean %.2f ms, max %.2f ms\n", rate, n, rows, ms / n, max
       printf "update cost: %.3f ms per 1000 new rows (worst update %.3f); window kept: %d disconnect rows, %d count buckets\n", rows ? ms / rows * 1000 : 0, worst, win, buckets
     }' "$dir/timing.txt"
