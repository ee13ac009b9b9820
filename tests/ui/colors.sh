#!/bin/bash
# 8- and 16-colour terminals (TERM=xterm, TERM=linux): without a theme asked
# for, the 16-colour theme: no status glyph drawn black, a cursor row with
# a background of its own; a 256-colour theme asked for keeps its glyphs
# off black too. TERM=xterm-256color keeps the 256-colour theme.
. "$(dirname "$0")/lib.sh"
make_journal
run() { # run TERM ARGS...: the first screen with its colours (SGR codes) in $s
	local term=$1; shift
	new_server      # not in a $(...) subshell: the server must be this shell's to end
	T new-session -d -s ui -x 100 -y 24 -c "$DIR" \
		"env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=$term $(printf '%q ' "$THINGTOP" "$@"); sleep 30"
	wait_for "connected" >/dev/null    # the header, drawn with the grid
	s=$(T capture-pane -e -p -t ui)
}
# A glyph right after a black (30, 90) foreground code is unreadable on a
# dark background.
for term in xterm linux; do
	run $term -j "$DIR/j.db" --no-connect
	check "$term: no status glyph in black" bash -c '! grep -qP "\e\[(1m\e\[)?(30|90)m(\e\[[0-9;]*m)*[●○]" <<<"$0"' "$s"
	check "$term: a green connected glyph" grep -qP '\e\[(1m\e\[)?32m(\e\[[0-9;]*m)*●' <<<"$s"
	check "$term: the cursor row has a background" grep -qP '^\e\[[0-9;]*4[0-7]m' <<<"$(sed -n 4p <<<"$s")"
	run $term -j "$DIR/j.db" --no-connect --theme dark
	check "$term, dark theme asked for: no status glyph in black" bash -c '! grep -qP "\e\[(1m\e\[)?(30|90)m(\e\[[0-9;]*m)*[●○]" <<<"$0"' "$s"
done
run xterm-256color -j "$DIR/j.db" --no-connect
check "xterm-256color keeps 256 colours" grep -qF $'\e[38;5;' <<<"$s"
new_server
exit $FAILED
