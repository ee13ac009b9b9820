#!/bin/bash
# The intake log cannot take a round: the journal is behind by the log's
# 8 MiB (another process holds the journal's lock) and the disk has no
# room for a new log file. `record` must not acknowledge that round: it
# drops the connection with the round's acknowledgements unsent, so the
# broker, which keeps the session, sends those messages again to the
# restarted recorder. Counted: every published event journaled, none
# reported lost (before, the round was acknowledged on the way out and
# reported lost).
. "$(dirname "$0")/lib.sh"
need_root "intake log full"
PORT=$(free_port)
start_broker "$PORT" "persistence false"
DISK=$WORK/disk
mount_tmpfs "$DISK" 64m
J=$DISK/journal.db
# 120 connects of one thing, ~100 KB each (an unknown field pads them;
# payloads are cut at 128 KiB): 12 MB, more than the log's 8 MiB, whatever the machine's
# speed, within the second the journal's writer waits for the lock.
SENT=120
python3 - "$SENT" > "$WORK/big.txt" <<'PY'
import json, sys
for i in range(int(sys.argv[1])):
    print(json.dumps({"clientId": "big-1", "timestamp": 1767225600000 + i * 1000,
                      "eventType": "connected",
                      "sessionIdentifier": "00000000-0000-0000-0000-%012d" % i,
                      "principalIdentifier": "p", "ipAddress": "192.0.2.1",
                      "versionNumber": 0, "padding": "x" * 100000},
                     separators=(",", ":")))
PY

"$TT" record --broker 127.0.0.1:$PORT -j "$J" --stats-interval 0 2>"$WORK/rec1.log" &
REC=$!; PIDS=$REC
wait_for "$WORK/rec1.log" "listening" || exit 1
# The journal has committed what starting wrote (the journal writer is
# idle): another process takes its lock, then the disk is filled, so the
# next commit waits for the lock while the intake log fills.
sleep 1
python3 - "$J" "$WORK/locked" 2>"$WORK/lock.log" <<'PY' &
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
time.sleep(6)
db.execute("ROLLBACK")
PY
LOCKER=$!
for _ in $(seq 100); do [ -e "$WORK/locked" ] && break; sleep 0.05; done
[ -e "$WORK/locked" ] || fail "could not take the journal's lock"
dd if=/dev/zero of="$DISK/filler" bs=1M count=100 status=none 2>/dev/null
mosquitto_pub -p "$PORT" -h 127.0.0.1 -q 1 -t '$aws/events/presence/connected/big-1' -l \
	< "$WORK/big.txt" || fail "mosquitto_pub"
wait_exit $REC 10; RC=$?
[ $RC = 1 ] || { cat "$WORK/rec1.log"; fail "record exit status $RC, want 1"; }
grep -q "intake log .*No space left" "$WORK/rec1.log" || { cat "$WORK/rec1.log"; fail "the intake log did not fail"; }
LOST=$(sed -n 's/.*: \([0-9]*\) message(s) received and acknowledged.*/\1/p' "$WORK/rec1.log")
LOST=${LOST:-0}
wait $LOCKER

rm -f "$DISK/filler"
"$TT" record --broker 127.0.0.1:$PORT -j "$J" --stats-interval 0 2>"$WORK/rec2.log" &
REC=$!; PIDS=$REC
wait_for "$WORK/rec2.log" "session resumed" 10 || fail "the broker session was not resumed"
wait_events "$J" "$SENT" 60
kill -TERM $REC; wait $REC || fail "second record exit status"
GOT=$(events_in "$J")
echo "intake log full: published $SENT, journaled $GOT, reported lost $LOST"
[ "$LOST" = 0 ] || fail "record reported $LOST message(s) lost"
[ "$GOT" = "$SENT" ] || fail "journal has $GOT events; published $SENT"
echo "ok: intake log full: the round was held back and sent again, 0 lost"
