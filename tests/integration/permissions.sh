#!/bin/bash
# Files and permissions, with a second user (made with useradd when
# missing): the recorder creates its journal with journal.mode ("0640") so
# the group can read it; that user reads it (export, --follow), while the
# recorder runs and while it does not, without creating or changing any
# file; plain one-line errors for what that user may not write or read.
# Needs root (to switch users); skipped otherwise.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { echo "not root: cannot switch to a second user; skipped"; exit 77; }
command -v runuser >/dev/null 2>&1 || { echo "runuser not installed: skipped"; exit 77; }
command -v sqlite3 >/dev/null 2>&1 || { echo "sqlite3 not installed: skip"; exit 77; }
U=thingtop-test
if ! id "$U" >/dev/null 2>&1; then
	useradd --system --no-create-home --shell /usr/sbin/nologin "$U" 2>/dev/null ||
		{ echo "cannot create user $U: skipped"; exit 77; }
fi
G=$(id -gn "$U")
as_user() { runuser -u "$U" -- "$@"; }
chmod 755 "$WORK"
PORT=$(free_port)
start_broker "$PORT" "persistence false"

# The service's folder: setgid, group of the on-call user, so what the
# recorder creates there belongs to that group.
SVC=$WORK/svc
mkdir "$SVC" && chgrp "$G" "$SVC" && chmod 2750 "$SVC"
J=$SVC/journal.db
printf 'journal: { mode = "0640"; };\n' >"$WORK/thingtop.conf"
chmod 644 "$WORK/thingtop.conf"

publish() { # publish CLIENT
	mosquitto_pub -p "$PORT" -q 1 -t "\$aws/events/presence/connected/$1" \
		-m "{\"clientId\":\"$1\",\"timestamp\":$(( $(date +%s) * 1000 )),\"eventType\":\"connected\",\"sessionIdentifier\":\"s-$1\",\"versionNumber\":1}" ||
		fail "mosquitto_pub $1"
}
start_record() {
	"$TT" record -c "$WORK/thingtop.conf" --broker 127.0.0.1:$PORT -j "$J" --stats-interval 1 \
		2>"$WORK/record.log" &
	REC=$!; PIDS=$REC
	wait_for "$WORK/record.log" "connected to" || exit 1
}
wait_received() {
	for _ in $(seq 200); do
		grep -q "received $1 " "$WORK/record.log" && return 0
		sleep 0.05
	done
	cat "$WORK/record.log"; fail "record did not receive $1"
}
stop_record() { kill -INT $REC; wait $REC || fail "record exited $?"; }
# Every file in the folder: name, size, mode, owner, group, mtime, inode.
listing() { stat -c '%n %s %a %U %G %Y %i' "$SVC"/* | sort; }
things() { grep -c ',dev-' "$1"; }

# ---- While the recorder runs ----
start_record
for i in 1 2 3; do publish "dev-$i"; done
wait_received 3
sleep 0.5   # the batch commits within ~200 ms
for f in "$J" "$J-wal" "$J-shm"; do
	[ -e "$f" ] || fail "$f missing while recording"
	[ "$(stat -c %a "$f")" = 640 ] || fail "$f has mode $(stat -c %a "$f"), want 640"
	[ "$(stat -c %G "$f")" = "$G" ] || fail "$f has group $(stat -c %G "$f"), want $G"
done
echo "ok: journal, -wal and -shm created 0640 for group $G"
before=$(listing)
as_user "$TT" export -c /dev/null -j "$J" >"$WORK/e1.csv" 2>"$WORK/e1.err" ||
	{ cat "$WORK/e1.err"; fail "export as $U while recording"; }
[ "$(things "$WORK/e1.csv")" = 3 ] || fail "export as $U read $(things "$WORK/e1.csv") things, want 3"
[ "$(listing)" = "$before" ] || { diff <(echo "$before") <(listing); fail "export as $U changed the files"; }
echo "ok: $U exports while recording (3 things) and changes no file"
stop_record

# ---- With no recorder: no -wal/-shm to read; none may appear ----
[ ! -e "$J-wal" ] && [ ! -e "$J-shm" ] || fail "-wal/-shm left after a clean stop"
before=$(listing)
as_user "$TT" export -c /dev/null -j "$J" >"$WORK/e2.csv" 2>"$WORK/e2.err" ||
	{ cat "$WORK/e2.err"; fail "export as $U without a recorder"; }
[ "$(things "$WORK/e2.csv")" = 3 ] || fail "export as $U read $(things "$WORK/e2.csv") things, want 3"
[ "$(listing)" = "$before" ] || { diff <(echo "$before") <(listing); fail "export as $U created or changed files"; }
# Even where that user may write the folder, a reader creates nothing.
chmod 2770 "$SVC"
as_user "$TT" export -c /dev/null -j "$J" >"$WORK/e3.csv" 2>"$WORK/e3.err" || { cat "$WORK/e3.err"; fail "export"; }
[ "$(listing)" = "$before" ] || { diff <(echo "$before") <(listing); fail "a reader created files in a writable folder"; }
chmod 2750 "$SVC"
echo "ok: $U exports with no recorder running; no file created or changed"

# ---- --follow as that user across a recorder start ----
if command -v tmux >/dev/null 2>&1; then
	SOCK="thingtop-perm-$$"
	tmux -L "$SOCK" -f /dev/null new-session -d -s f -x 100 -y 20 \
		"runuser -u $U -- env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=tmux-256color $TT -c /dev/null --follow -j $J 2>$WORK/follow.err; echo EXIT=\$?; sleep 30"
	screen() { tmux -L "$SOCK" capture-pane -p -t f; }
	seen() {
		for _ in $(seq 100); do screen | grep -qF "$1" && return 0; sleep 0.1; done
		screen; cat "$WORK/follow.err"; return 1
	}
	seen "3 connected" || { tmux -L "$SOCK" kill-server; fail "--follow as $U did not show 3 things"; }
	start_record
	publish dev-4; publish dev-5
	wait_received 2
	seen "5 connected" || { tmux -L "$SOCK" kill-server; fail "--follow as $U did not see the new recorder's events"; }
	tmux -L "$SOCK" send-keys -t f C-c
	for _ in $(seq 50); do screen | grep -qF "EXIT=" && break; sleep 0.1; done
	screen | grep -qF "EXIT=0" || { screen; tmux -L "$SOCK" kill-server; fail "--follow did not exit 0"; }
	tmux -L "$SOCK" kill-server
	stop_record
	owned=$(find "$SVC" -user "$U" | wc -l)
	[ "$owned" = 0 ] || fail "$owned files in the journal folder belong to $U"
	echo "ok: $U follows the journal across a recorder start (3 then 5 things), owns no file"
else
	echo "tmux not installed: --follow part skipped"
fi

# ---- One-line errors for what that user may not use ----
as_user "$TT" record -c /dev/null --broker 127.0.0.1:$PORT -j "$J" 2>"$WORK/w.err" && fail "record as $U ran"
grep -qF "journal $J: cannot write in folder $SVC (Permission denied)" "$WORK/w.err" ||
	{ cat "$WORK/w.err"; fail "unwritable folder message"; }
[ "$(wc -l <"$WORK/w.err")" = 1 ] || { cat "$WORK/w.err"; fail "more than one line"; }

printf 'ui: { mouse = true; };\n' >"$WORK/secret.conf"
chmod 600 "$WORK/secret.conf"
as_user "$TT" export -c "$WORK/secret.conf" -j "$J" 2>"$WORK/c.err" >/dev/null && fail "export with an unreadable config"
grep -qxF "thingtop export: $WORK/secret.conf: Permission denied" "$WORK/c.err" || { cat "$WORK/c.err"; fail "unreadable config"; }
printf '@include "%s"\n' "$WORK/secret.conf" >"$WORK/inc.conf"
chmod 644 "$WORK/inc.conf"
as_user "$TT" export -c "$WORK/inc.conf" -j "$J" 2>"$WORK/i.err" >/dev/null && fail "export with an unreadable include"
grep -qxF "thingtop export: $WORK/inc.conf:1: @include \"$WORK/secret.conf\": Permission denied" "$WORK/i.err" ||
	{ cat "$WORK/i.err"; fail "unreadable include"; }

# A -shm left by another user, not writable by the recorder's user.
OWN=$WORK/own
mkdir "$OWN" && chown "$U" "$OWN"
as_user "$TT" import -c /dev/null -j "$OWN/j.db" /dev/null 2>"$WORK/o.err" || { cat "$WORK/o.err"; fail "import as $U"; }
touch "$OWN/j.db-wal" "$OWN/j.db-shm" && chmod 444 "$OWN/j.db-wal" "$OWN/j.db-shm"
as_user "$TT" import -c /dev/null -j "$OWN/j.db" /dev/null 2>"$WORK/s.err" && fail "import with a foreign -wal"
grep -qF "journal $OWN/j.db: $OWN/j.db-wal is not writable by this user" "$WORK/s.err" ||
	{ cat "$WORK/s.err"; fail "foreign -wal message"; }
echo "ok: one-line errors: unwritable folder, unreadable config and include, foreign -wal"

ROWS=$(sqlite3 "$J" 'SELECT count(*) FROM events')
[ "$ROWS" = 5 ] || fail "journal has $ROWS rows, 5 published"
echo "ok: all 5 published events journaled, none lost"
