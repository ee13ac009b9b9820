#!/bin/bash
# Alerts in the live monitor: a rule fires for a thing that stays down; the
# header counts it, the grid's flags say "firing", `!` lists it (rule,
# thing, since, reason) and Enter opens the thing's activity log; a replay
# of the journal shows it as of the replay's clock, a follower as journaled. A private
# mosquitto on a free port; events published as given.
. "$(dirname "$0")/lib.sh"
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || { echo "mosquitto not installed: skipped"; exit 77; }
MOSQUITTO=$(command -v mosquitto || echo /usr/sbin/mosquitto)
PUB=$HERE/../integration/lifecycle_pub.py
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'listener %s 127.0.0.1\nallow_anonymous true\nuser %s\npersistence false\n' "$PORT" "$(id -un)" \
	> "$DIR/mosquitto.conf"
"$MOSQUITTO" -c "$DIR/mosquitto.conf" >"$DIR/mosquitto.log" 2>&1 &
BROKER=$!
trap 'kill $BROKER 2>/dev/null; cleanup' EXIT
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.05; done

cat > "$DIR/thingtop.conf" <<CONF
reconcile: { settle = "1s"; };
alerts = ( { name = "offline"; filter = "status:disconnected"; for = "2s"; group_wait = "1s";
             command = "cat > $DIR/sent.json"; } );
CONF
start 120 30 -c "$DIR/thingtop.conf" -j "$DIR/live.db" --broker 127.0.0.1:$PORT
wait_for "127.0.0.1:$PORT connected" || finish
python3 "$PUB" "$PORT" <<PUB
connected sensor-up s1 1
connected sensor-down s1 1
disconnected sensor-down s1 1 MQTT_KEEP_ALIVE_TIMEOUT
PUB
row_has() { screen | grep -E "$1" | grep -qE "$2"; }
row_lacks() { ! row_has "$@"; }
check "the header counts the firing alert" wait_for "1 firing"
check "the grid's flags show it" row_has sensor-down firing
check "a healthy thing is not flagged" row_lacks sensor-up firing
keys '!'
check "the alerts screen lists rule, thing, since and reason" \
	row_has '^offline +sensor-down +[0-9]+s +MQTT_KEEP_ALIVE_TIMEOUT' .
keys Enter
check "Enter opens the thing's activity log" wait_for "disconnected"
screen | grep -q "sensor-down" || fail "activity log of another thing"
for _ in $(seq 50); do [ -s "$DIR/sent.json" ] && break; sleep 0.1; done
check "the command received the alert" grep -q '"client_id":"sensor-down"' "$DIR/sent.json"
# One more event, so the recording goes on past the firing.
keys Escape
echo "connected sensor-late s1 1" | python3 "$PUB" "$PORT"
wait_for "sensor-late" >/dev/null || fail "the last event did not arrive"
keys C-c
wait_for "EXIT=0" >/dev/null || fail "the live monitor did not quit cleanly"

# A follower of that journal shows what its recorder journaled as firing.
new_server
start 120 30 --follow -j "$DIR/live.db"
check "a follower's header counts the journaled alert" wait_for "1 firing"
check "a follower's grid flags it" row_has sensor-down firing
keys C-c
wait_for "EXIT=0" >/dev/null || fail "the follower did not quit cleanly"

# The replay of that journal shows the alert as it fired, by its clock.
new_server
start 120 30 replay "$DIR/live.db" --speed max
check "the replay's header counts the alert" wait_for "1 firing"
keys '!'
check "the replay's alerts screen lists it" row_has '^offline +sensor-down' MQTT_KEEP_ALIVE_TIMEOUT
finish
