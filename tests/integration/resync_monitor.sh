#!/bin/bash
# The monitor's re-sync (aws.sync_interval = 2s), in tmux against a real
# mosquitto and a fake `aws` on PATH: a failing aws is shown in the header
# (its own message, which never reaches the screen any other way), the
# monitor keeps receiving events, and once aws works again the next run
# brings the synced things into the grid and the header warning goes.
. "$(dirname "$0")/../ui/lib.sh"
MOSQUITTO=$(command -v mosquitto || { [ -x /usr/sbin/mosquitto ] && echo /usr/sbin/mosquitto; })
[ -n "$MOSQUITTO" ] || { echo "mosquitto not installed: skipped"; exit 77; }
command -v mosquitto_pub >/dev/null 2>&1 || { echo "mosquitto_pub not installed: skipped"; exit 77; }
BROKER_PID=
stop_all() {
	[ -n "$BROKER_PID" ] && kill "$BROKER_PID" 2>/dev/null
	wait 2>/dev/null
	cleanup
}
trap stop_all EXIT

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf '%s\n' "listener $PORT 127.0.0.1" "allow_anonymous true" "user $(id -un)" \
	"persistence false" >"$DIR/mosquitto.conf"
"$MOSQUITTO" -c "$DIR/mosquitto.conf" >"$DIR/mosquitto.log" 2>&1 &
BROKER_PID=$!
for _ in $(seq 100); do
	(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
	sleep 0.05
done

mkdir -p "$DIR/bin"
cat >"$DIR/bin/aws" <<'FAKE'
#!/bin/bash
if [ "$(cat "$FAKE_AWS_MODE")" = fail ]; then
  echo "An error occurred (ExpiredTokenException) when calling the SearchIndex operation" >&2
  exit 254
fi
echo '{"things": [{"thingName": "from-the-index", "connectivity": {"connected": true, "timestamp": 1767225600000}}]}'
FAKE
chmod +x "$DIR/bin/aws"
echo fail >"$DIR/aws.mode"
printf 'aws: { sync_interval = "2s"; };\n' >"$DIR/sync.conf"
printf '%q ' env PATH="$DIR/bin:$PATH" FAKE_AWS_MODE="$DIR/aws.mode" LANG=C.UTF-8 LC_ALL=C.UTF-8 \
	TERM=tmux-256color "$THINGTOP" -c "$DIR/sync.conf" -j "$DIR/j.db" --broker "127.0.0.1:$PORT" >"$DIR/cmd"
T new-session -d -s ui -x 220 -y 30 -c "$DIR" "$(cat "$DIR/cmd") 2>$DIR/stderr; echo EXIT=\$?; sleep 60"
# (The header's warning takes the place of the broker state.)
wait_for "re-sync from AWS failed" || { cat "$DIR/stderr"; fail "the failing re-sync is not in the header"; }
check "the header has aws's own message" bash -c "screen() { tmux -L '$SOCK' capture-pane -p -t ui; }; screen | head -3 | grep -qF ExpiredTokenException"
check "aws's standard error was not written over the screen" \
	bash -c "[ \$(tmux -L '$SOCK' capture-pane -p -t ui | grep -c ExpiredTokenException) = 1 ]"
# Published until it shows: the monitor may still be subscribing.
for _ in $(seq 20); do
	mosquitto_pub -h 127.0.0.1 -p "$PORT" -q 1 -t '$aws/events/presence/connected/live-one' \
		-m '{"clientId":"live-one","timestamp":1767225700000,"eventType":"connected","sessionIdentifier":"s-1","principalIdentifier":"p","versionNumber":1}'
	screen | grep -qF live-one && break
	sleep 0.5
done
wait_for "live-one" || fail "events do not come in while the re-sync fails"

echo ok >"$DIR/aws.mode"
wait_for "from-the-index" || fail "the next re-sync after aws works again did not bring its thing"
sleep 0.5
check "the header warning is gone once a re-sync succeeds" \
	bash -c "! tmux -L '$SOCK' capture-pane -p -t ui | grep -qF 're-sync from AWS failed'"
finish
