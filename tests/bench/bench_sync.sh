#!/usr/bin/env bash
# Issue 9 figures: `sync` of 100,000 things from saved search-index pages,
# and `import` of a 1,000,000-item DynamoDB export (plain and gzip) beside
# `import` of the same events as NDJSON.
#   bench_sync.sh THINGTOP DYNAMODB_EXPORT_PY [EVENTS] [THINGS]
set -euo pipefail
# 1,130,000 simulated events make about 1,000,000 items: the rule stores only
# presence events, keyed by (clientId, timestamp).
thingtop=$1 convert=$2 events=${3:-1130000} things=${4:-100000}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
quirks=flapping,storms,reorder,duplicates,skew,version-reset,takeover,keepalive,connect-failed,subscriptions

measure() { # measure NAME COUNT COMMAND...: wall time, rate, peak RSS
  local name=$1 count=$2; shift 2
  /usr/bin/time -f "%e %M" -o "$dir/time.txt" "$@" 2>"$dir/out.txt" >/dev/null
  read -r secs rss_kb <"$dir/time.txt"
  echo "$name: $count in $secs s = $(awk -v n="$count" -v s="$secs" 'BEGIN { printf "%.0f", n / s }')/s," \
    "peak RSS $((rss_kb / 1024)) MB"
}

# 100,000 things in search-index pages of 100 (what the CLI returns).
python3 - "$things" "$dir/index.json" <<'PY'
import json, sys
n, out = int(sys.argv[1]), sys.argv[2]
with open(out, "w") as f:
    for start in range(0, n, 100):
        things = []
        for i in range(start, min(n, start + 100)):
            c = {"connected": True, "timestamp": 1767225600000 + i, "disconnectReason": "NONE"} \
                if i % 3 else {"connected": False, "timestamp": 1767225000000 + i,
                               "disconnectReason": "CONNECTION_LOST"}
            things.append({"thingName": "thing-%06d" % i, "thingId": "%032x" % i,
                           "thingTypeName": "sensor", "thingGroupNames": ["plant-%d" % (i % 9)],
                           "attributes": {"site": "site-%d" % (i % 40), "fw": "4.2.1"},
                           "connectivity": c})
        page = {"things": things, "thingGroups": []}
        if start + 100 < n:
            page["nextToken"] = "t%d" % start
        f.write(json.dumps(page, indent=2) + "\n")
PY
echo "sync input: $things things, $(du -m "$dir/index.json" | cut -f1) MB pretty-printed"
cat "$dir/index.json" >/dev/null
measure "sync (files)" "$things things" "$thingtop" sync -q -j "$dir/sync.db" "$dir/index.json"

"$thingtop" simulate --things "$things" --events "$events" --seed 7 --quirks $quirks \
  --ndjson "$dir/events.ndjson" --truth "$dir/truth.csv" >/dev/null 2>&1
items=$(python3 "$convert" "$dir/events.ndjson" "$dir/ddb" --export-only)
lines=$(wc -l <"$dir/events.ndjson")
echo "import input: $lines NDJSON lines ($(du -m "$dir/events.ndjson" | cut -f1) MB);" \
  "$items DynamoDB items ($(du -m "$dir/ddb/export.json" | cut -f1) MB, gzip" \
  "$(du -m "$dir/ddb/export.json.gz" | cut -f1) MB)"
cat "$dir/events.ndjson" "$dir/ddb/export.json" "$dir/ddb/export.json.gz" >/dev/null
measure "import NDJSON" "$lines lines" "$thingtop" import -q -j "$dir/n.db" "$dir/events.ndjson"
measure "import DynamoDB export (.json)" "$items items" "$thingtop" import -q -j "$dir/d.db" "$dir/ddb/export.json"
measure "import DynamoDB export (.json.gz)" "$items items" "$thingtop" import -q -j "$dir/g.db" "$dir/ddb/export.json.gz"
