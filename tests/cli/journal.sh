#!/usr/bin/env bash
# thingtop journal info|check|vacuum|prune, and export --at against an
# import of only the lines received by then, on a simulated fleet.
set -uo pipefail
thingtop=$1
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "sqlite3 CLI missing"; exit 77; }
j=$tmp/j.db

"$thingtop" simulate --things 60 --events 6000 --seed 11 --quirks none \
  --ndjson "$tmp/all.ndjson" --truth "$tmp/truth.csv" >/dev/null 2>&1
check_eq "simulate exit status" "$?" 0
lines=$(wc -l <"$tmp/all.ndjson")
"$thingtop" import -q -j "$j" "$tmp/all.ndjson" 2>/dev/null
check_eq "import exit status" "$?" 0

# info: counts and spans of what was imported.
"$thingtop" journal info -j "$j" >"$tmp/info.txt"
check_eq "info exit status" "$?" 0
field() { awk -v k="$1" '$1 == k { print $2 }' "$tmp/info.txt"; }
check_eq "info schema" "$(field schema)" "$(sqlite3 "$j" "PRAGMA user_version")"
check_eq "info things" "$(field things)" 60
check_eq "info rows = input lines" "$(($(field events) + $(field rejects) + $(field ignored)))" "$lines"
check_eq "info seq span" "$(grep '^seq' "$tmp/info.txt" | awk '{ print $2, $3, $4 }')" "1 .. $lines"
first_ms=$(head -1 "$tmp/all.ndjson" | sed -E 's/.*"receivedAt":([0-9]+).*/\1/')
check "info receive span starts at the first line (ISO 8601)" \
  grep -Eq "^received +[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z \.\. " "$tmp/info.txt"
check "info shows the newest snapshot" grep -Eq "^newest snap +seq $lines, received " "$tmp/info.txt"
# The snapshots' share: their bytes (from SQLite) over the file's size
# (database + WAL, from the filesystem), to a tenth of a percent.
snap_bytes=$(sqlite3 "$j" "SELECT sum(length(data)) FROM snapshots")
file_bytes=$(($(stat -c %s "$j") + $(stat -c %s "$j-wal" 2>/dev/null || echo 0)))
check_eq "info: snapshots' share of the file" \
  "$(sed -nE 's/^snapshots .*, ([0-9.]+) % of the file\)$/\1/p' "$tmp/info.txt")" \
  "$(awk -v s="$snap_bytes" -v f="$file_bytes" 'BEGIN { printf "%.1f", 100 * s / f }')"
[[ -n "$first_ms" ]] || fail "first receivedAt"

# check on a sound journal.
"$thingtop" journal check -j "$j" >"$tmp/check.txt"
check_eq "check exit status" "$?" 0
check "check: integrity" grep -q "^integrity: ok" "$tmp/check.txt"
check "check: rebuild equals replay" grep -q "^rebuild: from the snapshot equals a replay" "$tmp/check.txt"

# export --at the receive time of line K equals an export of a journal
# holding only lines 1..K, at several K.
awk '{ match($0, /"receivedAt":[0-9]+/); print substr($0, RSTART + 13, RLENGTH - 13) }' \
  "$tmp/all.ndjson" >"$tmp/received.txt"
for want in 1 1500 3000 4444 "$lines"; do
  # The first K >= want that ends a run (its time is the largest so far
  # and the next line's is later).
  k=$(awk -v w="$want" '{ r[NR] = $1 } END { m = 0; for (i = 1; i <= NR; i++) {
        if (r[i] > m) m = r[i]; if (i >= w && r[i] == m && (i == NR || r[i + 1] > m)) { print i; exit } } }' \
      "$tmp/received.txt")
  at=$(sed -n "${k}p" "$tmp/received.txt")
  head -n "$k" "$tmp/all.ndjson" >"$tmp/prefix.ndjson"
  rm -f "$tmp/p.db"
  "$thingtop" import -q -j "$tmp/p.db" "$tmp/prefix.ndjson" 2>/dev/null
  "$thingtop" export -j "$tmp/p.db" --at "$at" -o "$tmp/prefix.csv"
  "$thingtop" export -j "$j" --at "$at" -o "$tmp/at.csv"
  check_eq "export --at line $k exit status" "$?" 0
  check "export --at line $k equals an import of lines 1..$k" cmp -s "$tmp/at.csv" "$tmp/prefix.csv"
done

# prune by size: older rows go, the current fleet stays.
"$thingtop" export -j "$j" -o "$tmp/before.csv"
"$thingtop" journal prune -j "$j" --max-size 200K >"$tmp/prune.txt"
check_eq "prune exit status" "$?" 0
check "prune reports" grep -q "^pruned [1-9][0-9]* rows" "$tmp/prune.txt"
"$thingtop" journal info -j "$j" >"$tmp/info.txt"
check "info says pruned" grep -q "(older rows pruned)" "$tmp/info.txt"
"$thingtop" export -j "$j" -o "$tmp/after.csv"
check "fleet unchanged by pruning" cmp -s "$tmp/before.csv" "$tmp/after.csv"
# A time whose rows were pruned: said so, not an empty fleet.
"$thingtop" export -j "$j" --at "$(sed -n 1p "$tmp/received.txt")" -o "$tmp/gone.csv" 2>"$tmp/gone.err"
check_eq "export --at before the pruned rows exit status" "$?" 1
check "export --at before the pruned rows says so" grep -q "pruned by retention" "$tmp/gone.err"
"$thingtop" journal check -j "$j" >"$tmp/check.txt"
check_eq "check after prune exit status" "$?" 0
check "check after prune" grep -q "^rebuild: works" "$tmp/check.txt"
size_before=$(stat -c %s "$j")
"$thingtop" journal vacuum -j "$j" >/dev/null
check_eq "vacuum exit status" "$?" 0
check "vacuum shrinks the file" test "$(stat -c %s "$j")" -lt "$size_before"

# vacuum is refused while another process writes the journal.
mkfifo "$tmp/fifo"
"$thingtop" import -q -j "$j" "$tmp/fifo" 2>/dev/null &
writer=$!
exec 3>"$tmp/fifo"
sleep 0.5
"$thingtop" journal vacuum -j "$j" 2>"$tmp/vacuum.err"
check_eq "vacuum beside a writer exit status" "$?" 1
check "vacuum beside a writer says why" grep -q "being written by another thingtop" "$tmp/vacuum.err"
exec 3>&-
wait "$writer"

# A damaged snapshot: check finds it and exits 1.
sqlite3 "$j" "UPDATE snapshots SET data = substr(data, 1, 100) || zeroblob(8) || substr(data, 109)
              WHERE seq = (SELECT max(seq) FROM snapshots)"
"$thingtop" journal check -j "$j" >"$tmp/check.txt"
check_eq "check of a damaged snapshot exit status" "$?" 1
check "check names the snapshot" grep -q "does not load" "$tmp/check.txt"

"$thingtop" journal check -j "$tmp/missing.db" 2>/dev/null
check_eq "check of a missing journal exit status" "$?" 1

# The journal named by the config ($THINGTOP_CONFIG), like every command.
printf 'journal: { path = "%s"; };\n' "$j" >"$tmp/cfg.conf"
THINGTOP_CONFIG=$tmp/cfg.conf "$thingtop" journal info >"$tmp/cfg-info.txt" 2>&1
check_eq "journal info with THINGTOP_CONFIG exit status" "$?" 0
check "journal info reads the configured journal" grep -qF "$j" "$tmp/cfg-info.txt"
finish
