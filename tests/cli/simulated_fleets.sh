#!/usr/bin/env bash
# Fleets we did not tune to: the simulator's seeded fleets with every quirk
# on, at several sizes. After import, every status must equal the
# simulator's ground truth (the broker's real state).
set -uo pipefail
thingtop=$1
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "sqlite3 CLI missing"; exit 77; }

score() { # score THINGS EVENTS SEED
  local d=$tmp/$1-$3
  mkdir -p "$d"
  "$thingtop" simulate --things "$1" --events "$2" --seed "$3" --quirks all \
    --ndjson "$d/events.ndjson" --truth "$d/truth.csv" >/dev/null 2>&1
  "$thingtop" import -q -j "$d/j.db" "$d/events.ndjson" 2>/dev/null
  "$thingtop" export -j "$d/j.db" -o "$d/fleet.csv"
  # A client id that looks like a formula is exported with a ' in front.
  sqlite3 :memory: -cmd ".import --csv '$d/fleet.csv' e" -cmd ".import --csv '$d/truth.csv' t" \
    "create index ti on t(client_id);
     select count(*) || ' ' || sum(e.status = t.status) from e join t on t.client_id =
       (case when e.client_id glob '''[=+@-]*' then substr(e.client_id, 2) else e.client_id end)"
}

for run in "50 5000 1" "500 40000 2" "2000 60000 3" "300 60000 4"; do
  set -- $run
  read -r total right < <(score "$1" "$2" "$3")
  echo "things=$1 events=$2 seed=$3: $right of $total statuses right"
  check_eq "seed $3: every thing exported" "$total" "$1"
  check_eq "seed $3: every status equals the truth" "$right" "$1"
done
finish
