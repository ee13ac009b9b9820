#!/bin/bash
# Ingest rate of `thingtop record` with 10 alert rules against none (goal:
# at least 0.9 of it). Each run drains the same queued backlog (as
# bench_record.sh does: a persistent session registered, the simulator's
# stream queued by the broker, then record comes back and we time until it
# has received and committed all of it). Runs alternate between the two
# configs; the best of each is reported.
#
# usage: bench_alerts.sh THINGTOP [EVENTS] [ROUNDS]   (default 500000, 3)
set -u
TT=${1:?usage: bench_alerts.sh THINGTOP [EVENTS] [ROUNDS]}
EVENTS=${2:-500000}
ROUNDS=${3:-3}
THINGS=$(( EVENTS / 10 > 0 ? EVENTS / 10 : 1 ))
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || { echo "mosquitto not installed: skip"; exit 77; }
WORK=$(mktemp -d /tmp/thingtop-bench.XXXXXX)
trap '[ -n "${bench_broker:-}" ] && kill $bench_broker 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
. "$(dirname "$0")/lib.sh"
bench_start_broker "$WORK" || exit 1
PORT=$bench_port
now() { date +%s.%N; }

# Ten rules of the kinds operators write: status, reasons, counters,
# regexes, flags, negations. Short `for` and waits so that alerts fire,
# are journaled and their command runs during the measurement.
rules() {
	local cmd="cat > /dev/null"
	cat <<CONF
alerts = (
  { name = "offline"; filter = "status:disconnected !reason:CLIENT_INITIATED_DISCONNECT"; for = "2s"; group_wait = "1s"; command = "$cmd"; },
  { name = "lost"; filter = "status:disconnected reason:CONNECTION_LOST"; for = "5s"; command = "$cmd"; },
  { name = "keepalive"; filter = "reason:MQTT_KEEP_ALIVE_TIMEOUT status:disconnected"; for = "1m"; command = "$cmd"; },
  { name = "throttled"; filter = "reason:THROTTLED"; for = "1s"; group_wait = "1s"; command = "$cmd"; },
  { name = "flapping"; filter = "flags:flapping"; for = "30s"; command = "$cmd"; },
  { name = "many-sessions"; filter = "sessions>20"; for = "10s"; command = "$cmd"; },
  { name = "failures"; filter = "failures>=3"; for = "10s"; command = "$cmd"; },
  { name = "gateways"; filter = "client_id~^thing-0 status:disconnected"; for = "1m"; command = "$cmd"; },
  { name = "duplicates"; filter = "duplicates>5 !status:connected"; for = "1m"; command = "$cmd"; },
  { name = "never-seen"; filter = "status:unknown"; for = "5m"; command = "$cmd"; }
);
CONF
}

run() { # name config -> rate
	local j=$WORK/$1.db id=bench-$1
	# Both configs settle after 1 s so that alerts fire within the run.
	printf 'broker: { client_id = "%s"; qos = 1; };\nreconcile: { settle = "1s"; };\n' "$id" \
		> "$WORK/$1.conf"
	cat "$2" >> "$WORK/$1.conf"
	rm -f "$j" "$j"-wal "$j"-shm
	"$TT" record -c "$WORK/$1.conf" --broker 127.0.0.1:$PORT -j "$j" --stats-interval 0 2>"$WORK/reg.log" &
	local pid=$!
	for _ in $(seq 100); do grep -q "connected to" "$WORK/reg.log" && break; sleep 0.05; done
	sleep 0.3; kill -INT $pid; wait $pid
	local n
	n=$("$TT" simulate --broker 127.0.0.1:$PORT --qos 1 --things $THINGS --events $EVENTS --seed 5 \
		--quirks flapping,storms,duplicates,skew,version-reset,takeover,keepalive,connect-failed 2>&1 \
		| sed -n 's/.*: \([0-9]*\) messages.*/\1/p')
	sleep 1
	rm -f "$WORK/$1.log"  # the wait below must not read the last round's
	local t0; t0=$(now)
	"$TT" record -c "$WORK/$1.conf" --broker 127.0.0.1:$PORT -j "$j" --stats-interval 50ms 2>"$WORK/$1.log" &
	pid=$!
	while ! grep -q "received $n " "$WORK/$1.log" 2>/dev/null; do
		kill -0 $pid 2>/dev/null || { echo "record died" >&2; cat "$WORK/$1.log" >&2; return 1; }
		sleep 0.02
	done
	# CPU time (all threads) as well: less at the mercy of other load.
	local ticks; ticks=$(awk '{ print $14 + $15 }' /proc/$pid/stat)
	kill -INT $pid; wait $pid
	local t1; t1=$(now)
	# A clean-session connect drops the persistent session: the next
	# round's stream must not queue for it.
	mosquitto_sub -p $PORT -i "$id" -t x -E >/dev/null
	local fired; fired=$(sqlite3 "$j" 'SELECT count(*) FROM alerts')
	local sends; sends=$(grep -c "alert .*: sending" "$WORK/$1.log")
	python3 -c "print(f'{$n/($t1-$t0):.0f} {$n} {$fired} {$sends} {$ticks / $(getconf CLK_TCK):.2f}')"
}

: > "$WORK/none.rules"
rules > "$WORK/ten.rules"
best_none=0; best_ten=0; cpu_none=999999; cpu_ten=999999
for r in $(seq "$ROUNDS"); do
	read -r rate n _ _ cpu < <(run none "$WORK/none.rules")
	echo "round $r: no rules:  $rate msg/s ($n messages; record used $cpu s of CPU)"
	[ "$rate" -gt "$best_none" ] && best_none=$rate
	cpu_none=$(python3 -c "print(min($cpu_none, $cpu))")
	read -r rate n fired sends cpu < <(run ten "$WORK/ten.rules")
	echo "round $r: 10 rules:  $rate msg/s ($n messages; record used $cpu s of CPU;" \
		"$fired alerts fired, $sends command runs)"
	[ "$rate" -gt "$best_ten" ] && best_ten=$rate
	cpu_ten=$(python3 -c "print(min($cpu_ten, $cpu))")
done
echo "record ingest, best of $ROUNDS: no rules $best_none msg/s; 10 alert rules $best_ten msg/s;" \
	"ratio $(python3 -c "print(f'{$best_ten/$best_none:.2f}')") (goal >= 0.9)"
echo "record CPU time, least of $ROUNDS: no rules $cpu_none s; 10 alert rules $cpu_ten s;" \
	"ratio $(python3 -c "print(f'{$cpu_none/$cpu_ten:.2f}')") (rate-equivalent, goal >= 0.9)"
