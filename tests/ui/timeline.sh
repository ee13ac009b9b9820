#!/bin/bash
# The disconnect timeline: totals equal the journal's disconnects, and the
# drill-down filters the grid to the things of the selected bucket.
. "$(dirname "$0")/lib.sh"
make_journal
start 80 24 -j "$DIR/j.db" --no-connect

keys t
check "timeline open" wait_for "Disconnects"
# fleet.ndjson holds 4 disconnects: 2 CONNECTION_LOST, 1 keep-alive, 1 client.
want=$(grep -c '"eventType":"disconnected"' "$HERE/fleet.ndjson")
check "fixture has 4 disconnects" test "$want" = 4
check "total equals the journal's disconnects" grep -qF "total: 4 shown, 4 disconnects" <<<"$(screen)"
check "CONNECTION_LOST total 2" grep -qE 'CONNECTION_LOST +2 shown +2 total' <<<"$(screen)"
check "keep-alive total 1" grep -qE 'MQTT_KEEP_ALIVE_TIMEOUT +1 shown +1 total' <<<"$(screen)"
check "client-initiated total 1" grep -qE 'CLIENT_INITIATED_DISCONNECT +1 shown +1 total' <<<"$(screen)"
check "1 minute buckets" grep -qF "bucket 1m" <<<"$(screen)"

# End selects the last disconnect's bucket (00:04, delta); three left is
# 00:01, where bravo (00:01:02) and foxtrot (00:01:06) disconnected.
keys End
check "last bucket selected" grep -qF "2026-01-01T00:04..00:05  1 disconnects" <<<"$(screen)"
keys Left Left Left
check "00:01 bucket: 2 disconnects" grep -qF "2026-01-01T00:01..00:02  2 disconnects" <<<"$(screen)"
keys Enter
check "drill-down to the grid" wait_for "2/7"
check "drilled things" test "$(grid_ids | sort)" == $'bravo-02\nfoxtrot-06'

# Zoom out to 5 minute buckets: everything in one bucket.
keys Escape
keys t
keys -
check "zoom out to 5m" grep -qF "bucket 5m" <<<"$(screen)"
keys End
check "one 5m bucket holds all 4" grep -qF "2026-01-01T00:00..00:05  4 disconnects" <<<"$(screen)"

# Rows that arrive while it is open are added (the monitor follows the
# journal another process writes): two more disconnects, at 00:04:30 and,
# received later but older, at 00:01:30.
new_server
"$THINGTOP" import -j "$DIR/k.db" "$HERE/fleet.ndjson" >/dev/null 2>&1
start 80 24 -j "$DIR/k.db" --no-connect
keys t
check "timeline reopened" wait_for "total: 4 shown, 4 disconnects"
cat >"$DIR/more.ndjson" <<'NDJSON'
{"clientId":"alpha-01","timestamp":1767225870000,"eventType":"disconnected","sessionIdentifier":"aaaaaaaa-0000-0000-0000-000000000001","clientInitiatedDisconnect":false,"disconnectReason":"CONNECTION_LOST","versionNumber":2}
{"clientId":"echo-05","timestamp":1767225690000,"eventType":"disconnected","sessionIdentifier":"eeeeeeee-0000-0000-0000-000000000001","clientInitiatedDisconnect":false,"disconnectReason":"CONNECTION_LOST","versionNumber":2}
NDJSON
"$THINGTOP" import -j "$DIR/k.db" "$DIR/more.ndjson" >/dev/null 2>&1
check "new disconnects added" wait_for "total: 6 shown, 6 disconnects"
check "CONNECTION_LOST total 4" grep -qE 'CONNECTION_LOST +4 shown +4 total' <<<"$(screen)"
keys End
check "the 00:04 bucket holds 2" grep -qF "2026-01-01T00:04..00:05  2 disconnects" <<<"$(screen)"
keys Left Left Left
check "the 00:01 bucket holds 3" grep -qF "2026-01-01T00:01..00:02  3 disconnects" <<<"$(screen)"
finish
