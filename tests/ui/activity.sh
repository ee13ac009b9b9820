#!/bin/bash
# The activity log: a thing's events newest first, raw JSON on Enter,
# subscribed topics.
. "$(dirname "$0")/lib.sh"
make_journal
start 100 30 -j "$DIR/j.db" --no-connect

keys :
literal "thing charlie-03"
keys Enter
check "activity title" wait_for "Activity: charlie-03"
check "3 events" grep -qF "3 events" <<<"$(screen)"
# charlie-03 in fleet.ndjson: connected 00:00:03 (session ...01),
# disconnected 00:02:03 MQTT_KEEP_ALIVE_TIMEOUT, connected 00:03:03 (...02).
order=$(screen | grep -oE '01-01 [0-9:.]+ +[0-9:.]+ +[a-z_]+' | awk '{ print $2, $4 }')
want=$'00:03:03.000 connected\n00:02:03.000 disconnected\n00:00:03.000 connected'
check "events newest first" test "$order" == "$want"
check "reason shown" grep -qF "MQTT_KEEP_ALIVE_TIMEOUT" <<<"$(screen)"

keys Enter
check "raw JSON of the newest event" wait_for '"sessionIdentifier": "cccccccc-0000-0000-0000-000000000002"'
check "pretty-printed" grep -qE '^ +"versionNumber": 2$' <<<"$(screen)"
keys Escape
keys Down
keys Enter
check "raw JSON of the disconnect" wait_for '"disconnectReason": "MQTT_KEEP_ALIVE_TIMEOUT"'
keys Escape
keys Escape
check "back to the grid" wait_for "7/7"

# Subscribed topics of echo-05.
keys :
literal "thing echo-05"
keys Enter
check "subscribed topics" wait_for "dev/echo/cmd, dev/echo/cfg"
check "subscribed row" grep -qF "subscribed" <<<"$(screen)"

# Enter on a grid row opens that thing's log.
keys Escape
keys /
literal "delta"
keys Enter
keys Enter
check "Enter opens the log of the row" wait_for "Activity: delta-04"
check "client-initiated reason" grep -qF "CLIENT_INITIATED_DISCONNECT" <<<"$(screen)"
# Duplicates are marked by the reconciler's rule (RECONCILIATION.md: a
# second connect or disconnect of a session already seen): the connect of
# session ...01 delivered twice is one "dup"; the later session is not.
new_server
cat >"$DIR/dup.ndjson" <<'NDJSON'
{"clientId":"dup-01","timestamp":1767225601000,"eventType":"connected","sessionIdentifier":"dddddddd-0000-0000-0000-000000000001","principalIdentifier":"p","ipAddress":"10.0.0.9","versionNumber":1}
{"clientId":"dup-01","timestamp":1767225601000,"eventType":"connected","sessionIdentifier":"dddddddd-0000-0000-0000-000000000001","principalIdentifier":"p","ipAddress":"10.0.0.9","versionNumber":1}
{"clientId":"dup-01","timestamp":1767225661000,"eventType":"disconnected","sessionIdentifier":"dddddddd-0000-0000-0000-000000000001","clientInitiatedDisconnect":true,"disconnectReason":"CLIENT_INITIATED_DISCONNECT","versionNumber":2}
{"clientId":"dup-01","timestamp":1767225721000,"eventType":"connected","sessionIdentifier":"dddddddd-0000-0000-0000-000000000002","principalIdentifier":"p","ipAddress":"10.0.0.9","versionNumber":3}
NDJSON
"$THINGTOP" import -j "$DIR/dup.db" "$DIR/dup.ndjson" >/dev/null 2>&1
start 120 30 -j "$DIR/dup.db" --no-connect
keys :
literal "thing dup-01"
keys Enter
check "dup activity" wait_for "Activity: dup-01"
check "4 events" grep -qF "4 events" <<<"$(screen)"
check "one dup mark" test "$(screen | grep -cE ' dup( |$)')" = 1
check "the repeated connect is the dup" grep -qE '00:00:01\.000 .*connected .* dup' <<<"$(screen)"
finish
