#!/bin/bash
# End-to-end rate of `thingtop record` (received, parsed, reconciled,
# journaled and committed) against `mosquitto_sub >/dev/null` on the same
# broker and the same stream, at QoS 0 and QoS 1.
#
# To measure the subscriber and not the publisher, each subscriber first
# registers a persistent session, goes away, the simulator publishes the
# whole stream (the broker queues it: unlimited queue, QoS 0 queued too),
# and then the subscriber comes back and drains it; we time the drain.
#
# usage: [ROUNDS=3] bench_record.sh THINGTOP [EVENTS]   (default 1000000)
set -u
TT=${1:?usage: bench_record.sh THINGTOP [EVENTS]}
EVENTS=${2:-1000000}
ROUNDS=${ROUNDS:-3}
THINGS=$(( EVENTS / 10 > 0 ? EVENTS / 10 : 1 ))
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || { echo "mosquitto not installed: skip"; exit 77; }
WORK=$(mktemp -d /tmp/thingtop-bench.XXXXXX)
trap '[ -n "${bench_broker:-}" ] && kill $bench_broker 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
. "$(dirname "$0")/lib.sh"
# max_inflight_messages stays at its default (20): the QoS 1 window real brokers use.
bench_start_broker "$WORK" "queue_qos0_messages true" || exit 1
PORT=$bench_port
TOPIC='$aws/events/presence/#'
now() { date +%s.%N; }

publish() { # qos seed -> prints the number of messages
	"$TT" simulate --broker 127.0.0.1:$PORT --qos "$1" --things $THINGS --events $EVENTS \
		--seed "$2" --quirks flapping,storms,duplicates,skew,version-reset,takeover,keepalive 2>&1 \
		| sed -n 's/.*: \([0-9]*\) messages.*/\1/p'
	sleep 1 # let the broker finish queueing
}

# The broker drops a persistent session when its client id comes back
# with a clean start: the next round's publishing is not queued for it.
forget_session() { # client_id
	mosquitto_sub -p $PORT -i "$1" -t "$TOPIC" -E >/dev/null
}

bench_sub() { # qos -> rate
	local qos=$1 id=bench-sub-q$1
	mosquitto_sub -p $PORT -q "$qos" -c -i $id -t "$TOPIC" -E >/dev/null
	local n; n=$(publish "$qos" 1)
	local t0; t0=$(now)
	mosquitto_sub -p $PORT -q "$qos" -c -i $id -t "$TOPIC" -C "$n" >/dev/null
	local t1; t1=$(now)
	forget_session $id
	python3 -c "print(f'{$n/($t1-$t0):.0f} {$n}')"
}

bench_record() { # qos round -> rate
	local qos=$1 j=$WORK/journal-q$1-r$2.db
	printf 'broker: { client_id = "bench-rec-q%s"; qos = %s; };\n' "$qos" "$qos" > "$WORK/rec.conf"
	"$TT" record -c "$WORK/rec.conf" --broker 127.0.0.1:$PORT -j "$j" --stats-interval 0 2>"$WORK/reg.log" &
	local pid=$!
	for _ in $(seq 100); do grep -q "connected to" "$WORK/reg.log" && break; sleep 0.05; done
	sleep 0.3; kill -INT $pid; wait $pid
	local n; n=$(publish "$qos" 1)
	local t0; t0=$(now)
	"$TT" record -c "$WORK/rec.conf" --broker 127.0.0.1:$PORT -j "$j" --stats-interval 50ms 2>"$WORK/rec.log" &
	pid=$!
	while ! grep -q "received $n " "$WORK/rec.log"; do
		kill -0 $pid 2>/dev/null || { echo "record died" >&2; cat "$WORK/rec.log" >&2; return 1; }
		sleep 0.02
	done
	kill -INT $pid; wait $pid # commits the journal: part of the time
	local t1; t1=$(now)
	forget_session bench-rec-q$qos
	local rows; rows=$(sqlite3 "$j" 'SELECT count(*) FROM events')
	python3 -c "print(f'{$n/($t1-$t0):.0f} {$n} {$rows}')"
}

# The same stream to both subscribers at once, as a live fleet would send
# it: both connected, then the simulator publishes as fast as the broker
# takes it. Each subscriber's rate is messages / (its last message - the
# start of publishing); record's includes committing the journal.
count_stream() { # qos seed -> messages the simulator will publish
	"$TT" simulate --ndjson /dev/null --things $THINGS --events $EVENTS --seed "$2" \
		--quirks flapping,storms,duplicates,skew,version-reset,takeover,keepalive 2>&1 \
		| sed -n 's/.*: \([0-9]*\) messages.*/\1/p'
}

bench_live() { # qos -> "sub_rate rec_rate messages journaled"
	local qos=$1 j=$WORK/live-q$1.db n
	n=$(count_stream "$qos" 2)
	printf 'broker: { client_id = "live-rec-q%s"; qos = %s; };\n' "$qos" "$qos" > "$WORK/live.conf"
	"$TT" record -c "$WORK/live.conf" --broker 127.0.0.1:$PORT -j "$j" --stats-interval 50ms 2>"$WORK/live.log" &
	local rec=$!
	for _ in $(seq 100); do grep -q "connected to" "$WORK/live.log" && break; sleep 0.05; done
	mosquitto_sub -p $PORT -q "$qos" -i live-sub-q$qos -t "$TOPIC" -C "$n" >/dev/null &
	local sub=$!
	sleep 0.5
	local t0; t0=$(now)
	"$TT" simulate --broker 127.0.0.1:$PORT --qos "$qos" --things $THINGS --events $EVENTS --seed 2 \
		--quirks flapping,storms,duplicates,skew,version-reset,takeover,keepalive >/dev/null 2>&1 &
	local pub=$!
	wait $sub
	local t_sub; t_sub=$(now)
	while ! grep -q "received $n " "$WORK/live.log"; do
		kill -0 $rec 2>/dev/null || { echo "record died" >&2; cat "$WORK/live.log" >&2; return 1; }
		sleep 0.02
	done
	kill -INT $rec; wait $rec
	local t_rec; t_rec=$(now)
	wait $pub
	local rows; rows=$(sqlite3 "$j" 'SELECT count(*) FROM events')
	python3 -c "print(f'{$n/($t_sub-$t0):.0f} {$n/($t_rec-$t0):.0f} {$n} {$rows}')"
}

echo "live stream to both subscribers at once:"
for qos in 0 1; do
	read -r sub_rate rec_rate n rows < <(bench_live $qos)
	echo "QoS $qos: mosquitto_sub $sub_rate msg/s; thingtop record $rec_rate msg/s ($n msgs, $rows journaled); ratio $(python3 -c "print(f'{$rec_rate/$sub_rate:.2f}')")"
done

# This machine's speed drifts by up to a quarter between runs, so the two
# drains take turns ROUNDS times and the best and median are compared.
echo "draining a queued backlog (each subscriber alone; its full speed; best and median of $ROUNDS):"
for qos in 0 1; do
	: >"$WORK/sub_rates"; : >"$WORK/rec_rates"
	for ((round = 1; round <= ROUNDS; round++)); do
		read -r sub_rate sub_n < <(bench_sub $qos)
		read -r rec_rate rec_n rec_rows < <(bench_record $qos $round)
		echo "  round $round: mosquitto_sub $sub_rate msg/s ($sub_n msgs); thingtop record $rec_rate msg/s ($rec_n msgs, $rec_rows journaled)"
		echo "$sub_rate" >>"$WORK/sub_rates"; echo "$rec_rate" >>"$WORK/rec_rates"
	done
	python3 - "$qos" "$WORK/sub_rates" "$WORK/rec_rates" <<'PY'
import statistics, sys
qos, sub, rec = sys.argv[1], [float(x) for x in open(sys.argv[2])], [float(x) for x in open(sys.argv[3])]
print(f"QoS {qos}: mosquitto_sub best {max(sub):.0f}, median {statistics.median(sub):.0f} msg/s; "
      f"thingtop record best {max(rec):.0f}, median {statistics.median(rec):.0f} msg/s; "
      f"ratio best {max(rec) / max(sub):.2f}, median {statistics.median(rec) / statistics.median(sub):.2f}")
PY
done
