#!/bin/bash
# Ages are never negative: a device whose clock runs a minute ahead shows
# an age of 0s in the grid, and its activity log says its clock is ahead.
. "$(dirname "$0")/lib.sh"
now=$(date +%s%3N)
printf '{"topic":"$aws/events/presence/connected/fast-clock","payload":{"clientId":"fast-clock","timestamp":%s,"eventType":"connected","sessionIdentifier":"s-1","versionNumber":1},"receivedAt":%s}\n' \
	"$((now + 60000))" "$now" >"$DIR/ahead.ndjson"
"$THINGTOP" import -q -j "$DIR/j.db" "$DIR/ahead.ndjson" 2>"$DIR/import.err" || { cat "$DIR/import.err"; exit 1; }
start 100 24 -j "$DIR/j.db" --no-connect
row=$(screen | grep -F "fast-clock")
check "the age is 0s, not negative" grep -qE "fast-clock.* 0s( |$)" <<<"$row"
check "no negative age anywhere" bash -c "! tmux -L $SOCK capture-pane -p -t ui | grep -qE ' -[0-9]+[smhd]'"
keys Enter
check "the activity log marks the clock ahead" grep -qF "ahead" <<<"$(screen)"
finish
