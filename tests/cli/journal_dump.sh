#!/usr/bin/env bash
# thingtop journal dump: import -> dump -> import -> dump gives the same
# bytes for every payload shape; the dump carries the exact received
# bytes; the schema-2 journal of the previous release dumps, once
# upgraded, the very messages it held; --from, --to and --filter.
set -uo pipefail
thingtop=$1 data=$2
. "$(dirname "$0")/lib.sh"

# Messages of every shape the parser meets (one a line).
odd=$tmp/odd.ndjson
{
  printf '%s\n' '{"eventType":"connected","clientId":"a1","timestamp":1767225600000,"sessionIdentifier":"s","versionNumber":1}'
  printf '%s\n' '{ "clientId" : "a2", "timestamp":1767225600000,	"eventType":"connected" }'
  printf '%s\n' '{"clientId":"a3","timestamp":1767225600000,"eventType":"connected","extra":{"x":[1,"}"]},"thingName":"t"}'
  printf '%s\n' '{"clientId":"\u00e9\u001b[31m\"q\"","timestamp":1767225600000,"eventType":"connected","ipAddress":"2001:DB8::1"}'
  printf '{"clientId":"\xff\xfe","timestamp":1,"eventType":"connected"}\n'
  printf '%s\n' '{"topic":"$aws/events/presence/connected/a5","payload":"{\"clientId\":\"a5\",\"timestamp\":1767225600000,\"eventType\":\"connected\"}  ","receivedAt":1767225601000}'
  printf '%s\n' '{"topic":"x/y","payload":"hello\nworld","receivedAt":1767225602000}'
  printf '%s\n' 'not json at all'
  printf '%s\n' '{"topic":"a/b","payload":"\"just a string\"","receivedAt":1767225603000}'
  printf '%s\n' '{"topic":"$aws/events/presence/connected/a6","payload":5,"receivedAt":1767225604000}'
  printf '%s\n' '{"clientId":"a7","clientId":"dup","timestamp":1,"eventType":"connected"}'
  printf '{"clientId":"a8","timestamp":1767225600000,"eventType":"connected","pad":"%s"}\n' \
    "$(head -c 140000 /dev/zero | tr '\0' 'x')"
  printf '{"clientId":"del\x7f c1\xc2\x85","timestamp":1767225600000,"eventType":"connected"}\n'
} >"$odd"
"$thingtop" import -q -j "$tmp/a.db" "$odd" 2>/dev/null
"$thingtop" journal dump -j "$tmp/a.db" >"$tmp/a.ndjson"
check_eq "dump exit status" "$?" 0
check_eq "one line a message" "$(wc -l <"$tmp/a.ndjson")" "$(wc -l <"$odd")"
"$thingtop" import -q -j "$tmp/b.db" "$tmp/a.ndjson" 2>/dev/null
"$thingtop" journal dump -j "$tmp/b.db" >"$tmp/b.ndjson"
check "import of a dump dumps the same bytes" cmp -s "$tmp/a.ndjson" "$tmp/b.ndjson"
check "journal check passes" "$thingtop" journal check -j "$tmp/a.db" >/dev/null

# The exact bytes: bare lines come back as their payload, JSON embedded
# as written, the rest as a string or base64.
payload_of() { # the dump line's payload text (embedded) for line N
  sed -n "$1p" "$tmp/a.ndjson" | sed -E 's/^\{"topic":(null|"([^"\\]|\\.)*"),"payload"://; s/,"receivedAt":[0-9]+\}$//'
}
check_eq "foreign key order kept" "$(payload_of 1)" "$(sed -n 1p "$odd")"
check_eq "whitespace kept" "$(payload_of 2)" "$(sed -n 2p "$odd")"
check_eq "unknown fields kept" "$(payload_of 3)" "$(sed -n 3p "$odd")"
check_eq "escapes kept" "$(payload_of 4)" "$(sed -n 4p "$odd")"
check_eq "duplicate keys as a string" "$(payload_of 11)" \
  '"{\"clientId\":\"a7\",\"clientId\":\"dup\",\"timestamp\":1,\"eventType\":\"connected\"}"'
check_eq "a number payload embedded" "$(payload_of 10)" "5"
check_eq "a JSON string payload stays a string" "$(payload_of 9)" '"\"just a string\""'
check_eq "text that is not JSON as a string" "$(payload_of 7)" '"hello\u000aworld"'
b64=$(sed -n 5p "$tmp/a.ndjson" | sed -E 's/.*"payloadBase64":"([^"]*)".*/\1/')
check "invalid UTF-8 in base64, exact" cmp -s <(printf '%s' "$b64" | base64 -d) \
  <(sed -n 5p "$odd" | head -c -1)
# An oversize payload (over AWS's 128 KiB) is kept as a reject of its first
# 128 KiB: the dump gives back exactly those bytes.
check_eq "oversize payload: its first 128 KiB" \
  "$(sed -n 12p "$tmp/a.ndjson" | python3 -c 'import json,sys; sys.stdout.write(json.loads(sys.stdin.read())["payload"])' | md5sum)" \
  "$(sed -n 12p "$odd" | head -c 131072 | md5sum)"

# On a terminal: no DEL or C1 control byte reaches it, and what it shows
# still imports to the same messages.
if command -v script >/dev/null; then
  script -qec "'$thingtop' journal dump -j '$tmp/a.db'" /dev/null | tr -d '\r' >"$tmp/tty.ndjson"
  check "dump on a terminal: no DEL or C1 controls" \
    test "$(LC_ALL=C grep -c $'\x7f\\|\xc2[\x80-\x9f]' "$tmp/tty.ndjson")" -eq 0
  "$thingtop" import -q -j "$tmp/c.db" "$tmp/tty.ndjson" 2>/dev/null
  "$thingtop" journal dump -j "$tmp/c.db" >"$tmp/c.ndjson"
  check "the terminal's text imports to the same messages" cmp -s "$tmp/a.ndjson" "$tmp/c.ndjson"
fi

# --from/--to select by receive time (ms since the epoch).
"$thingtop" journal dump -j "$tmp/a.db" --from 2026-01-01T00:00:02Z --to 2026-01-01T00:00:04Z \
  >"$tmp/range.ndjson"
want=$(grep -Eo '"receivedAt":[0-9]+}$' "$tmp/a.ndjson" | grep -Eo '[0-9]+' |
  awk '$1 >= 1767225602000 && $1 < 1767225604000' | wc -l)
check_eq "--from/--to" "$(wc -l <"$tmp/range.ndjson")" "$want"
[[ $want -ge 2 ]] || fail "the range holds messages"

# --filter: the messages of the matching things only.
"$thingtop" import -q -j "$tmp/s.db" "$data/small-fleet.ndjson" 2>/dev/null
"$thingtop" journal dump -j "$tmp/s.db" --filter 'client_id~^plant' >"$tmp/plant.ndjson"
check_eq "--filter keeps the things' messages" "$(wc -l <"$tmp/plant.ndjson")" \
  "$(grep -c '"clientId": "plant/' "$data/small-fleet.ndjson")"
check "--filter nothing else" test "$(grep -vc '"clientId": "plant/' "$tmp/plant.ndjson")" -eq 0
"$thingtop" journal dump -j "$tmp/s.db" --filter 'client_id~[' >/dev/null 2>&1
check_eq "a bad filter is an error" "$?" 2

# The previous release's journal: once upgraded (vacuum opens it
# read-write), its dump carries the bytes the old rows held.
command -v sqlite3 >/dev/null && command -v python3 >/dev/null || { finish; exit $?; }
cp "$data/schema2.db" "$tmp/old.db"
sqlite3 "$tmp/old.db" "SELECT received_ms || ' ' || hex(payload) FROM events ORDER BY seq" \
  >"$tmp/old.txt"
"$thingtop" journal dump -j "$tmp/old.db" >/dev/null 2>"$tmp/err.txt"
check "schema 2 needs the upgrade first" grep -q "older schema 2" "$tmp/err.txt"
"$thingtop" journal vacuum -j "$tmp/old.db" >/dev/null
check_eq "vacuum upgrades" "$(sqlite3 "$tmp/old.db" 'PRAGMA user_version')" \
  "$(sed -n 's/^#define JOURNAL_SCHEMA_VERSION \([0-9]*\)/\1/p' "$(dirname "$0")/../../core/journal.h")"
"$thingtop" journal dump -j "$tmp/old.db" >"$tmp/old.ndjson"
python3 - "$tmp/old.ndjson" >"$tmp/new.txt" <<'PY'
import base64, json, sys
for line in open(sys.argv[1], 'rb'):
    line = line.rstrip(b'\n')
    env = json.loads(line)
    if 'payloadBase64' in env:
        raw = base64.b64decode(env['payloadBase64'])
    elif isinstance(env['payload'], str):
        raw = env['payload'].encode()
    else:  # embedded: the bytes between "payload": and ,"receivedAt":
        start = line.index(b'"payload":') + len(b'"payload":')
        raw = line[start:line.rindex(b',"receivedAt":')]
    print(env['receivedAt'], raw.hex().upper())
PY
check "upgraded dump = the schema-2 rows" cmp -s "$tmp/old.txt" "$tmp/new.txt"
check "the upgraded journal checks" "$thingtop" journal check -j "$tmp/old.db" >/dev/null
finish
