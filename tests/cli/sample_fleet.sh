#!/usr/bin/env bash
# The shared sample fleet (when present): every client's status equals
# truth.csv, and every malformed line is a counted reject.
set -uo pipefail
thingtop=$1
fleet=$(cd "$(dirname "$0")/../../.." && pwd)/shared/fixtures/sample-fleet
[[ -f $fleet/events.ndjson ]] || { echo "no sample fleet at $fleet: skipped"; exit 77; }
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "sqlite3 CLI missing"; exit 77; }

"$thingtop" import -j "$tmp/j.db" "$fleet/events.ndjson" 2>"$tmp/import.err"
check_eq "import exit status" "$?" 0
lines=$(wc -l <"$fleet/events.ndjson")
check "every line counted" grep -q "imported $lines lines" "$tmp/import.err"
rejected=$(sed -nE 's/.* ([0-9]+) rejected.*/\1/p' "$tmp/import.err")
check "the malformed lines are rejects (a dozen)" test "${rejected:-0}" -ge 10 -a "${rejected:-0}" -le 20

"$thingtop" export -j "$tmp/j.db" >"$tmp/fleet.csv"
total=$(($(wc -l <"$fleet/truth.csv") - 1))
matched=$(sqlite3 :memory: -cmd ".import --csv '$tmp/fleet.csv' e" -cmd ".import --csv '$fleet/truth.csv' t" \
  "select count(*) from t join e on e.client_id = t.client_id and e.status = t.status")
echo "sample fleet: $matched of $total statuses equal truth.csv"
check_eq "statuses equal truth.csv" "$matched" "$total"
finish
