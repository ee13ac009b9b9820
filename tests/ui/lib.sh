# Helpers for the UI tests: a private tmux server per test, a journal made
# from fleet.ndjson, and screen checks. Sourced by the *.sh tests; $1 of the
# test is the thingtop binary.
set -u
THINGTOP=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
command -v tmux >/dev/null 2>&1 || { echo "tmux not installed: skipped"; exit 77; }
DIR=$(mktemp -d)
SOCK="thingtop-ui-$$-$RANDOM"
FAILED=0

T() { tmux -L "$SOCK" -f /dev/null "$@"; }
# Ends this tmux server and moves to a new socket: starting a server again
# on the socket of one just killed can race with its exit.
new_server() { T kill-server >/dev/null 2>&1; SOCK="thingtop-ui-$$-$RANDOM-$RANDOM"; }
cleanup() { T kill-server >/dev/null 2>&1; rm -rf "$DIR" 2>/dev/null || { sleep 0.5; rm -rf "$DIR"; }; }
trap cleanup EXIT

fail() { echo "FAIL: $*"; FAILED=1; }
pass() { echo "ok: $*"; }
check() { # check DESCRIPTION COMMAND...
	local what=$1; shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}

make_journal() {
	"$THINGTOP" import -j "$DIR/j.db" "$HERE/fleet.ndjson" >/dev/null 2>"$DIR/import.err" ||
		{ cat "$DIR/import.err"; echo "import failed"; exit 1; }
}

# start WIDTH HEIGHT ARGS...: runs thingtop in a fresh session; when it
# exits the pane shows "EXIT=<code>".
start() {
	local w=$1 h=$2; shift 2
	printf '%q ' "$THINGTOP" "$@" >"$DIR/cmd"
	T new-session -d -s ui -x "$w" -y "$h" -c "$DIR" \
		"env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=tmux-256color $(cat "$DIR/cmd") 2>$DIR/stderr; echo EXIT=\$?; sleep 60"
	wait_for "connected" || { cat "$DIR/stderr"; exit 1; }
}

screen() { T capture-pane -p -t ui; }
# The screen with its colours and attributes: a moved cursor shows here.
cells() { T capture-pane -p -e -t ui; }
# Rows of the grid: lines 4.. of the screen, the client id column only.
grid_ids() { screen | head -n -2 | sed -n '4,$p' | awk 'NF >= 2 { print $2 }'; }
first_id() { grid_ids | head -n 1; }
# The thing under the grid's cursor: Enter opens its activity log (whose
# header names it), Esc goes back.
selected() {
	keys Enter
	screen | sed -n 2p | grep -oE 'Activity: [^ ]+' | sed 's/Activity: //'
	keys Escape
}

wait_for() { # wait_for TEXT: polls the screen for it for up to 10 s
	local end=$(($(ms_now) + 10000))
	while [ "$(ms_now)" -lt "$end" ]; do
		screen | grep -qF -- "$1" && return 0
		sleep 0.03
	done
	echo "timed out waiting for \"$1\"; the screen:"
	screen
	return 1
}

ms_now() { local t=${EPOCHREALTIME/./}; echo "${t:0:-3}"; }
# settle MS (after sending input; $settle_from is the screen before it):
# waits until the screen changed and then held still for 0.05 s, or at most
# MS when nothing changes (a key with no visible effect, or one whose
# absence a check asserts). Input reaches the program in order, so the next
# key never overtakes this one; a change means it was handled.
settle() {
	local now end
	end=$(($(ms_now) + $1))
	while [ "$(ms_now)" -lt "$end" ]; do
		now=$(cells)
		if [ "$now" != "$settle_from" ]; then
			sleep 0.05
			[ "$(cells)" = "$now" ] && return 0
			settle_from=$now
		fi
		sleep 0.02
	done
}
keys() { local settle_from; settle_from=$(cells); T send-keys -t ui "$@"; settle 400; }
literal() { local settle_from; settle_from=$(cells); T send-keys -t ui -l "$1"; settle 200; }

finish() {
	# Quit cleanly; a sanitizer build reports leaks and errors on stderr.
	if T has-session -t ui 2>/dev/null && ! screen | grep -qF "EXIT="; then
		keys C-c
		wait_for "EXIT=" >/dev/null || fail "did not quit on Ctrl-C"
		screen | grep -qF "EXIT=0" || fail "exit status not 0"
	fi
	if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error' "$DIR/stderr" 2>/dev/null; then
		cat "$DIR/stderr"
		fail "sanitizer report"
	fi
	if [ "$FAILED" != 0 ]; then
		echo "--- last screen:"
		screen
		exit 1
	fi
	exit 0
}
