#!/bin/bash
# Ways a recorder stops while events are published at QoS 1, each counted:
# - kill -9, five times, with restarts (default settings: the client id is
#   the journal's own, so every restart resumes the broker session, and the
#   intake log gives back what was read but not committed);
# - SIGHUP (an SSH session closing), SIGQUIT and SIGTERM: clean stops;
# - a restart 1 s after SIGTERM with default settings.
# Every published event must end up journaled: a round is acknowledged only
# once it is in the intake log, so the broker sends again what a kill took
# (counted: redelivered messages the intake log also had are journaled twice).
# RATE and SIGS (the signals in order) set the case; tests/bench/bench_kill.sh
# runs it at 20,000 and 100 messages/s.
. "$(dirname "$0")/lib.sh"
PORT=$(free_port)
start_broker "$PORT" "persistence false"
J=$WORK/journal.db
RATE=${RATE:-5000}

start_record() { # start_record LOG
	"$TT" record --broker 127.0.0.1:$PORT -j "$J" --stats-interval 0 2>"$1" &
	REC=$!; PIDS="$REC ${SIM:-}"
	wait_for "$1" "connected to" 10 || fail "record did not connect"
}

# The first start makes the broker session, before anything is published.
n=0
start_record "$WORK/rec.$n.log"
"$TT" simulate --broker 127.0.0.1:$PORT --qos 1 --things 1000 --events $((RATE * 9)) --rate "$RATE" \
	--quirks none --seed 21 2>"$WORK/sim.log" &
SIM=$!
for sig in ${SIGS:-KILL KILL KILL KILL KILL HUP QUIT TERM}; do
	sleep 0.7
	kill -$sig $REC
	wait $REC; RC=$?
	case $sig in
	KILL) [ $RC = 137 ] || fail "kill -9: status $RC" ;;
	*) [ $RC = 0 ] || { cat "$WORK/rec.$n.log"; fail "SIG$sig: status $RC, want 0 (a clean stop)"; } ;;
	esac
	n=$((n + 1))
	[ $sig = TERM ] && sleep 1
	start_record "$WORK/rec.$n.log"
	grep -q "session resumed" "$WORK/rec.$n.log" || fail "restart $n did not resume the broker session"
done
wait $SIM || fail "simulate"
SENT=$(sent_by "$WORK/sim.log")
wait_events "$J" "$SENT" 60
kill -TERM $REC; wait $REC || fail "last record exit status"
GOT=$(events_in "$J")
KILLS=$(echo "${SIGS:-KILL KILL KILL KILL KILL}" | grep -o KILL | wc -l)
LOST=$((SENT - GOT))
echo "published $SENT at $RATE/s, journaled $GOT distinct: lost $LOST over $KILLS kill(s) and the clean stops"
echo "loss per SIGKILL at $RATE/s: $(python3 -c "print(f'{$LOST / max($KILLS, 1):.1f}')")"
ROWS=$(sqlite3 "$J" 'SELECT count(*) FROM events WHERE type > 0')
echo "journaled twice (sent again by the broker after a kill): $((ROWS - GOT))"
# Nothing is lost: what a kill took was not acknowledged.
[ $LOST = 0 ] || fail "lost $LOST events over $KILLS kill(s)"
"$TT" journal info -j "$J" > "$WORK/info.txt" || fail "journal info"
UNCLEAN=$(grep -c "the recorder died: its last receive round" "$WORK/info.txt")
[ "$UNCLEAN" = "$KILLS" ] || { cat "$WORK/info.txt"; fail "journal info lists $UNCLEAN unclean stops, want $KILLS"; }
grep -q "LOST" "$WORK/info.txt" && { cat "$WORK/info.txt"; fail "a gap is listed as lost"; }
echo "ok: $KILLS kill(s) and clean stops (SIGHUP, SIGQUIT, SIGTERM): $LOST lost, $KILLS unclean stop(s) in journal info"
