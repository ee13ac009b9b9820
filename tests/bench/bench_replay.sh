#!/usr/bin/env bash
# Replay benchmark (issue 5): the replay rate at --speed max, headless
# (`replay --export`, the figure the binary prints), on a journal of EVENTS
# events over THINGS things; goal >= 1,000,000 events/s. Then the same in
# the monitor (tmux), with the time from a key to the finished screen while
# it replays flat out (the loop works in slices: goal < 100 ms).
#   bench_replay.sh THINGTOP [EVENTS] [THINGS]
set -euo pipefail
thingtop=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
events=${2:-1000000}
things=${3:-100000}
dir=$(mktemp -d)
sock="thingtop-bench-replay-$$"
trap 'tmux -L "$sock" kill-server >/dev/null 2>&1; rm -rf "$dir"' EXIT

"$thingtop" simulate --things "$things" --events "$events" --seed 7 \
  --ndjson "$dir/events.ndjson" --truth "$dir/truth.csv" >/dev/null 2>&1
"$thingtop" import -q -j "$dir/j.db" "$dir/events.ndjson" >/dev/null 2>&1
rm -f "$dir/events.ndjson"
rows=$(sqlite3 "$dir/j.db" 'select count(*) from events' 2>/dev/null || echo "?")
echo "journal: $rows rows, $things things"
cat "$dir/j.db" >/dev/null   # warm the page cache, as for a journal in use

"$thingtop" export -j "$dir/j.db" -o "$dir/export.csv"
for run in 1 2 3; do
  "$thingtop" replay "$dir/j.db" --speed max --export "$dir/replay.csv" 2>"$dir/rate.txt"
  echo "headless run $run: $(sed 's/^thingtop replay: //' "$dir/rate.txt")"
done
if cmp -s "$dir/export.csv" "$dir/replay.csv"; then
  echo "headless replay export: identical to thingtop export"
else
  echo "headless replay export: DIFFERS from thingtop export"
fi

command -v tmux >/dev/null || { echo "tmux not installed: monitor part skipped"; exit 0; }
start=$(date +%s%N)
tmux -L "$sock" -f /dev/null new-session -d -s b -x 200 -y 60 -c "$dir" \
  "env LANG=C.UTF-8 TERM=tmux-256color THINGTOP_UI_TIMING=$dir/timing.txt $thingtop replay $dir/j.db --speed max"
keys_sent=0
while ! tmux -L "$sock" capture-pane -p -t b | head -1 | grep -q END; do
  tmux -L "$sock" send-keys -t b a   # toggles absolute time: a cheap key
  keys_sent=$((keys_sent + 1))
  sleep 0.2
  [ $(( $(date +%s%N) - start )) -lt 120000000000 ] || { echo "monitor replay did not end in 120 s"; break; }
done
end=$(date +%s%N)
secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
echo "monitor at max: $rows rows in ~$secs s ($(awk -v n="$rows" -v s="$secs" 'BEGIN { printf "%.0f", n / s }') events/s, start and drawing included)"
awk '{ v = $(NF - 1); n++; s += v; if (v > m) m = v }
     END { if (n) printf "keys during the replay: %d, mean %.1f ms, max %.1f ms (goal < 100)\n", n, s / n, m }' \
  "$dir/timing.txt"
