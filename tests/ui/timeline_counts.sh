#!/bin/bash
# The timeline drawn from the journal's disconnect counts (schema 7) and
# from rows: the filtered view (f) and a viewer of a schema-6 journal,
# which has no counts, show the same totals and drill down the same; at
# 80x24 and 200x60.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null 2>&1 || { echo "sqlite3 not installed: skipped"; exit 77; }
make_journal
# fleet.ndjson holds 4 disconnects: 2 CONNECTION_LOST, 1 keep-alive, 1 client.
check "fixture has 4 disconnects" test "$(grep -c '"eventType":"disconnected"' "$HERE/fleet.ndjson")" = 4
check "journal has counts" test "$(sqlite3 "$DIR/j.db" 'SELECT sum(n) FROM disconnect_counts')" = 4
# The same journal as schema 6 made it: no counts table.
cp "$DIR/j.db" "$DIR/old.db"
sqlite3 "$DIR/old.db" 'DROP TABLE disconnect_counts; PRAGMA user_version = 6;'

for size in "80 24" "200 60"; do
	for journal in j old; do
		new_server
		start $size -j "$DIR/$journal.db" --no-connect
		keys t
		check "$journal $size: timeline open" wait_for "Disconnects"
		check "$journal $size: totals" grep -qF "total: 4 shown, 4 disconnects" <<<"$(screen)"
		check "$journal $size: CONNECTION_LOST 2" grep -qE 'CONNECTION_LOST +2 shown +2 total' <<<"$(screen)"
		keys End Left Left Left
		check "$journal $size: 00:01 bucket" grep -qF "2026-01-01T00:01..00:02  2 disconnects" <<<"$(screen)"
		# The filtered view (every thing, no filter set): read from rows.
		keys f
		check "$journal $size: filtered view" grep -qF "filtered view" <<<"$(screen)"
		check "$journal $size: filtered totals" grep -qF "total: 4 shown, 4 disconnects" <<<"$(screen)"
		check "$journal $size: filtered 00:01 bucket" grep -qF "2026-01-01T00:01..00:02  2 disconnects" <<<"$(screen)"
		keys f
		check "$journal $size: whole fleet again" grep -qF "whole fleet" <<<"$(screen)"
		check "$journal $size: totals again" grep -qF "total: 4 shown, 4 disconnects" <<<"$(screen)"
		# One reason selected (Down), then drill down: the 00:01 bucket's
		# CONNECTION_LOST things only.
		keys Down
		keys Enter
		check "$journal $size: drill-down" wait_for "+1m CONNECTION_LOST: 2 things"
		ids=$(grid_ids | sort | tr '\n' ' ')
		check "$journal $size: drilled things ($ids)" test -n "$ids"
		echo "$journal $size: $ids" >>"$DIR/drilled.txt"
	done
done
check "old journal left at schema 6" test "$(sqlite3 "$DIR/old.db" 'PRAGMA user_version')" = 6
# Counts and rows, at both sizes, drill down to the same things.
check "four drill-downs" test "$(wc -l <"$DIR/drilled.txt")" = 4
check "drill-downs agree" test "$(cut -d: -f2 "$DIR/drilled.txt" | sort -u | wc -l)" = 1
finish
