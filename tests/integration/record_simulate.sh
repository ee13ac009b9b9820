#!/bin/bash
# simulate publishes thousands of events, all quirks, at QoS 1 while record
# runs: the journal holds every event and the reconciled statuses equal
# the simulator's truth. A bad payload is journaled as a reject and the
# subscription goes on.
. "$(dirname "$0")/lib.sh"
PORT=$(free_port)
start_broker "$PORT" "persistence false"
J=$WORK/journal.db
"$TT" record --broker 127.0.0.1:$PORT -j "$J" --stats-interval 1 2>"$WORK/record.log" &
REC=$!; PIDS=$REC
wait_for "$WORK/record.log" "connected to" || exit 1

"$TT" simulate --broker 127.0.0.1:$PORT --qos 1 --things 300 --events 6000 --seed 7 \
	--quirks all --truth "$WORK/truth.csv" 2>"$WORK/sim.log" || { cat "$WORK/sim.log"; fail "simulate"; }
SENT=$(sed -n 's/.*: \([0-9]*\) messages.*/\1/p' "$WORK/sim.log")
[ "${SENT:-0}" -ge 6000 ] || fail "simulate sent ${SENT:-nothing}"
# A bad payload between good ones, then one more good event.
mosquitto_pub -p "$PORT" -q 1 -t '$aws/events/presence/connected/bad-1' -m '{"clientId":"bad-1","timest' \
	|| fail "mosquitto_pub"
mosquitto_pub -p "$PORT" -q 1 -t '$aws/events/presence/connected/after-bad' \
	-m '{"clientId":"after-bad","timestamp":1767225600000,"eventType":"connected","sessionIdentifier":"s-1","versionNumber":1}'
TOTAL=$((SENT + 2))
for _ in $(seq 200); do
	grep -q "received $TOTAL " "$WORK/record.log" && break
	sleep 0.1
done
kill -INT $REC; wait $REC; RC=$?
[ $RC -eq 0 ] || { cat "$WORK/record.log"; fail "record exited $RC"; }
grep -q "rejected 1," "$WORK/record.log" || { tail -3 "$WORK/record.log"; fail "reject not counted"; }

ROWS=$(sqlite3 "$J" 'SELECT count(*) FROM events')
[ "$ROWS" = "$TOTAL" ] || fail "journal has $ROWS rows, $TOTAL published"
REJ=$(sqlite3 "$J" "SELECT count(*) FROM events WHERE type = 0")
[ "$REJ" = 1 ] || fail "journal has $REJ rejects, want 1"

# The truth plus the after-bad thing, connected.
printf '%s\n' 'after-bad,connected' >> "$WORK/truth.csv"
"$TT" export -j "$J" > "$WORK/export.csv" || fail "export"
compare_truth "$WORK/export.csv" "$WORK/truth.csv" || fail "statuses differ from the truth"
echo "ok: $TOTAL events journaled, statuses equal the truth"
