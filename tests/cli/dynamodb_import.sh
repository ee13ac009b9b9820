#!/usr/bin/env bash
# thingtop import of the seed article's DynamoDB table: simulated fleets
# converted to scan pages and export files (tests/dynamodb_export.py), in
# shuffled partition order, without receive times. Every thing's final
# status must equal the simulator's truth. Plus detection, --format, gzip
# and the errors a bad item or a bad file gets.
set -uo pipefail
thingtop=$1 convert=$2
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "sqlite3 CLI missing"; exit 77; }
command -v python3 >/dev/null || { echo "python3 missing"; exit 77; }
# Quirks where sessions, versions and timestamps decide ("malformed" lines
# never reach a DynamoDB table: the rule only stores JSON payloads).
quirks=flapping,storms,reorder,duplicates,skew,version-reset,takeover,keepalive,connect-failed,subscriptions

# score FLEET.csv TRUTH.csv: "things right certain-wrong missing"; a thing
# whose client id holds a '/' is never stored (the rule's topic filter
# '$aws/events/presence/+/+' does not match its topics), and things seen
# only through subscription events are unknown in the truth.
score() {
  sqlite3 :memory: -cmd ".import --csv '$1' e" -cmd ".import --csv '$2' t" "
    create table ee as select *, (case when client_id glob '''[=+@-]*'
      then substr(client_id, 2) else client_id end) as cid from e;
    select count(*) || ' ' || sum(ee.status = t.status) || ' ' ||
      sum(ee.status != t.status and ee.flags not like '%uncertain%') || ' ' ||
      (select count(*) from t where t.status != 'unknown' and instr(t.client_id, '/') = 0
         and t.client_id not in (select cid from ee))
    from ee join t on t.client_id = ee.cid"
}

for run in "60 6000 11 1" "400 40000 12 2" "1500 60000 13 3"; do
  set -- $run
  d=$tmp/fleet-$3
  mkdir -p "$d"
  "$thingtop" simulate --things "$1" --events "$2" --seed "$3" --quirks $quirks \
    --ndjson "$d/events.ndjson" --truth "$d/truth.csv" >/dev/null 2>&1
  python3 "$convert" "$d/events.ndjson" "$d/ddb" --seed "$4" >/dev/null
  for f in scan.json scan-lines.json export.json export.json.gz; do
    "$thingtop" import -q -j "$d/$f.db" "$d/ddb/$f" 2>"$d/$f.err"
    check_eq "seed $3 $f: import exit status" "$?" 0
    check "seed $3 $f: nothing rejected" grep -q ' 0 rejected' "$d/$f.err"
    "$thingtop" export -j "$d/$f.db" -o "$d/$f.csv"
    read -r total right wrong missing < <(score "$d/$f.csv" "$d/truth.csv")
    echo "things=$1 seed=$3 $f: $right of $total right, $wrong wrong and certain, $missing missing"
    check_eq "seed $3 $f: every status equals the truth" "$right" "$total"
    check_eq "seed $3 $f: no thing missing" "$missing" 0
  done
done

# The payload is journaled as plain JSON with the exact digits, the topic rebuilt.
d=$tmp/one
mkdir -p "$d"
cat >"$d/items.json" <<'ITEMS'
{"Item": {"clientId": {"S": "press-7"}, "timestamp": {"N": "1767225547954"}, "eventType": {"S": "connected"}, "event": {"M": {"clientId": {"S": "press-7"}, "timestamp": {"N": "1767225547954"}, "eventType": {"S": "connected"}, "sessionIdentifier": {"S": "s-1"}, "versionNumber": {"N": "3"}, "ratio": {"N": "0.10"}, "tags": {"L": [{"S": "a\"b"}, {"NULL": true}, {"BOOL": false}]}}}}}
{"Item": {"clientId": {"S": "press-8"}, "eventType": {"S": "connected"}}}
{"Item": {"clientId": {"S": "press-9"}, "eventType": {"S": "connected"}, "event": {"M": {"clientId": {"S": "press-9"}, "timestamp": {"N": "12x"}}}}}
{"Item": not json}
{"Item": {"clientId": {"S": "press-7"}, "timestamp": {"N": "1767225600000"}, "eventType": {"S": "disconnected"}, "event": {"M": {"clientId": {"S": "press-7"}, "timestamp": {"N": "1767225600000"}, "eventType": {"S": "disconnected"}, "sessionIdentifier": {"S": "s-1"}, "versionNumber": {"N": "3"}, "disconnectReason": {"S": "CONNECTION_LOST"}, "clientInitiatedDisconnect": {"BOOL": false}}}}}
ITEMS
"$thingtop" import -j "$d/j.db" "$d/items.json" 2>"$d/err"
check_eq "bad items: exit status 0 (rejects are journaled)" "$?" 0
check "summary counts" grep -q "imported 5 lines: 2 accepted, 0 duplicates, 3 rejected" "$d/err"
check "missing event map named with its line" grep -q 'items.json:2: rejected (missing_field): .*"event"' "$d/err"
check "bad number named with its path" grep -q 'items.json:3: rejected (mistyped_field): event.timestamp: a number (N) is not a JSON number' "$d/err"
check "bad JSON line named" grep -q 'items.json:4: rejected (bad_json): bad JSON at column' "$d/err"
# The same items as one scan page: named by page line and item number.
python3 - "$d/items.json" >"$d/page.json" <<'PY'
import json, sys
items = [json.loads(l)["Item"] if "not json" not in l else None for l in open(sys.argv[1])]
print(json.dumps({"Items": [i for i in items if i is not None], "Count": 4}, indent=2))
PY
"$thingtop" import -j "$d/p.db" "$d/page.json" 2>"$d/perr"
check "scan page: summary" grep -q "imported 4 lines: 2 accepted, 0 duplicates, 2 rejected" "$d/perr"
check "scan page: item named" grep -q 'page.json: rejected (missing_field): line 1: item 2: .*"event"' "$d/perr"
# The exact payload text, as the journal gives it back (journal dump
# embeds it as received).
payload=$("$thingtop" journal dump -j "$d/j.db" | grep '"eventType":"connected"' |
  sed -E 's/^\{"topic":(null|"([^"\\]|\\.)*"),"payload"://; s/,"receivedAt":[0-9]+\}$//')
check_eq "payload: plain JSON, exact digits" "$payload" \
  '{"clientId":"press-7","timestamp":1767225547954,"eventType":"connected","sessionIdentifier":"s-1","versionNumber":3,"ratio":0.10,"tags":["a\"b",null,false]}'
"$thingtop" export -j "$d/j.db" -o "$d/f.csv"
check "press-7 closed by its disconnect" grep -q '^disconnected,press-7,.*CONNECTION_LOST' "$d/f.csv"

# --format: a scan page that does not start with a key detection knows.
printf '{"ConsumedCapacity": null, "Items": []}\n' >"$d/odd.json"
"$thingtop" import -j "$d/k.db" "$d/odd.json" 2>"$d/err2"
check_eq "Items-less start still detected" "$?" 0
printf '\n\n  {"LastEvaluatedKey": {}, "Items": [%s]}\n' \
  "$(sed -n 1p "$d/items.json" | sed 's/^{"Item": //; s/}$//')" >"$d/scan.json"
"$thingtop" import -j "$d/k2.db" --format dynamodb "$d/scan.json" 2>"$d/err3"
check "--format dynamodb" grep -q "imported 1 lines: 1 accepted" "$d/err3"
"$thingtop" import -j "$d/k3.db" --format xml "$d/scan.json" 2>/dev/null
check_eq "unknown format: usage error" "$?" 2
gzip -c "$d/items.json" | "$thingtop" import -j "$d/k4.db" - 2>"$d/err4"
check "gzip on standard input detected" grep -q "imported 5 lines: 2 accepted" "$d/err4"

# A pretty-printed scan cut in the middle: an error with its line, the
# items before are kept.
python3 - "$d/items.json" >"$d/cut.json" <<'PY'
import json, sys
items = [json.loads(l)["Item"] for l in open(sys.argv[1]) if "not json" not in l]
print(json.dumps({"Items": items[:1], "Count": 1}, indent=2))
print(json.dumps({"Items": items[1:], "Count": 3}, indent=2)[:-40])
PY
"$thingtop" import -j "$d/k5.db" "$d/cut.json" 2>"$d/err5"
check_eq "cut scan: exit status 1" "$?" 1
check "cut scan: error with a line number" grep -Eq 'cut.json: line [0-9]+ column [0-9]+: bad JSON' "$d/err5"
check_eq "cut scan: the first page is kept" "$(sqlite3 "$d/k5.db" "select count(*) from events where type = 1")" 1
finish
