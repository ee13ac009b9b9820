#!/usr/bin/env bash
# Import benchmark (issues 2 and 13): 1,000,000 events over 100,000 things
# made by the simulator, and the same stream with long UTF-8 client ids,
# principals and an extra attribute (a realistic fleet that is not the
# simulator's). For each: the import rate against a bare jansson parse of
# the same file on one core; journal bytes per event (file after the
# import's checkpoint, snapshots and indexes included) against the input's
# bytes per line; the snapshots' share of the file; `journal dump` back to
# the same payloads. For the first: export time and peak memory.
#   [ROUNDS=3] bench_import.sh THINGTOP BARE_PARSE [EVENTS] [THINGS]
set -euo pipefail
thingtop=$1 bare=$2 events=${3:-1000000} things=${4:-100000} rounds=${ROUNDS:-3}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

measure() { # measure NAME COMMAND...: prints wall seconds and peak RSS
  local name=$1; shift
  /usr/bin/env time -f "%e %M" -o "$dir/time.txt" "$@"
  read -r secs rss_kb <"$dir/time.txt"
  echo "$name: $secs s, peak RSS $((rss_kb / 1024)) MB"
}

# best_median FILE: "best median" of the numbers in FILE, one a line.
best_median() {
  sort -n "$1" | awk '{ v[NR] = $1 } END { printf "%.0f %.0f\n", v[NR], v[int((NR + 1) / 2)] }'
}

fleet() { # fleet NAME FILE: import FILE into a fresh journal and report
  local name=$1 file=$2 j=$dir/$1.db
  local lines; lines=$(wc -l <"$file")
  echo "== $name: $lines lines, $(du -m "$file" | cut -f1) MB, $things things"
  cat "$file" >/dev/null   # warm the page cache: both read from memory
  # This machine's speed drifts by up to a quarter from one run to the
  # next, so the bare parse and the import take turns, ROUNDS times, and
  # both the best and the median of each are compared.
  : >"$dir/bare_rates"; : >"$dir/import_rates"
  for ((round = 1; round <= rounds; round++)); do
    taskset -c 0 "$bare" "$file" >"$dir/bare.txt"
    sed -E 's/.*= ([0-9]+) lines\/s.*/\1/' "$dir/bare.txt" >>"$dir/bare_rates"
    rm -f "$j" "$j-wal" "$j-shm"
    measure import "$thingtop" import -q -j "$j" "$file" 2>"$dir/import.txt"
    local secs; secs=$(cut -d' ' -f1 "$dir/time.txt")
    awk -v n="$lines" -v s="$secs" 'BEGIN { printf "%.0f\n", n / s }' >>"$dir/import_rates"
  done
  cat "$dir/bare.txt" "$dir/import.txt"
  local bare_best bare_median import_best import_median
  read -r bare_best bare_median < <(best_median "$dir/bare_rates")
  read -r import_best import_median < <(best_median "$dir/import_rates")
  echo "import rate (best, median of $rounds): $import_best, $import_median events/s;" \
    "bare parse: $bare_best, $bare_median lines/s"
  echo "import / bare parse: best $(awk -v a="$import_best" -v b="$bare_best" 'BEGIN { printf "%.2f", a / b }')," \
    "median $(awk -v a="$import_median" -v b="$bare_median" 'BEGIN { printf "%.2f", a / b }') (goal >= 0.8)"
  local bytes; bytes=$(stat -c %s "$j")
  local snap; snap=$("$thingtop" journal info -j "$j" | awk '$1 == "snapshots" { print $3 }' | tr -d '(')
  echo "journal: $((bytes / 1024 / 1024)) MB, $((bytes / lines)) bytes per event" \
    "(goal <= 120; input $(($(stat -c %s "$file") / lines)) bytes per line);" \
    "snapshots $((snap / 1024 / 1024)) MB = $(awk -v s="$snap" -v b="$bytes" 'BEGIN { printf "%.1f", 100 * s / b }') % of the file"
  measure "journal dump" bash -c '"$0" journal dump -j "$1" >"$2"' "$thingtop" "$j" "$dir/dump.ndjson"
  if [[ $(wc -l <"$dir/dump.ndjson") -eq $lines ]]; then
    echo "dump: $lines envelopes"
  else
    echo "dump: LINE COUNT DIFFERS"
  fi
}

"$thingtop" simulate --things "$things" --events "$events" --seed 7 --quirks all \
  --ndjson "$dir/events.ndjson" --truth "$dir/truth.csv" >/dev/null
fleet simulator "$dir/events.ndjson"

measure export "$thingtop" export -j "$dir/simulator.db" -o "$dir/fleet.csv"
export_rss=$(cut -d' ' -f2 "$dir/time.txt")
rows=$(($(wc -l <"$dir/fleet.csv") - 1))
echo "export: $rows things; peak RSS per thing $((export_rss * 1024 / rows)) bytes (goal < 300)"

# Long UTF-8 client ids (about 60 bytes, accents, CJK), 64-hex principals
# and a thingName attribute, as in a real plant's fleet.
python3 - "$dir/events.ndjson" >"$dir/utf8.ndjson" <<'PY'
import hashlib, re, sys
ids = {}
out = sys.stdout.buffer
with open(sys.argv[1], 'rb') as f:
    for line in f:
        m = re.search(rb'"clientId":"(thing-\d+)"', line)
        if m:
            cid = m.group(1)
            if cid not in ids:
                h = hashlib.sha256(cid).hexdigest()
                ids[cid] = (f"Werk-Süd/Halle-{h[:2]}/Gerät-温度計-{cid.decode()}-Straße-Ω".encode(),
                            hashlib.sha256(h.encode()).hexdigest().encode())
            new, principal = ids[cid]
            line = line.replace(cid, new)
            line = re.sub(rb'"principalIdentifier":"[^"]*"',
                          b'"principalIdentifier":"' + principal + b'"', line)
            line = line.replace(b'"timestamp":', b'"thingName":"' + new + b'","timestamp":', 1)
        out.write(line)
PY
fleet long-utf8 "$dir/utf8.ndjson"
