#!/bin/bash
# A journal on a full disk: `record` stops reading from the broker, says
# why and exits 1 within 2 s; restarted on the same journal once there is
# room, it resumes its broker session and every published event ends up
# journaled once: a receive round is acknowledged only once it is in the
# intake log (which has its room reserved), and the restart journals what
# that log holds. Then the same with a lock another process holds on the
# journal.
. "$(dirname "$0")/lib.sh"
need_root "disk full"
PORT=$(free_port)
start_broker "$PORT" "persistence false"
DISK=$WORK/disk
mount_tmpfs "$DISK" 80m
# Most of the disk is taken: the journal fills it after some thousand events.
dd if=/dev/zero of="$DISK/filler" bs=1M count=70 status=none
J=$DISK/journal.db

"$TT" record --broker 127.0.0.1:$PORT -j "$J" --stats-interval 0 2>"$WORK/rec1.log" &
REC=$!; PIDS=$REC
wait_for "$WORK/rec1.log" "connected to" || exit 1
"$TT" simulate --broker 127.0.0.1:$PORT --qos 1 --things 2000 --events 40000 --rate 10000 \
	--quirks none --seed 11 2>"$WORK/sim.log" &
SIM=$!
wait_for "$WORK/rec1.log" "not recording" 30 || fail "record did not notice the full disk"
FULL_MS=$(now_ms)
wait_exit $REC 5; RC=$?
EXIT_MS=$(now_ms)
[ $RC = 1 ] || { cat "$WORK/rec1.log"; fail "record exit status $RC, want 1"; }
ELAPSED=$((EXIT_MS - FULL_MS))
echo "disk full to exit: $ELAPSED ms"
[ $ELAPSED -le 2000 ] || fail "record took $ELAPSED ms to exit"
grep -q "disk full" "$WORK/rec1.log" || { cat "$WORK/rec1.log"; fail "no cause printed"; }
LOST=$(sed -n 's/.*: \([0-9]*\) message(s) received and acknowledged.*/\1/p' "$WORK/rec1.log")
LOST=${LOST:-0}
wait $SIM || fail "simulate"
SENT=$(sent_by "$WORK/sim.log")

# Room again: the same journal, the same broker session.
rm -f "$DISK/filler"
"$TT" record --broker 127.0.0.1:$PORT -j "$J" --stats-interval 1 2>"$WORK/rec2.log" &
REC=$!; PIDS=$REC
wait_for "$WORK/rec2.log" "session resumed" 10 || fail "the broker session was not resumed"
wait_events "$J" $((SENT - LOST)) 60
kill -TERM $REC; wait $REC || fail "second record exit status"
GOT=$(events_in "$J")
echo "published $SENT, journaled $GOT, reported lost $LOST"
[ "$GOT" = $((SENT - LOST)) ] || fail "journal has $GOT events; published $SENT, reported lost $LOST"
[ "$LOST" = 0 ] || fail "record reported $LOST message(s) lost"
"$TT" journal info -j "$J" > "$WORK/info.txt" || fail "journal info"
grep -q "covered: the broker kept the session" "$WORK/info.txt" || { cat "$WORK/info.txt"; fail "the gap is not listed as covered"; }

# A lock held by another process: the writer gives up after 1 s, record
# exits 1, nothing beyond one round is lost, and a restart catches up.
"$TT" record --broker 127.0.0.1:$PORT -j "$J" --stats-interval 0 2>"$WORK/rec3.log" &
REC=$!; PIDS=$REC
wait_for "$WORK/rec3.log" "session resumed" 10 || exit 1
python3 - "$J" 2>"$WORK/lock.log" <<'PY' &
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
time.sleep(6)
db.execute("ROLLBACK")
PY
LOCKER=$!
sleep 0.5
"$TT" simulate --broker 127.0.0.1:$PORT --qos 1 --things 500 --events 5000 --rate 2000 \
	--quirks none --seed 12 2>"$WORK/sim2.log" || fail "simulate 2"
wait_exit $REC 6; RC=$?
[ $RC = 1 ] || { cat "$WORK/rec3.log"; fail "record under a held lock: status $RC, want 1"; }
grep -q "locked\|busy" "$WORK/rec3.log" || { cat "$WORK/rec3.log"; fail "no lock cause"; }
LOST2=$(sed -n 's/.*: \([0-9]*\) message(s) received and acknowledged.*/\1/p' "$WORK/rec3.log")
LOST2=${LOST2:-0}
wait $LOCKER
"$TT" record --broker 127.0.0.1:$PORT -j "$J" --stats-interval 0 2>"$WORK/rec4.log" &
REC=$!; PIDS=$REC
SENT2=$(sent_by "$WORK/sim2.log")
WANT=$((SENT - LOST + SENT2 - LOST2))
wait_events "$J" $WANT 60
kill -TERM $REC; wait $REC || fail "fourth record exit status"
GOT=$(events_in "$J")
echo "lock: published $SENT2 more, reported lost $LOST2, journal holds $GOT of $WANT expected"
[ "$GOT" = $WANT ] || fail "journal has $GOT events, want $WANT"
[ "$LOST2" = 0 ] || fail "record reported $LOST2 message(s) lost under a lock"
# import on a full disk: it stops at the first failed commit, exits 1, and
# its summary counts exactly what the journal kept.
SMALL=$WORK/small
mount_tmpfs "$SMALL" 4m
"$TT" simulate --things 2000 --events 100000 --quirks none --seed 13 --ndjson "$WORK/big.ndjson" \
	--truth "$WORK/big.csv" 2>/dev/null || fail "simulate to a file"
"$TT" import -q -j "$SMALL/import.db" "$WORK/big.ndjson" 2>"$WORK/import.log"; RC=$?
[ $RC = 1 ] || { cat "$WORK/import.log"; fail "import on a full disk: status $RC, want 1"; }
KEPT=$(sed -n 's/.*stopped: the first \([0-9]*\) of the .*/\1/p' "$WORK/import.log")
ROWS=$(sqlite3 "$SMALL/import.db" 'SELECT count(*) FROM events' 2>/dev/null || echo 0)
echo "import on a full disk: kept $ROWS rows, summary says ${KEPT:-?}"
[ -n "$KEPT" ] && [ "$KEPT" = "$ROWS" ] || { cat "$WORK/import.log"; fail "the summary does not count what was committed"; }
grep -q "disk full" "$WORK/import.log" || fail "import did not say why"
echo "ok: disk full and lock timeout: exit 1, session resumed, $((LOST + LOST2)) lost in all (reported); import stops and counts"
