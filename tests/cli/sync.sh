#!/usr/bin/env bash
# thingtop sync: saved search-index and connectivity outputs, a fake `aws`
# on PATH (recorded pages with nextToken; it checks the arguments it gets),
# a missing or failing aws, and the acceptance fleets: the simulator's
# first hours given only as a baseline (tests/baseline_from_truth.py), the
# rest as events; every thing's final status must equal the truth.
set -uo pipefail
thingtop=$1 make_baseline=$2
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "sqlite3 CLI missing"; exit 77; }
command -v python3 >/dev/null || { echo "python3 missing"; exit 77; }
quirks=flapping,storms,reorder,duplicates,skew,version-reset,takeover,keepalive,connect-failed,subscriptions

# A fake aws: logs its arguments, checks them, prints the page its
# --next-token names (token-N is page N; none is page 1).
bin=$tmp/bin
mkdir -p "$bin"
cat >"$bin/aws" <<'FAKE'
#!/usr/bin/env bash
printf '%s\n' "$*" >>"$FAKE_AWS_LOG"
[[ "$1 $2 $3 $4 $5 $6" == "iot search-index --index-name AWS_Things --query-string $FAKE_AWS_QUERY" ]] ||
  { echo "fake aws: unexpected arguments: $*" >&2; exit 252; }
[[ " $* " == *" --output json "* ]] || { echo "fake aws: no --output json" >&2; exit 252; }
[[ -z ${FAKE_AWS_WANT:-} || " $* " == *" $FAKE_AWS_WANT "* ]] ||
  { echo "fake aws: missing $FAKE_AWS_WANT" >&2; exit 252; }
[[ -n ${FAKE_AWS_FAIL:-} ]] && { echo "An error occurred (AccessDeniedException)" >&2; exit 254; }
page=1 args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  [[ ${args[i]} == --next-token ]] && page=${args[i + 1]#token-}
done
cat "$FAKE_AWS_PAGES/page-$page.json"
FAKE
chmod +x "$bin/aws"
export FAKE_AWS_LOG=$tmp/aws.log FAKE_AWS_QUERY='thingName:*'

# score FLEET.csv TRUTH.csv: "things right wrong-and-certain missing"
score() {
  sqlite3 :memory: -cmd ".import --csv '$1' e" -cmd ".import --csv '$2' t" "
    create table ee as select *, (case when client_id glob '''[=+@-]*'
      then substr(client_id, 2) else client_id end) as cid from e;
    select count(*) || ' ' || sum(ee.status = t.status) || ' ' ||
      sum(ee.status != t.status and ee.flags not like '%uncertain%') || ' ' ||
      (select count(*) from t where t.client_id not in (select cid from ee))
    from ee join t on t.client_id = ee.cid"
}

# ---- acceptance: baseline for the first K events, events after ----
for run in "300 40000 20000 21" "1200 80000 30000 22" "100 20000 15000 23"; do
  set -- $run
  d=$tmp/fleet-$4
  mkdir -p "$d"
  "$thingtop" simulate --things "$1" --events "$2" --seed "$4" --quirks $quirks \
    --ndjson "$d/events.ndjson" --truth "$d/truth.csv" >/dev/null 2>&1
  "$thingtop" simulate --things "$1" --events "$3" --seed "$4" --quirks $quirks \
    --ndjson "$d/cut.ndjson" --truth "$d/truth-cut.csv" >/dev/null 2>&1
  python3 "$make_baseline" "$d/events.ndjson" "$3" "$d/truth-cut.csv" "$d/bl" --spares 7 >/dev/null
  { cat "$d/bl/spares.csv"; tail -n +2 "$d/truth.csv"; } >"$d/truth-all.csv"
  # From the saved pages, and from the fake aws.
  "$thingtop" sync -q -j "$d/files.db" "$d/bl/search-index.json" 2>"$d/sync.err"
  check_eq "seed $4: sync from a file exits 0" "$?" 0
  : >"$FAKE_AWS_LOG"
  PATH=$bin:$PATH FAKE_AWS_PAGES=$d/bl "$thingtop" sync -q -j "$d/cli.db" 2>"$d/cli.err"
  check_eq "seed $4: sync through aws exits 0" "$?" 0
  pages=$(ls "$d/bl"/page-*.json | wc -l)
  check_eq "seed $4: every page asked for" "$(wc -l <"$FAKE_AWS_LOG")" "$pages"
  check "seed $4: the last page with its token" grep -q -- "--next-token token-$pages\$" "$FAKE_AWS_LOG"
  for db in files cli; do
    "$thingtop" import -q -j "$d/$db.db" "$d/bl/rest.ndjson" 2>/dev/null
    "$thingtop" export -j "$d/$db.db" -o "$d/$db.csv"
    read -r total right wrong missing < <(score "$d/$db.csv" "$d/truth-all.csv")
    echo "things=$1 cut=$3 seed=$4 $db: $right of $total right, $wrong wrong and certain, $missing missing"
    check_eq "seed $4 $db: every status equals the truth" "$right" "$total"
    check_eq "seed $4 $db: no thing missing" "$missing" 0
    check_eq "seed $4 $db: spares never connected" \
      "$(grep -c '^unknown,spare-[0-9]*,,NEVER_CONNECTED,' "$d/$db.csv")" 7
  done
  # Registry columns on the big fleet: the spares are sensors in site lyon
  # or porto or berlin (tests/baseline_from_truth.py), sorted by attribute.
  n=$("$thingtop" export -j "$d/files.db" --filter 'client_id~^spare- groups~plant-' \
      --sort attr.site,client_id --columns client_id,attr.site | tail -n +2 | wc -l)
  check_eq "seed $4: spares found by their groups" "$n" 7
  first=$("$thingtop" export -j "$d/files.db" --filter 'client_id~^spare-' --sort attr.site \
      --columns attr.site | sed -n 2p)
  check_eq "seed $4: sorted by attr.site" "$first" berlin
  # The same fleet rebuilt from the rows alone (no snapshot) is the same.
  "$thingtop" journal check -j "$d/files.db" >"$d/check.out" 2>&1
  check "seed $4: journal check (replay equals snapshot)" grep -q "journal ok" "$d/check.out"
done

# ---- the CLI's arguments: profile, region, config extras, query ----
d=$tmp/args
mkdir -p "$d/pages"
printf '{"things": [{"thingName": "a", "connectivity": {"connected": true, "timestamp": 1767225600000}}], "nextToken": "token-2"}\n' >"$d/pages/page-1.json"
printf '{"things": [{"thingName": "b", "connectivity": {"connected": false}}], "thingGroups": []}\n' >"$d/pages/page-2.json"
cat >"$d/conf" <<'CONF'
aws: {
  profile = "from-config";
  region = "eu-west-1";
  cli_args = [ "--endpoint-url", "http://localhost:4566" ];
};
CONF
: >"$FAKE_AWS_LOG"
PATH=$bin:$PATH FAKE_AWS_PAGES=$d/pages FAKE_AWS_WANT="--endpoint-url http://localhost:4566" \
  "$thingtop" sync -c "$d/conf" -j "$d/j.db" 2>"$d/err"
check_eq "config extras: exit 0" "$?" 0
check "config profile and region passed" grep -q -- "--profile from-config --region eu-west-1" "$FAKE_AWS_LOG"
check "summary" grep -q "synced 2 things: 1 connected, 0 disconnected, 1 never connected" "$d/err"
: >"$FAKE_AWS_LOG"
PATH=$bin:$PATH FAKE_AWS_PAGES=$d/pages FAKE_AWS_QUERY='connectivity.connected:true' \
  "$thingtop" sync -c "$d/conf" -j "$d/j2.db" --profile p2 --region us-east-1 \
  --query 'connectivity.connected:true' 2>/dev/null
check_eq "flags: exit 0" "$?" 0
check "flags win over the config" grep -q -- "--profile p2 --region us-east-1" "$FAKE_AWS_LOG"
PATH=$bin:$PATH FAKE_AWS_PAGES=$d/pages FAKE_AWS_FAIL=1 "$thingtop" sync -j "$d/j3.db" 2>"$d/err3"
check_eq "aws failing: exit 1" "$?" 1
check "aws failing: its message shown" grep -q "AccessDeniedException" "$d/err3"
check "aws failing: said so" grep -q "search-index failed (exit status 254" "$d/err3"
PATH=/nonexistent "$thingtop" sync -j "$d/j4.db" 2>"$d/err4"
check_eq "no aws: exit 1" "$?" 1
check_eq "no aws: one line" "$(wc -l <"$d/err4")" 1
check "no aws: says how to install it or pass files" grep -q "apt install awscli.*FILE" "$d/err4"
check "no aws: no journal made" test ! -e "$d/j4.db"

# ---- saved outputs: connectivity data, one page a line, stdin, rejects ----
cat >"$d/mixed.json" <<'MIXED'
{"thingName": "press-7", "connected": false, "timestamp": 1767225547954, "disconnectReason": "CONNECTION_LOST"}
{"things": [{"thingName": "x", "thingTypeName": "robot", "attributes": {"site": "lyon"}}, {"thingName": 5}, {"thingName": "y", "connectivity": {"connected": "yes"}}, {"thingName": "z", "connectivity": {"connected": true, "timestamp": 99}}]}
{"unrelated": true}
MIXED
"$thingtop" sync -j "$d/m.db" - <"$d/mixed.json" 2>"$d/merr"
check_eq "mixed: exit 0 (rejects are journaled)" "$?" 0
check "mixed: summary" grep -q "synced 6 things: 0 connected, 1 disconnected, 0 never connected, 1 without connectivity, 4 rejected" "$d/merr"
check "mistyped thingName named" grep -q 'rejected (mistyped_field): line 2: thing 3: field "thingName" is not a string' "$d/merr"
check "mistyped connected named" grep -q 'line 2: thing 4: field "connected" is not true or false' "$d/merr"
check "old timestamp rejected" grep -q 'rejected (implausible_timestamp)' "$d/merr"
check "unknown document named" grep -q 'line 3: neither a search-index page' "$d/merr"
"$thingtop" export -j "$d/m.db" -o "$d/m.csv"
check "connectivity data: disconnected with its reason" grep -q '^disconnected,press-7,2025-12-31T23:59:07.954Z,CONNECTION_LOST,' "$d/m.csv"
check "registry only: unknown, no reason" grep -q '^unknown,x,,,' "$d/m.csv"
# The payload as the journal gives it back (rows store it compactly).
payload_of_thing() { # payload_of_thing JOURNAL CLIENT_ID: its messages' exact payloads
  "$thingtop" journal dump -j "$1" | python3 -c '
import json, sys
for line in sys.stdin:
    e = json.loads(line)
    p = e.get("payload")
    if isinstance(p, dict) and p.get("thingName", p.get("clientId")) == sys.argv[1]:
        print(json.dumps(p, separators=(",", ":"), ensure_ascii=False))' "$2"
}
check_eq "raw JSON kept" "$(payload_of_thing "$d/m.db" x)" \
  '{"thingName":"x","thingTypeName":"robot","attributes":{"site":"lyon"}}'
# Registry columns in the filter, the sort and the export.
check_eq "export --columns with a registry filter" \
  "$("$thingtop" export -j "$d/m.db" --filter 'attr.site:lyon thing_type:robot' --columns client_id,thing_type,groups,attr.site)" \
  "$(printf 'client_id,thing_type,groups,attr.site\nx,robot,,lyon')"
check_eq "default columns unchanged" "$(head -1 "$d/m.csv")" \
  "status,client_id,since,last_reason,ip,version,session_id,sessions,disconnects,duplicates,connect_failures,flags,since_received"
"$thingtop" export -j "$d/m.db" --columns client_id,attr.site,nope >/dev/null 2>"$d/colerr"
check_eq "bad column: usage error" "$?" 2
check "bad column named" grep -q "entry 3: unknown column \"nope\"" "$d/colerr"
# Without snapshots the registry comes back from the rows' raw JSON.
sqlite3 "$d/m.db" "delete from snapshots"
check_eq "registry rebuilt from the rows" \
  "$("$thingtop" export -j "$d/m.db" --filter attr.site:lyon --columns client_id,thing_type)" \
  "$(printf 'client_id,thing_type\nx,robot')"
check_eq "baseline rows have their own type" "$(sqlite3 "$d/m.db" "select count(*) from events where type = 7")" 2
printf '{"things": [{"thingName": "q", "connectivity": {"connected": true}}' >"$d/cut.json"
"$thingtop" sync -j "$d/c.db" "$d/cut.json" 2>"$d/cerr"
check_eq "cut file: exit 1" "$?" 1
check "cut file: line and column" grep -Eq 'cut.json: line 1 column [0-9]+: bad JSON' "$d/cerr"
finish
