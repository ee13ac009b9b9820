#!/usr/bin/env bash
# UI benchmark (issue 4): with THINGS things loaded (1,000,000 by default),
# the time from a sort or filter key to the finished screen, measured inside
# the real binary (THINGTOP_UI_TIMING: key read -> model -> draw -> refresh)
# while tmux drives it. Goal: under 100 ms per key.
#   bench_ui.sh THINGTOP [THINGS]
set -euo pipefail
thingtop=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
things=${2:-1000000}
command -v tmux >/dev/null || { echo "tmux not installed: skipped"; exit 77; }
dir=$(mktemp -d)
sock="thingtop-bench-$$"
trap 'tmux -L "$sock" kill-server >/dev/null 2>&1; rm -rf "$dir"' EXIT

"$thingtop" simulate --things "$things" --events "$things" --seed 7 \
  --ndjson "$dir/events.ndjson" --truth "$dir/truth.csv" >/dev/null 2>&1
"$thingtop" import -q -j "$dir/j.db" "$dir/events.ndjson" >/dev/null 2>&1
echo "journal: $things things"

tmux -L "$sock" -f /dev/null new-session -d -s b -x 200 -y 60 -c "$dir" \
  "env LANG=C.UTF-8 TERM=tmux-256color THINGTOP_UI_TIMING=$dir/timing.txt $thingtop -j $dir/j.db --no-connect"
for _ in $(seq 600); do
  tmux -L "$sock" capture-pane -p -t b | grep -q "connected" && break
  sleep 0.1
done
key() { tmux -L "$sock" send-keys -t b "$@"; sleep 1; }
: >"$dir/timing.txt"
for k in I I S S A R D O; do key "$k"; done
sorts=$(wc -l <"$dir/timing.txt")
key /
for c in s e n s o r; do key "$c"; done
key Enter
key /
key C-u
tmux -L "$sock" send-keys -t b -l "status:connected"
sleep 3
key Enter
awk -v n="$sorts" '{ print (NR <= n ? "sort" : "filter"), $0 }' "$dir/timing.txt" >"$dir/all.txt"
awk '{ v = $(NF - 1); n[$1]++; s[$1] += v; if (v > m[$1]) m[$1] = v }
     END { for (k in n) printf "%s keys: %d, mean %.1f ms, max %.1f ms (goal < 100)\n", k, n[k], s[k] / n[k], m[k] }' \
  "$dir/all.txt"
