#!/bin/bash
# The cursor like htop's (issue 12): when the selected thing changes status
# and sorts elsewhere, the page stays and the cursor keeps its screen row
# (the thing under it changes); with follow mode (F, FOLLOW in the header)
# the cursor stays on its thing and the page moves to it. Status changes
# are imported into the journal a `--follow` monitor reads; at 80x24 and
# 200x60, with more things than either page holds.
. "$(dirname "$0")/lib.sh"

N=120
T0=1767225600000
# fleet NAME: N things dev-000.. connected, one second apart.
make_fleet() {
	for i in $(seq 0 $((N - 1))); do
		printf '{"clientId":"dev-%03d","timestamp":%d,"eventType":"connected","sessionIdentifier":"s-%03d","principalIdentifier":"p","ipAddress":"10.0.0.1","versionNumber":1}\n' \
			"$i" $((T0 + i * 1000)) "$i"
	done >"$DIR/fleet.ndjson"
	rm -f "$DIR/j.db"*
	"$THINGTOP" import -q -j "$DIR/j.db" "$DIR/fleet.ndjson" 2>"$DIR/import.err" ||
		{ cat "$DIR/import.err"; echo "import failed"; exit 1; }
}
# disconnect K: thing dev-K disconnects (later than every connect).
disconnect() {
	printf '{"clientId":"dev-%s","timestamp":%d,"eventType":"disconnected","sessionIdentifier":"s-%s","principalIdentifier":"p","clientInitiatedDisconnect":false,"disconnectReason":"CONNECTION_LOST","versionNumber":2}\n' \
		"$1" $((T0 + 3600000)) "$1" >"$DIR/d-$1.ndjson"
	"$THINGTOP" import -q -j "$DIR/j.db" "$DIR/d-$1.ndjson" 2>"$DIR/import.err" || { cat "$DIR/import.err"; fail "import dev-$1"; }
}
last_id() { grid_ids | tail -n 1; }

for size in 80x24 200x60; do
	w=${size%x*} h=${size#*x}
	new_server
	make_fleet
	start "$w" "$h" -j "$DIR/j.db" --follow
	wait_for "$N connected" || fail "$size: fleet shown"
	keys j j j j j
	check "$size: keys move the cursor (dev-005 selected)" test "$(selected)" = dev-005
	rows_before=$(grid_ids | wc -l)
	check "$size: the page holds fewer rows than things ($rows_before)" test "$rows_before" -lt $N

	# Default: the selected thing disconnects and sorts to the end; the
	# page does not move and the cursor keeps its row, now on dev-006.
	disconnect 005
	wait_for " 1 disconnected" || fail "$size: dev-005 disconnected"
	check "$size: without follow the page stays (first row dev-000)" test "$(first_id)" = dev-000
	check "$size: without follow the cursor keeps its row (now dev-006)" test "$(selected)" = dev-006
	check "$size: no FOLLOW in the header" bash -c "! tmux -L '$SOCK' capture-pane -p -t ui | head -n 1 | grep -qF FOLLOW"

	# Follow mode: the cursor stays on dev-006 when it disconnects, and
	# the page moves to the end where it now is.
	keys F
	check "$size: F shows FOLLOW in the header" bash -c "tmux -L '$SOCK' capture-pane -p -t ui | head -n 1 | grep -qF FOLLOW"
	disconnect 006
	wait_for " 2 disconnected" || fail "$size: dev-006 disconnected"
	sleep 0.3
	check "$size: with follow the page moved (first row $(first_id))" test "$(first_id)" != dev-000
	check "$size: with follow the thing's row is on the page (last row $(last_id))" test "$(last_id)" = dev-006
	check "$size: with follow the cursor stayed on dev-006" test "$(selected)" = dev-006
	# Keys still move the cursor in follow mode.
	keys g
	check "$size: g goes to the first row in follow mode" test "$(selected)" = dev-000
	keys F
	check "$size: F again turns follow off" bash -c "! tmux -L '$SOCK' capture-pane -p -t ui | head -n 1 | grep -qF FOLLOW"
	# Off again: a status change of the selected thing keeps the row.
	keys j j
	disconnect 002
	wait_for " 3 disconnected" || fail "$size: dev-002 disconnected"
	check "$size: follow off: the page stays" test "$(first_id)" = dev-000
	check "$size: follow off: the cursor keeps its row (now dev-003)" test "$(selected)" = dev-003
	[ "$FAILED" = 0 ] || { echo "--- $size:"; screen; }
	if [ "$size" != 200x60 ]; then
		keys C-c
		wait_for "EXIT=0" >/dev/null || fail "$size: exit 0"
	fi
done
finish
