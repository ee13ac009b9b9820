#!/bin/bash
# The mouse, opt-in (`ui.mouse = true`; issue 12): a click on a column title
# sorts by it (again reverses), a click on a row selects it, a double click
# opens its activity log, the wheel scrolls; on the activity log, alerts and
# timeline screens the wheel moves as Up / Down do. tmux is sent the
# terminal's own reports: SGR (`\e[<b;x;yM` press, `m` release) with
# TERM=xterm-256color, whose kmous is `\e[<`, and the X10 form (`\e[M` and
# three bytes) with TERM=tmux-256color. Without the option a click does
# nothing. On the timeline a click selects a bucket and a double click
# drills down; on the summary and the activity log a click selects a row
# and a double click drills down / opens the raw event. At 80x24 and
# 200x60. (The alerts screen's clicks need a firing alert, hence a broker:
# not covered here.)
. "$(dirname "$0")/lib.sh"

N=120
T0=1767225600000
for i in $(seq 0 $((N - 1))); do
	printf '{"clientId":"dev-%03d","timestamp":%d,"eventType":"connected","sessionIdentifier":"s-%03d","principalIdentifier":"p","ipAddress":"10.0.0.%d","versionNumber":1}\n' \
		"$i" $((T0 + i * 1000)) "$i" $((i % 250))
done >"$DIR/fleet.ndjson"
"$THINGTOP" import -q -j "$DIR/j.db" "$DIR/fleet.ndjson" 2>"$DIR/import.err" ||
	{ cat "$DIR/import.err"; echo "import failed"; exit 1; }
printf 'ui: {\n  mouse = true;\n};\n' >"$DIR/mouse.conf"
printf 'ui: {\n  mouse = false;\n};\n' >"$DIR/nomouse.conf"

# start_term TERM WIDTH HEIGHT ARGS...: lib.sh's start with another TERM.
start_term() {
	local term=$1 w=$2 h=$3; shift 3
	printf '%q ' "$THINGTOP" "$@" >"$DIR/cmd"
	T new-session -d -s ui -x "$w" -y "$h" -c "$DIR" \
		"env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=$term $(cat "$DIR/cmd") 2>$DIR/stderr; echo EXIT=\$?; sleep 60"
	wait_for "connected" || { cat "$DIR/stderr"; exit 1; }
}
# Screen cells are 0-based here; the reports are 1-based.
# Each waits for the screen to change (at most as long as the fixed sleeps
# it replaced): a second click must not join the first in a double click.
send() { local settle_from; settle_from=$(cells); T send-keys -t ui -l "$1"; settle "$2"; }
sgr_click() { # sgr_click X Y
	send $'\e'"[<0;$(($1 + 1));$(($2 + 1))M"$'\e'"[<0;$(($1 + 1));$(($2 + 1))m" 500
}
sgr_double() {
	send $'\e'"[<0;$(($1 + 1));$(($2 + 1))M"$'\e'"[<0;$(($1 + 1));$(($2 + 1))m"$'\e'"[<0;$(($1 + 1));$(($2 + 1))M"$'\e'"[<0;$(($1 + 1));$(($2 + 1))m" 500
}
sgr_wheel() { # sgr_wheel 64|65 (up, down) X Y
	send $'\e'"[<$1;$(($2 + 1));$(($3 + 1))M" 400
}
x10_click() { # x10_click X Y (cells below 95)
	local x y
	x=$(printf "\\$(printf '%03o' $(($1 + 33)))") y=$(printf "\\$(printf '%03o' $(($2 + 33)))")
	send $'\e'"[M $x$y"$'\e'"[M#$x$y" 500
}
title_x() { screen | sed -n 3p | grep -bo "$1" | head -n 1 | cut -d: -f1; }

for size in 80x24 200x60; do
	w=${size%x*} h=${size#*x}
	new_server
	start_term xterm-256color "$w" "$h" -c "$DIR/mouse.conf" -j "$DIR/j.db" --no-connect
	wait_for "dev-000" || fail "$size: grid shown"

	# A click on the CLIENT ID title: sorted by client id, ascending
	# (the default is by status, which for all-connected things ties).
	x=$(title_x 'CLIENT ID')
	sgr_click $((x + 2)) 2
	check "$size: click on CLIENT ID sorts by it" bash -c "tmux -L '$SOCK' capture-pane -p -t ui | sed -n 3p | grep -qF 'CLIENT ID▲'"
	sgr_click $((x + 2)) 2
	check "$size: a second click reverses" bash -c "tmux -L '$SOCK' capture-pane -p -t ui | sed -n 3p | grep -qF 'CLIENT ID▼'"
	# A sort is a key of sorts: the cursor stays on its thing (dev-000,
	# now last); g shows the first row.
	check "$size: reversed: the cursor stayed on dev-000" test "$(selected)" = dev-000
	keys g
	check "$size: reversed: dev-119 first" test "$(first_id)" = dev-119
	sgr_click $((x + 2)) 2
	keys g
	check "$size: a third click: ascending again" test "$(first_id)" = dev-000
	# A click on another title, SINCE (right-aligned): sorted by it.
	x=$(title_x 'SINCE')
	sgr_click $((x + 1)) 2
	check "$size: click on SINCE sorts by it" bash -c "tmux -L '$SOCK' capture-pane -p -t ui | sed -n 3p | grep -qE 'SINCE[▲▼]'"
	keys g
	check "$size: SINCE newest first: dev-119" test "$(first_id)" = dev-119
	keys I g   # back to client id, ascending, first row

	# A click on the 5th row selects dev-004.
	sgr_click 10 7
	check "$size: a click selects the row under it" test "$(selected)" = dev-004
	# A double click on the 3rd row opens dev-002's activity log.
	sgr_double 10 5
	check "$size: a double click opens the activity log" bash -c "tmux -L '$SOCK' capture-pane -p -t ui | sed -n 2p | grep -qF 'Activity: dev-002'"
	# The wheel on the activity log does not leave it or break it.
	sgr_wheel 65 10 6
	check "$size: the wheel on the activity log stays there" bash -c "tmux -L '$SOCK' capture-pane -p -t ui | sed -n 2p | grep -qF 'Activity: dev-002'"
	keys Escape
	check "$size: Esc back to the grid" wait_for "CLIENT ID"

	# The wheel: down three rows a notch; enough notches scroll the page.
	keys g
	sgr_wheel 65 10 6
	check "$size: a wheel notch moves three rows (dev-003)" test "$(selected)" = dev-003
	for _ in $(seq $((h / 3 + 2))); do sgr_wheel 65 10 6; done
	check "$size: the wheel scrolled the page (first row $(first_id))" test "$(first_id)" != dev-000
	for _ in $(seq $((h / 3 + 3))); do sgr_wheel 64 10 6; done
	check "$size: the wheel up scrolls back (dev-000 first)" test "$(first_id)" = dev-000

	# In the F6 menu a click chooses an entry (status, client_id, since, ...
	# from the row below the menu's title): since.
	keys F6
	check "$size: F6 menu open" wait_for "Sort by"
	sgr_click 5 6
	check "$size: a click in the sort menu sorts by since" bash -c "tmux -L '$SOCK' capture-pane -p -t ui | sed -n 3p | grep -qE 'SINCE[▲▼]'"
	check "$size: and closes the menu" bash -c "! tmux -L '$SOCK' capture-pane -p -t ui | grep -qF 'Sort by'"
	keys F6
	sgr_click 60 12
	check "$size: a click beside the menu closes it" bash -c "! tmux -L '$SOCK' capture-pane -p -t ui | grep -qF 'Sort by'"

	# The timeline takes the wheel as Up / Down keys: it stays shown.
	keys t
	sgr_wheel 65 10 6
	check "$size: the wheel on the timeline leaves it shown" bash -c "tmux -L '$SOCK' capture-pane -p -t ui | sed -n 2p | grep -qF Disconnects"
	keys Escape
	[ "$FAILED" = 0 ] || { echo "--- $size:"; screen; }
	keys C-c
	wait_for "EXIT=0" >/dev/null || fail "$size: exit 0"

	# The X10 form (TERM=tmux-256color): a title click sorts, a row click selects.
	new_server
	start_term tmux-256color "$w" "$h" -c "$DIR/mouse.conf" -j "$DIR/j.db" --no-connect
	wait_for "dev-000" || fail "$size: grid shown (X10)"
	x=$(title_x 'CLIENT ID')
	x10_click $((x + 2)) 2
	check "$size: X10 click on CLIENT ID sorts by it" bash -c "tmux -L '$SOCK' capture-pane -p -t ui | sed -n 3p | grep -qF 'CLIENT ID▲'"
	x10_click 10 8
	check "$size: X10 click selects the row (dev-005)" test "$(selected)" = dev-005
	keys C-c
	wait_for "EXIT=0" >/dev/null || fail "$size: exit 0 (X10)"

	# Without ui.mouse a click changes nothing.
	new_server
	start_term xterm-256color "$w" "$h" -c "$DIR/nomouse.conf" -j "$DIR/j.db" --no-connect
	wait_for "dev-000" || fail "$size: grid shown (no mouse)"
	x=$(title_x 'CLIENT ID')
	sgr_click $((x + 2)) 2
	check "$size: without ui.mouse a title click does not sort" bash -c "! tmux -L '$SOCK' capture-pane -p -t ui | sed -n 3p | grep -qF 'CLIENT ID▲'"
	[ "$FAILED" = 0 ] || { echo "--- $size:"; screen; }
	keys C-c
	wait_for "EXIT=0" >/dev/null || fail "$size: exit 0 (no mouse)"
done

# The timeline, the summary and the activity log, on summary.sh's fixture
# (registry.json, registry.ndjson): the 4 disconnects (b1 b2 b3 l1) all
# fall in 00:01 on 2026-01-01, the minute the timeline opens on (its last
# bucket); 00:00 has none. By thing type: press (b1 b2 l1, all down) first,
# then robot (b3 l2 p1). b1's log: disconnected (newest), then connected.
"$THINGTOP" sync -q -j "$DIR/r.db" "$HERE/registry.json" 2>"$DIR/sync.err" ||
	{ cat "$DIR/sync.err"; echo "sync failed"; exit 1; }
"$THINGTOP" import -q -j "$DIR/r.db" "$HERE/registry.ndjson" 2>"$DIR/import.err" ||
	{ cat "$DIR/import.err"; echo "import failed"; exit 1; }
line() { screen | sed -n "$1p"; }
# The column of the first bar glyph on the chart's top line (the bucket
# with all 4 disconnects is the highest bar).
bar_x() {
	local l
	l=$(line 3)
	case $l in *█*) ;; *) echo -1; return ;; esac
	l=${l%%█*}
	echo ${#l}
}
for size in 80x24 200x60; do
	w=${size%x*} h=${size#*x}
	new_server
	start_term xterm-256color "$w" "$h" -c "$DIR/mouse.conf" -j "$DIR/r.db" --no-connect
	wait_for "b1" || fail "$size: grid shown (registry)"

	keys t
	check "$size: timeline open" wait_for "Disconnects"
	x=$(bar_x)
	check "$size: the 00:01 bar is drawn (x=$x)" test "$x" -gt 6
	check "$size: 00:01 selected at first" grep -qE '00:01\.\.00:02  4 disconnects' <<<"$(screen)"
	# A click two cells left (the bucket before): 00:00, none.
	sgr_click $((x - 2)) 5
	check "$size: a click selects the bucket under it (00:00)" grep -qE '00:00\.\.00:01  0 disconnects' <<<"$(screen)"
	# A click on the time axis below the bar selects it again.
	axis=$(screen | grep -nE '^ {6}[0-9]{2}:[0-9]{2}' | head -n 1 | cut -d: -f1)
	sgr_click "$x" $((axis - 1))
	check "$size: a click on the time axis selects 00:01" grep -qE '00:01\.\.00:02  4 disconnects' <<<"$(screen)"
	# A double click on the empty bucket: nothing to drill into.
	sgr_double $((x - 2)) 5
	check "$size: a double click on an empty bucket stays" bash -c "tmux -L '$SOCK' capture-pane -p -t ui | sed -n 2p | grep -qF Disconnects"
	check "$size: and says why" wait_for "no disconnects in this bucket"
	# A double click on the bar drills down: the grid with those 4 things.
	sgr_double "$x" 4
	check "$size: a double click drills down" wait_for "all reasons: 4 things]"
	check "$size: the bucket's things" test "$(grid_ids | sort | tr '\n' ' ')" = "b1 b2 b3 l1 "
	keys Escape

	keys s
	check "$size: summary by thing type" wait_for "by thing_type"
	# A click on the second row (robot) selects it: Enter drills into it.
	sgr_click 2 4
	keys Enter
	check "$size: a click selects the summary row (robot)" wait_for "[thing_type=robot: 3 things]"
	check "$size: robot's things" test "$(grid_ids | sort | tr '\n' ' ')" = "b3 l2 p1 "
	keys Escape s
	check "$size: summary again" wait_for "by thing_type"
	# A double click on the first row (press) drills down at once.
	sgr_double 2 3
	check "$size: a double click drills down (press)" wait_for "[thing_type=press: 3 things]"
	check "$size: press's things" test "$(grid_ids | sort | tr '\n' ' ')" = "b1 b2 l1 "
	# A click below the rows changes nothing.
	keys Escape s
	sgr_double 2 $((h - 4))
	check "$size: a double click past the rows stays on the summary" bash -c "tmux -L '$SOCK' capture-pane -p -t ui | sed -n 2p | grep -qF Summary"
	keys Escape

	# The activity log: a click selects an event, a double click opens its
	# raw JSON (as Enter does).
	keys :
	literal "thing b1"
	keys Enter
	check "$size: b1's activity log" wait_for "Activity: b1"
	sgr_click 3 4
	keys Enter
	check "$size: a click selects the older event (connected)" wait_for '"eventType": "connected"'
	keys Escape
	sgr_double 3 3
	check "$size: a double click opens the newest (disconnected)" wait_for '"eventType": "disconnected"'
	keys Escape Escape
	[ "$FAILED" = 0 ] || { echo "--- $size:"; screen; }
done
finish
