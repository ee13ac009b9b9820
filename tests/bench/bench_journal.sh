#!/usr/bin/env bash
# Journal benchmark (issue 5): 10,000,000 events over 1,000,000 things made
# by the simulator and imported (periodic snapshots on). Prints the time to
# open the journal and show the current fleet (export of every thing), the
# rebuild alone (export with a filter that matches nothing), `export --at`
# in the middle of the receive span and just before each kept snapshot (the
# worst places), `journal info`, and the snapshots' share of the file.
#   bench_journal.sh THINGTOP [EVENTS] [THINGS] [WORKDIR]
set -euo pipefail
thingtop=$1 events=${2:-10000000} things=${3:-1000000}
if [[ -n "${4:-}" ]]; then
  dir=$4; mkdir -p "$dir"
else
  dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
fi

measure() { # measure NAME COMMAND...: prints wall seconds and peak RSS
  local name=$1; shift
  /usr/bin/env time -f "%e %M" -o "$dir/time.txt" "$@"
  read -r secs rss_kb <"$dir/time.txt"
  echo "$name: $secs s, peak RSS $((rss_kb / 1024)) MB"
}

if [[ ! -s "$dir/events.ndjson" ]]; then
  "$thingtop" simulate --things "$things" --events "$events" --seed 7 \
    --ndjson "$dir/events.ndjson" --truth "$dir/truth.csv" >/dev/null
fi
echo "input: $(wc -l <"$dir/events.ndjson") lines, $things things"
rm -f "$dir/journal.db" "$dir/journal.db-wal" "$dir/journal.db-shm"
measure import "$thingtop" import -q -j "$dir/journal.db" "$dir/events.ndjson"
"$thingtop" journal info -j "$dir/journal.db" | tee "$dir/info.txt"
snap=$(awk '$1 == "snapshots" { print $3 }' "$dir/info.txt" | tr -d '(')
bytes=$(stat -c %s "$dir/journal.db")
echo "journal: $((bytes / $(wc -l <"$dir/events.ndjson"))) bytes per event; snapshots" \
  "$(awk -v s="$snap" -v b="$bytes" 'BEGIN { printf "%.1f", 100 * s / b }') % of the file (goal < 15)"

cat "$dir/journal.db" >/dev/null   # warm the page cache: a journal in use is
measure "open + rebuild (goal < 2 s)" \
  "$thingtop" export -j "$dir/journal.db" --filter 'client_id~^no-such-thing$' -o "$dir/none.csv"
measure "open + export of every thing" "$thingtop" export -j "$dir/journal.db" -o "$dir/now.csv"
echo "export: peak RSS per thing $(($(cut -d' ' -f2 "$dir/time.txt") * 1024 / things)) bytes (goal < 300)"

# The middle of the receive span, from the journal itself.
read -r first last < <(sqlite3 -separator ' ' "$dir/journal.db" \
  "SELECT (SELECT received_ms FROM events ORDER BY seq LIMIT 1),
          (SELECT received_ms FROM events ORDER BY seq DESC LIMIT 1)")
mid=$(((first + last) / 2))
measure "export --at middle, rebuild only (goal < 3 s)" \
  "$thingtop" export -j "$dir/journal.db" --at "$mid" --filter 'client_id~^no-such-thing$' \
  -o "$dir/none.csv"
measure "export --at middle of every thing" \
  "$thingtop" export -j "$dir/journal.db" --at "$mid" -o "$dir/mid.csv"
echo "rows at the middle: $(($(wc -l <"$dir/mid.csv") - 1)), now: $(($(wc -l <"$dir/now.csv") - 1))"

# The worst places for --at: just before each kept snapshot, where the
# most rows follow the base before it (the empty fleet before row 1, or
# the snapshot before). Thinning (core/journal_prune.c) spaces them so
# that each stays under 3 s.
worst=0
for s in $(sqlite3 "$dir/journal.db" "SELECT seq FROM snapshots ORDER BY seq"); do
  at=$(sqlite3 "$dir/journal.db" \
    "SELECT received_ms - 1 FROM events WHERE seq < $s ORDER BY seq DESC LIMIT 1")
  [[ -n "$at" ]] || continue
  measure "export --at just before snapshot $s, rebuild only" \
    "$thingtop" export -j "$dir/journal.db" --at "$at" --filter 'client_id~^no-such-thing$' \
    -o "$dir/none.csv"
  worst=$(awk -v w="$worst" '{ print ($1 > w ? $1 : w) }' "$dir/time.txt")
done
echo "export --at, worst place: $worst s (goal < 3 s)"
