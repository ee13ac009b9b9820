#!/bin/bash
# The summary screen and the registry columns of the grid, on a journal made
# by `thingtop sync` from a hand-written search-index file (registry.json)
# and imported events (registry.ndjson). What the fixture gives, by hand:
#   berlin: b1 b2 b3 disconnected, b4 connected
#   lyon:   l1 disconnected, l2 connected, l3 connected but uncertain (the
#           index says disconnected 1 s after its connect: inside the window)
#   porto:  p1 connected, p2 registered and never connected (unknown)
#   x1 (site "mars" + an escape sequence) and loner (no registry): connected
#   types: press b1 b2 l1; robot b3 l2 p1; sensor b4 l3 p2
#   groups: plant-1 b1-b4, line-1 b1, plant-2 l1-l3, plant-3 p1 p2
. "$(dirname "$0")/lib.sh"
"$THINGTOP" sync -q -j "$DIR/j.db" "$HERE/registry.json" 2>"$DIR/sync.err" ||
	{ cat "$DIR/sync.err"; echo "sync failed"; exit 1; }
"$THINGTOP" import -q -j "$DIR/j.db" "$HERE/registry.ndjson" 2>"$DIR/import.err" ||
	{ cat "$DIR/import.err"; echo "import failed"; exit 1; }

# The fixture is what the comment says (export, outside the monitor).
"$THINGTOP" export -j "$DIR/j.db" --sort client_id --columns client_id,status,attr.site -o "$DIR/all.csv"
check "fixture: 11 things with their sites" test "$(tail -n +2 "$DIR/all.csv" | tr -d '\033' | tr '\n' ' ')" = \
	"b1,disconnected,berlin b2,disconnected,berlin b3,disconnected,berlin b4,connected,berlin l1,disconnected,lyon l2,connected,lyon l3,connected,lyon loner,connected, p1,connected,porto p2,unknown,porto x1,connected,mars[2J "

# rows FIRST LAST: the first words of summary rows FIRST..LAST (screen lines 4..).
rows() { screen | sed -n "$(($1 + 3)),$(($2 + 3))p" | awk '{ print $1 }' | tr '\n' ' '; }
command_line() { keys :; literal "$1"; keys Enter; }
wait_re() { # wait_re REGEX: until a line of the screen matches
	for _ in $(seq 60); do
		screen | grep -qE -- "$1" && return 0
		sleep 0.1
	done
	return 1
}
# Quits this session (the last one goes through finish).
finish_keep() {
	keys C-c
	wait_for "EXIT=0" >/dev/null || fail "did not quit cleanly"
	if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error' "$DIR/stderr"; then
		cat "$DIR/stderr"
		fail "sanitizer report"
	fi
}

# ---- 80x24 ----
start 80 24 -j "$DIR/j.db" --no-connect
keys s
check "s opens the summary" wait_for "Summary"
check "by thing type first (the registry has types)" wait_for "by thing_type  4 values  11 things"
check "press: 3 things, all disconnected" grep -qE '^press +3 +3 +100% +0 +0 +0 ' <<<"$(screen)"
check "robot: 1 of 3 disconnected" grep -qE '^robot +3 +1 +33% +2 +0 +0 ' <<<"$(screen)"
check "sensor: one never seen, one uncertain" grep -qE '^sensor +3 +0 +0% +2 +1 +1 ' <<<"$(screen)"
check "no type: x1 and loner" grep -qE '^\(none\) +2 +0 +0% +2 +0 +0 ' <<<"$(screen)"

command_line "summary attr.site"
check ":summary attr.site" wait_for "by attr.site  5 values  11 things"
check "site with most things down first" test "$(rows 1 5)" = 'berlin lyon porto (none) mars\e[2J '
check "berlin: 4 things, 3 down" grep -qE '^berlin +4 +3 +75% +1 +0 +0 ' <<<"$(screen)"
check "lyon: 1 down, 1 uncertain" grep -qE '^lyon +3 +1 +33% +2 +0 +1 ' <<<"$(screen)"
check "porto: 1 never seen" grep -qE '^porto +2 +0 +0% +1 +1 +0 ' <<<"$(screen)"
check "the escape sequence is shown escaped" grep -qF 'mars\e[2J' <<<"$(screen)"
check "bar: berlin is the largest, 3/4 disconnected" grep -qE '^berlin .* ████████████░░░░$' <<<"$(screen)"

# Enter drills down into berlin's things; Esc in the grid clears it.
keys Enter
check "drill-down: the grid" wait_for "[attr.site=berlin: 4 things]"
check "drill-down: 4 of 11" grep -qF "4/11" <<<"$(screen)"
check "drill-down: exactly berlin's things" test "$(grid_ids | sort | tr '\n' ' ')" = "b1 b2 b3 b4 "
keys Escape
check "Esc clears the drill-down" wait_for "11/11"

# The screen keeps its column; the things without the attribute too.
keys s
check "reopened by attr.site" wait_for "by attr.site"
keys Down Down Down Enter
check "drill-down into (none)" wait_for "[attr.site=(none): 1 things]"
check "only loner has no site" test "$(grid_ids | tr '\n' ' ')" = "loner "
keys Escape

# c / C cycle: thing_type, groups, attr.fw, attr.site, last_reason, status, flags.
keys s c
check "c: last_reason after attr.site" wait_for "by last_reason"
check "CONNECTION_LOST: b1 and b3" grep -qE '^CONNECTION_LOST +2 +2 +100% ' <<<"$(screen)"
keys C C
check "C C: attr.fw" wait_for "by attr.fw  2 values"
keys C
check "C: groups" wait_for "by groups  5 values"
check "groups in trouble order" test "$(rows 1 5)" = "plant-1 line-1 plant-2 plant-3 (none) "
keys Down Enter
check "drill-down into line-1: b1 only" wait_for "[groups=line-1: 1 things]"
check "line-1 is b1" test "$(grid_ids | tr '\n' ' ')" = "b1 "
keys Escape

# b types the column; an unknown one is said, with the names.
keys s b
literal "attr.site"
keys Enter
check "b: by attr.site" wait_for "by attr.site"
command_line "summary stauts"
check "unknown column said" wait_for 'no column "stauts", did you mean "status"?'
keys q
check "q back to the grid" wait_for "Fleet"

# It follows the grid's filter.
keys /
literal "thing_type:press"
keys Enter
keys s
check "filtered: berlin has 2 presses, both down" wait_for "by attr.site  2 values  3 things"
check "filtered: berlin 2/2" grep -qE '^berlin +2 +2 +100% +0 +0 +0 ' <<<"$(screen)"
check "filtered: lyon 1/1" grep -qE '^lyon +1 +1 +100% +0 +0 +0 ' <<<"$(screen)"
check "title shows the filter" grep -qF "filter: thing_type:press" <<<"$(screen)"
keys Escape Escape
check "filter cleared" wait_for "11/11"

# New data updates it while shown: b4 disconnects, p2 connects.
keys s
check "summary again" wait_for "by attr.site  5 values  11 things"
cat >"$DIR/more.ndjson" <<'NDJSON'
{"clientId":"b4","timestamp":1767225704000,"eventType":"disconnected","sessionIdentifier":"b4-s1","principalIdentifier":"p","clientInitiatedDisconnect":false,"disconnectReason":"CONNECTION_LOST","versionNumber":1}
{"clientId":"p2","timestamp":1767225705000,"eventType":"connected","sessionIdentifier":"p2-s1","principalIdentifier":"p","ipAddress":"10.3.0.2","versionNumber":1}
NDJSON
"$THINGTOP" import -q -j "$DIR/j.db" "$DIR/more.ndjson" 2>/dev/null
check "update: berlin all down" wait_re '^berlin +4 +4 +100% +0 +0 +0 '
check "update: porto all up" grep -qE '^porto +2 +0 +0% +2 +0 +0 ' <<<"$(screen)"
keys '?'
check "help lists the summary keys" wait_for "Keys of Summary"
keys Escape Escape

# ---- registry columns in the grid ----
command_line "columns status,client_id,attr.site"
check ":columns shows the site column" wait_for "SITE"
check "site values in the rows" grep -qE '^○.? +b1 +berlin *$' <<<"$(screen)"
check "loner has no site" grep -qE '^●.? +loner *$' <<<"$(screen)"
command_line "sort -attr.site"
check "sorted by site, descending" wait_for "SITE▼"
check "porto's things first" test "$(grid_ids | head -2 | sort | tr '\n' ' ')" = "p1 p2 "
command_line "columns"
check ":columns says which" wait_for "columns: status,client_id,attr.site"
command_line "columns status,stauts"
check ":columns names a wrong column" wait_for 'unknown column "stauts"'
check "a wrong list keeps the columns" grep -qF "SITE" <<<"$(screen)"
command_line "columns default"
check "default columns again" wait_for "LAST REASON"
finish_keep

# ---- 200x60, ASCII, columns from the flag ----
new_server
start 200 60 -j "$DIR/j.db" --no-connect --ascii --columns client_id,thing_type,groups,attr.site,status
check "--columns: the titles" grep -qE 'CLIENT ID +TYPE +GROUPS +SITE +ST' <<<"$(screen)"
check "--columns: b1's registry" grep -qE '^b1 +press +plant-1,line-1 +berlin +o' <<<"$(screen)"
keys s
command_line "summary attr.site"
check "200x60: by attr.site" wait_for "by attr.site  5 values  11 things"
check "200x60: berlin first" test "$(rows 1 1)" = "berlin "
check "200x60: berlin 4/4 down after the update" grep -qE '^berlin +4 +4 +100% +0 +0 +0 ' <<<"$(screen)"
# 200 columns: the value gets 40 cells, the bar 100; berlin is the largest.
check "ASCII bar" grep -qE "^berlin .* #{100}\$" <<<"$(screen)"
check "ASCII bar, porto: 2 of 4 cells worth, connected" grep -qE "^porto .* ={50}\$" <<<"$(screen)"
keys Down Enter
check "200x60: drill-down into lyon" wait_for "[attr.site=lyon: 3 things]"
check "200x60: lyon's things" test "$(screen | head -n -2 | sed -n '4,$p' | awk 'NF { print $1 }' | sort | tr '\n' ' ')" = "l1 l2 l3 "
finish_keep

# ---- ui.columns from the config; a wrong --columns stops before the screen ----
new_server
printf 'ui: {\n  columns = "client_id,attr.site";\n};\n' >"$DIR/conf"
start 80 24 -c "$DIR/conf" -j "$DIR/j.db" --no-connect
check "ui.columns: the site column" grep -qE '^CLIENT ID +SITE' <<<"$(screen)"
finish_keep
"$THINGTOP" -j "$DIR/j.db" --no-connect --columns client_id,nope >/dev/null 2>"$DIR/bad.err"
check "wrong --columns: exit 1" test $? = 1
check "wrong --columns: said" grep -qF -- '--columns: column list, entry 2: unknown column "nope"' "$DIR/bad.err"
finish
