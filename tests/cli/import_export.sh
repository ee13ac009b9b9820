#!/usr/bin/env bash
# import + export on a hand-written fleet (tests/data/small-fleet.ndjson)
# whose final states were worked out by hand from reconciliation.md.
set -uo pipefail
thingtop=$1 data=$2
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "sqlite3 CLI missing"; exit 77; }
j=$tmp/j.db

"$thingtop" import -j "$j" "$data/small-fleet.ndjson" 2>"$tmp/import.err"
check_eq "import exit status" "$?" 0
check "summary line" grep -q "imported 27 lines: 20 accepted, 2 duplicates, 4 rejected, 1 ignored" "$tmp/import.err"
for n in 6 11 15 21; do
  check "reject reported at line $n" grep -q "small-fleet.ndjson:$n: rejected" "$tmp/import.err"
done
check "empty line reason" grep -q ":11: rejected (bad_json): empty line" "$tmp/import.err"
check "mistyped reason names the field" grep -q ':15: rejected (mistyped_field).*clientId' "$tmp/import.err"
check "unknown type reason" grep -q ':21: rejected (unknown_type).*rebooted' "$tmp/import.err"

"$thingtop" export -j "$j" >"$tmp/all.csv"
check_eq "export exit status" "$?" 0
check_eq "header" "$(head -1 "$tmp/all.csv")" \
  "status,client_id,since,last_reason,ip,version,session_id,sessions,disconnects,duplicates,connect_failures,flags,since_received"
check_eq "one row per thing" "$(($(wc -l <"$tmp/all.csv") - 1))" 9

# Every status equals the hand-made truth.
matched=$(sqlite3 :memory: -cmd ".import --csv '$tmp/all.csv' e" -cmd ".import --csv '$data/small-fleet.truth.csv' t" \
  "select count(*) from t join e on e.status = t.status and
   (e.client_id = t.client_id or e.client_id = '''' || t.client_id)")
check_eq "statuses equal to truth (ids neutralised as formulas count too)" "$matched" 8
evil=$(printf 'evil\033[31mred')
check_eq "escape-char client id kept exactly in CSV" \
  "$(sqlite3 :memory: -cmd ".import --csv '$tmp/all.csv' e" "select status from e where client_id = '$evil'")" connected

# Quoting and formula neutralising, byte for byte.
check "quoted client id" grep -q '^connected,"gw,1;""q""",' "$tmp/all.csv"
check "formula neutralised (OWASP: quote prefix, quoted)" grep -q "^disconnected,\"'=cmd|calc\"," "$tmp/all.csv"
check "late DUPLICATE_CLIENTID is the last reason, thing still connected" \
  grep -q '^connected,"gw,1;""q""",2026-01-01T00:01:40.000Z,DUPLICATE_CLIENTID,2001:db8::2,6,g2,' "$tmp/all.csv"
check "version reset: back online" grep -q '^connected,Gerät-ü,2026-01-01T02:00:00.000Z,CLIENT_INITIATED_DISCONNECT,198.51.100.8,0,u2,2,1,1,' "$tmp/all.csv"
check "reordered session stays closed" grep -q '^disconnected,reorder,2026-01-01T00:00:50.000Z,MQTT_KEEP_ALIVE_TIMEOUT,' "$tmp/all.csv"
check "connect_failed only is unknown" grep -q '^unknown,failer,,,,,,0,0,0,1,' "$tmp/all.csv"

# Filters.
"$thingtop" export -j "$j" --filter status:disconnected >"$tmp/down.csv"
check_eq "status filter rows" "$(csv_query "$tmp/down.csv" "select group_concat(client_id, ' ') from (select client_id from t order by client_id)")" \
  "'=cmd|calc nosession reorder"
"$thingtop" export -j "$j" --filter '!status:connected !status:unknown reason~keep' >"$tmp/f2.csv"
check_eq "negation + regex on reason" "$(csv_query "$tmp/f2.csv" "select group_concat(client_id) from t")" "reorder"
"$thingtop" export -j "$j" --filter 'PLANT/' >"$tmp/f3.csv"
check_eq "bare word, any case" "$(csv_query "$tmp/f3.csv" "select group_concat(client_id) from t")" "plant/line-1/press-1"

"$thingtop" export -j "$j" --filter 'stauts:connected' >/dev/null 2>"$tmp/err"
check_eq "bad filter exit status" "$?" 2
check "bad filter names column and suggests" grep -q 'column 1.*status' "$tmp/err"
"$thingtop" export -j "$j" --sort 'bogus' >/dev/null 2>"$tmp/err"
check_eq "bad sort exit status" "$?" 2

# Sort: disconnects descending, then client id.
"$thingtop" export -j "$j" --sort '-disconnects,client_id' --filter 'disconnects>0' >"$tmp/s.csv"
check_eq "sort by -disconnects" "$(csv_query "$tmp/s.csv" "select group_concat(client_id || ':' || disconnects, ' ') from t")" \
  "'=cmd|calc:1 Gerät-ü:1 gw,1;\"q\":1 nosession:1 plant/line-1/press-1:1 reorder:1"

# -o writes the same bytes as stdout.
"$thingtop" export -j "$j" -o "$tmp/out.csv"
check "export -o equals stdout" cmp -s "$tmp/out.csv" "$tmp/all.csv"

# -o on a device or a link writes through it, never replaces it.
"$thingtop" export -j "$j" -o /dev/stdout >"$tmp/devout.csv"
check "export -o /dev/stdout writes to stdout" cmp -s "$tmp/devout.csv" "$tmp/all.csv"
check "/dev/stdout is still a link" test -L /dev/stdout
"$thingtop" export -j "$j" -o /dev/null
check "/dev/null is still a device" test -c /dev/null

# --at: at 00:00:00Z only the first line had been received.
"$thingtop" export -j "$j" --at 2026-01-01T00:00:00Z >"$tmp/at.csv"
check_eq "--at start" "$(csv_query "$tmp/at.csv" "select group_concat(client_id || '=' || status) from t")" \
  "plant/line-1/press-1=connected"

# Importing the same file again changes no status: every connect and
# disconnect is a duplicate (connect_failed and subscriptions carry no key).
"$thingtop" import -q -j "$j" "$data/small-fleet.ndjson" 2>"$tmp/again.err"
check "second import: every connect and disconnect a duplicate" grep -q "imported 27 lines: 3 accepted, 19 duplicates, 4 rejected, 1 ignored" "$tmp/again.err"
"$thingtop" export -j "$j" >"$tmp/again.csv"
check_eq "statuses unchanged after re-import" \
  "$(csv_query "$tmp/again.csv" "select group_concat(client_id || '=' || status) from t")" \
  "$(csv_query "$tmp/all.csv" "select group_concat(client_id || '=' || status) from t")"

# On a terminal the CSV shows control characters escaped; pipes get the bytes.
if command -v script >/dev/null; then
  script -qc "'$thingtop' export -j '$j' --filter evil" /dev/null >"$tmp/tty.out"
  check "terminal output escapes ESC" grep -q 'evil\\e\[31mred' "$tmp/tty.out"
  check "terminal output has no raw ESC" test "$(tr -cd '\033' <"$tmp/tty.out" | wc -c)" -eq 0
fi

# Errors: no journal, unreadable input.
"$thingtop" export -j "$tmp/none.db" >/dev/null 2>"$tmp/err"
check_eq "export without journal exits 1" "$?" 1
check "names the missing journal" grep -q "no journal at $tmp/none.db" "$tmp/err"
"$thingtop" import -j "$j" "$tmp/missing.ndjson" 2>"$tmp/err"
check_eq "import of a missing file exits 1" "$?" 1
check "names the missing file" grep -q "missing.ndjson" "$tmp/err"

# stdin works.
head -3 "$data/small-fleet.ndjson" | "$thingtop" import -j "$tmp/stdin.db" - 2>"$tmp/err"
check "stdin import" grep -q "imported 3 lines: 3 accepted" "$tmp/err"

finish
