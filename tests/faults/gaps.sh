#!/bin/bash
# Knowing what was not heard: the broker session is ended on purpose
# between two recorder runs (journal forget-session), events published
# meanwhile are lost, and every view says so: journal info lists the gap
# as LOST, export --at inside it warns on stderr, the thing's activity log
# has a NOT HEARD row and the timeline marks it.
. "$(dirname "$0")/lib.sh"
PORT=$(free_port)
start_broker "$PORT" "persistence false"
J=$WORK/journal.db
pub() { # pub TYPE SESSION: an event of dev-1 stamped now
	local ts; ts=$(now_ms)
	mosquitto_pub -p "$PORT" -q 1 -t "\$aws/events/presence/$1/dev-1" \
		-m "{\"clientId\":\"dev-1\",\"timestamp\":$ts,\"eventType\":\"$1\",\"sessionIdentifier\":\"$2\",\"versionNumber\":1}"
}
record_until() { # record_until COUNT: a recorder runs until the journal holds COUNT events
	"$TT" record --broker 127.0.0.1:$PORT -j "$J" --stats-interval 0 2>>"$WORK/rec.log" &
	REC=$!; PIDS=$REC
}
wait_rows() {
	for _ in $(seq 50); do
		[ "$(sqlite3 "$J" 'SELECT count(*) FROM events')" -ge "$1" ] && return 0
		sleep 0.1
	done
	fail "the journal did not reach $1 events"
}

record_until; wait_for "$WORK/rec.log" "listening" 10 || exit 1
pub connected s-1; wait_rows 1
kill -TERM $REC; wait $REC || fail "record exit status"
"$TT" journal forget-session -j "$J" --broker 127.0.0.1:$PORT >"$WORK/forget.log" 2>&1 ||
	{ cat "$WORK/forget.log"; fail "journal forget-session"; }
GAP_MS=$(now_ms)
pub disconnected s-1     # lost: nobody listens and the broker keeps no session
sleep 0.5
record_until; wait_for "$WORK/rec.log" "new session" 10 || fail "the second run should start a new session"
for _ in $(seq 100); do [ "$(grep -c listening "$WORK/rec.log")" -ge 2 ] && break; sleep 0.1; done
pub connected s-2; wait_rows 2
kill -TERM $REC; wait $REC || fail "record exit status"

"$TT" journal info -j "$J" >"$WORK/info.txt" || fail "journal info"
grep -q "LOST: events published meanwhile are missing" "$WORK/info.txt" || { cat "$WORK/info.txt"; fail "no LOST gap"; }
grep -q "1 with events lost" "$WORK/info.txt" || { cat "$WORK/info.txt"; fail "gap count"; }

"$TT" export -j "$J" --at "@$GAP_MS" >/dev/null 2>"$WORK/at.err" || fail "export --at"
grep -q "warning: --at falls where the recorder was not listening" "$WORK/at.err" ||
	{ cat "$WORK/at.err"; fail "export --at inside the gap did not warn"; }
"$TT" export -j "$J" >/dev/null 2>"$WORK/now.err" || fail "export"
[ -s "$WORK/now.err" ] && { cat "$WORK/now.err"; fail "export outside a gap warned"; }

if command -v tmux >/dev/null; then
	SOCK="thingtop-gaps-$$"
	T() { tmux -L "$SOCK" -f /dev/null "$@"; }
	trap 'T kill-server 2>/dev/null; fault_cleanup' EXIT
	T new-session -d -s ui -x 160 -y 30 "env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=tmux-256color $TT --no-connect -j $J; sleep 30"
	sleep 1
	T send-keys -t ui Enter; sleep 0.8
	T capture-pane -p -t ui > "$WORK/activity.txt"
	grep -q "NOT HEARD.*recorder not listening" "$WORK/activity.txt" ||
		{ cat "$WORK/activity.txt"; fail "the activity log shows no gap row"; }
	T kill-server
fi
echo "ok: a lost gap is listed by journal info, warned about by export --at, shown in the activity log"
