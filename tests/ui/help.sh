#!/bin/bash
# The help page: full screen, scrolled like less (j k, PgUp PgDn, g G,
# Home End), closed by q Esc ?, opened by ? and F1; it lists every key of
# the grid's key table (tui/grid.c) and every column of core's table
# (core/view_columns.c), at 80x24 and 200x60.
. "$(dirname "$0")/lib.sh"
SRC=$HERE/../..
make_journal
# Keys of the grid's table and the column names, read from the sources.
sed -n '/grid_help\[\] = {/,/^};/p' "$SRC/tui/grid.c" | sed -n 's/^\t{ "\([^"]*\)".*/\1/p' >"$DIR/keys"
sed -n 's/^\t\[COL_[A-Z_]*\] = {COL_[A-Z_]*, "\([a-z_]*\)".*/\1/p' "$SRC/core/view_columns.c" >"$DIR/cols"
check "grid.c has a key table" test "$(wc -l <"$DIR/keys")" -ge 10
check "view_columns.c has columns" test "$(wc -l <"$DIR/cols")" -ge 13

# The help text area: lines 2 to the status line.
body() { screen | sed -n '2,$p' | head -n -2; }
starts() { awk -v k="  $1" 'index($0, k) == 1 { f = 1 } END { exit !f }' "$2"; }
# The whole help page into $DIR/page, a page at a time (PageDown until the
# header says the last line shows).
read_pages() {
	: >"$DIR/page"
	for _ in $(seq 30); do
		body >>"$DIR/page"
		screen | head -1 | grep -qE 'lines [0-9]+-([0-9]+) of \1$' && return
		keys PageDown
	done
}

for size in "80 24" "200 60"; do
	set -- $size
	start "$1" "$2" -j "$DIR/j.db" --no-connect
	keys '?'
	check "$1x$2: help opens full screen" wait_for "Help: Fleet"
	check "$1x$2: the grid is gone" test -z "$(screen | grep -F 'CLIENT ID')"
	first=$(body | sed -n 1p)
	check "$1x$2: first line is the keys heading" grep -qF "Keys of Fleet" <<<"$first"
	# Collect the whole page a page at a time.
	read_pages
	while read -r k; do
		starts "$k" "$DIR/page" || fail "$1x$2: key '$k' of the grid's table not in the help"
	done <"$DIR/keys"
	while read -r c; do
		starts "$c" "$DIR/page" || fail "$1x$2: column '$c' not in the help"
	done <"$DIR/cols"
	pass "$1x$2: every grid key and column listed"
	for want in "Glyphs" "Flags" "Colours" "Filter syntax" "Commands" "~ settling" "! flapping" \
		"? uncertain" ":export [FILE]" "status:disconnected"; do
		grep -qF -- "$want" "$DIR/page" || fail "$1x$2: \"$want\" not in the help"
	done
	last=$(grep -v '^ *$' "$DIR/page" | tail -1)
	check "$1x$2: the colours legend ends the page" grep -qF "reason0-7" <<<"$last"

	keys g
	check "$1x$2: g goes back to the top" grep -qF "Keys of Fleet" <<<"$(body | sed -n 1p)"
	keys End
	check "$1x$2: End shows the last line" grep -qF "reason0-7" <<<"$(body)"
	if [ "$2" -lt 40 ]; then
		check "$1x$2: ... and the first is gone" test -z "$(body | grep -F 'Keys of Fleet')"
		keys Home
		check "$1x$2: Home goes to the top" grep -qF "Keys of Fleet" <<<"$(body | sed -n 1p)"
		keys G
		check "$1x$2: G shows the last line" grep -qF "reason0-7" <<<"$(body)"
		check "$1x$2: ... and the first is gone" test -z "$(body | grep -F 'Keys of Fleet')"
		keys k
		check "$1x$2: k scrolls up a line" test -z "$(body | grep -F 'reason0-7')"
		keys j
		check "$1x$2: j scrolls down a line" grep -qF "reason0-7" <<<"$(body)"
		keys PageUp
		check "$1x$2: PgUp scrolls a page up" test -z "$(body | grep -F 'reason0-7')"
	fi
	keys x
	check "$1x$2: other keys leave the help open" wait_for "Help: Fleet"
	keys q
	check "$1x$2: q closes" wait_for "CLIENT ID"
	check "$1x$2: '? help' in the footer" grep -qE '\? help *$' <<<"$(screen | tail -1)"
	keys F1
	check "$1x$2: F1 opens" wait_for "Help: Fleet"
	keys Escape
	check "$1x$2: Esc closes" wait_for "CLIENT ID"
	keys '?'
	keys '?'
	check "$1x$2: ? closes" wait_for "CLIENT ID"
	keys :
	literal help
	keys Enter
	check "$1x$2: :help opens it" wait_for "Help: Fleet"
	keys q
	# Another screen has its own keys.
	keys t
	wait_for "Disconnects" >/dev/null
	keys '?'
	check "$1x$2: the timeline's help" wait_for "Help: Disconnects"
	keys q
	if [ "$1" = 80 ]; then
		# ? and G in one write: G counts the page before it is drawn.
		keys '?' G
		check "$1x$2: ? then G at once shows the last line" grep -qF "reason0-7" <<<"$(body)"
		T resize-window -t ui -x 60 -y 20
		sleep 0.4
		check "60x20: the close key stays in the footer" grep -qF "q Esc ? close" <<<"$(screen | tail -1)"
		keys End
		check "60x20: End reaches the last line" grep -qF "reason0-7" <<<"$(body)"
		keys q
		keys C-c
		wait_for "EXIT=0" >/dev/null || fail "$1x$2: Ctrl-C did not quit with 0"
		new_server
	fi
done

# In a replay at 80x24 the replay's keys come too, every one of them
# (tui/replay_ui.c's table), down to the last line.
new_server
sed -n '/replay_help\[\] = {/,/^};/p' "$SRC/tui/replay_ui.c" | sed -n 's/^\t{ "[^"]*", "[^"]*", "\([^"]*\)".*/\1/p' >"$DIR/replay_keys"
check "replay_ui.c has a key table" test "$(wc -l <"$DIR/replay_keys")" -ge 4
# (start waits for "connected", which the header has in full at 100 columns)
start 100 24 replay "$DIR/j.db" --speed 0.01
T resize-window -t ui -x 80 -y 24
sleep 0.4
keys '?'
check "replay: help opens" wait_for "Help: Fleet"
read_pages
while read -r d; do
	grep -qF -- "$d" "$DIR/page" || fail "replay: \"$d\" not in the help"
done <"$DIR/replay_keys"
pass "replay: every replay key described"
check "replay: the page ends with the colours legend" grep -qF "reason0-7" <<<"$(body)"
keys q
finish
