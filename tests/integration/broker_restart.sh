#!/bin/bash
# The broker is killed and restarted mid-stream (same port, persistence on
# so our session survives): record reconnects by itself, and no QoS 1 event
# published while it was away is lost.
. "$(dirname "$0")/lib.sh"
PORT=$(free_port)
PERSIST=("persistence true" "persistence_location $WORK/" "autosave_interval 1")
start_broker "$PORT" "${PERSIST[@]}"
J=$WORK/journal.db
"$TT" record --broker 127.0.0.1:$PORT -j "$J" --stats-interval 1 2>"$WORK/record.log" &
REC=$!; PIDS=$REC
wait_for "$WORK/record.log" "connected to" || exit 1

"$TT" simulate --broker 127.0.0.1:$PORT --qos 1 --things 100 --events 1500 --seed 3 \
	--truth "$WORK/truth1.csv" 2>"$WORK/sim1.log" || fail "simulate 1"
N1=$(sed -n 's/.*: \([0-9]*\) messages.*/\1/p' "$WORK/sim1.log")
wait_for "$WORK/record.log" "received $N1 " 10 || fail "first batch not received"

# Kill the broker (SIGTERM saves the session), restart it: record backs off.
stop_broker
wait_for "$WORK/record.log" "retrying in" 10 || fail "record did not notice the broker leave"
start_broker "$PORT" "${PERSIST[@]}"
# Publish while record may still be away: the broker queues for our session.
"$TT" simulate --broker 127.0.0.1:$PORT --qos 1 --things 100 --events 1500 --seed 4 \
	2>"$WORK/sim2.log" || fail "simulate 2"
N2=$(sed -n 's/.*: \([0-9]*\) messages.*/\1/p' "$WORK/sim2.log")
TOTAL=$((N1 + N2))
wait_for "$WORK/record.log" "session resumed" 30 || fail "record did not reconnect with its session"
for _ in $(seq 300); do
	grep -q "received $TOTAL " "$WORK/record.log" && break
	sleep 0.1
done
kill -INT $REC; wait $REC || fail "record exit status"
ROWS=$(sqlite3 "$J" 'SELECT count(*) FROM events')
[ "$ROWS" = "$TOTAL" ] || { tail -5 "$WORK/record.log"; fail "journal has $ROWS rows, $TOTAL published"; }
echo "ok: reconnected, $TOTAL of $TOTAL events journaled"
