#!/usr/bin/env bash
# Import benchmark (issue 2): 1,000,000 events over 100,000 things made by
# the simulator; the import rate against a bare jansson parse of the same
# file on one core; export time including opening the journal; peak memory;
# journal bytes per event.
#   bench_import.sh THINGTOP BARE_PARSE [EVENTS] [THINGS]
set -euo pipefail
thingtop=$1 bare=$2 events=${3:-1000000} things=${4:-100000}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

"$thingtop" simulate --things "$things" --events "$events" --seed 7 --quirks all \
  --ndjson "$dir/events.ndjson" --truth "$dir/truth.csv" >/dev/null
lines=$(wc -l <"$dir/events.ndjson")
echo "input: $lines lines, $(du -m "$dir/events.ndjson" | cut -f1) MB, $things things"

# Warm the page cache so both read from memory.
cat "$dir/events.ndjson" >/dev/null
taskset -c 0 "$bare" "$dir/events.ndjson" | tee "$dir/bare.txt"
bare_rate=$(sed -E 's/.*= ([0-9]+) lines\/s.*/\1/' "$dir/bare.txt")

measure() { # measure NAME COMMAND...: prints wall seconds and peak RSS
  local name=$1; shift
  /usr/bin/env time -f "%e %M" -o "$dir/time.txt" "$@"
  read -r secs rss_kb <"$dir/time.txt"
  echo "$name: $secs s, peak RSS $((rss_kb / 1024)) MB"
}

measure import "$thingtop" import -q -j "$dir/journal.db" "$dir/events.ndjson" 2>"$dir/import.txt"
cat "$dir/import.txt"
import_secs=$(cut -d' ' -f1 "$dir/time.txt")
import_rate=$(awk -v n="$lines" -v s="$import_secs" 'BEGIN { printf "%.0f", n / s }')
echo "import rate: $import_rate events/s; bare parse: $bare_rate lines/s;" \
  "ratio $(awk -v a="$import_rate" -v b="$bare_rate" 'BEGIN { printf "%.2f", a / b }') (goal >= 0.8)"

measure export "$thingtop" export -j "$dir/journal.db" -o "$dir/fleet.csv"
export_rss=$(cut -d' ' -f2 "$dir/time.txt")
rows=$(($(wc -l <"$dir/fleet.csv") - 1))
echo "export: $rows things; peak RSS per thing $((export_rss * 1024 / rows)) bytes (goal < 300)"

db_bytes=$(stat -c %s "$dir/journal.db")
echo "journal: $((db_bytes / 1024 / 1024)) MB, $((db_bytes / lines)) bytes per event" \
  "(input $(($(stat -c %s "$dir/events.ndjson") / lines)) bytes per line)"
