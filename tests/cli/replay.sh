#!/usr/bin/env bash
# thingtop replay, headless (--export): a replay ends with the same export,
# byte for byte, as `thingtop export` of the same journal, and a replay
# stopped --to T equals `thingtop export --at T`.
set -uo pipefail
thingtop=$1 data=$2
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "sqlite3 CLI missing"; exit 77; }

# replay_export NAME JOURNAL ARGS...: the replay's CSV in $tmp/NAME.csv
replay_export() {
  local name=$1 j=$2; shift 2
  "$thingtop" replay "$j" --export "$tmp/$name.csv" "$@" 2>"$tmp/$name.err"
}
same() { cmp -s "$1" "$2"; }

# ---- The hand-written fleet: 10 events, 10 s and more apart ----
j=$tmp/r.db
"$thingtop" import -q -j "$j" "$data/replay.ndjson" 2>/dev/null
"$thingtop" export -j "$j" >"$tmp/live.csv"
replay_export max "$j" --speed max
check_eq "replay exit status" "$?" 0
check "replay at max equals the export, byte for byte" same "$tmp/max.csv" "$tmp/live.csv"
check "the rate goes to stderr" grep -qE '^thingtop replay: 10 events in [0-9.]+ s \([0-9]+ events/s' "$tmp/max.err"
# By hand from replay.ndjson: alpha back (session 2), bravo back, charlie
# and delta gone.
check_eq "final statuses" "$(cut -d, -f1,2 "$tmp/max.csv" | tail -n +2 | tr '\n' ' ')" \
  "connected,alpha-01 connected,bravo-02 disconnected,charlie-03 disconnected,delta-04 "

# --to: the fleet as it stood then. 00:00:45: alpha lost (00:30), bravo,
# charlie and delta (00:40) connected.
replay_export at45 "$j" --speed max --to 2026-01-01T00:00:45Z
check_eq "--to 00:45 statuses" "$(cut -d, -f1,2 "$tmp/at45.csv" | tail -n +2 | tr '\n' ' ')" \
  "connected,bravo-02 connected,charlie-03 connected,delta-04 disconnected,alpha-01 "
# Before the first event, exactly at one, between two, after the last,
# epoch ms: each equals export --at.
for at in 2025-12-31T23:59:00Z 2026-01-01T00:00:00Z 2026-01-01T00:00:30Z 2026-01-01T00:00:45Z \
          2026-01-01T00:01:05.5Z 1767225720000 2026-01-01T00:02:30Z 2026-01-01T00:05:00Z; do
  "$thingtop" export -j "$j" --at "$at" >"$tmp/at.csv"
  replay_export to "$j" --speed max --to "$at"
  check "replay --to $at equals export --at" same "$tmp/to.csv" "$tmp/at.csv"
done
replay_export early "$j" --speed max --to 2025-12-31T23:59:00Z
check_eq "before the first event: empty" "$(wc -l <"$tmp/early.csv")" 1

# Relative --to counts from the journal's last event (00:02:30): -100s is
# 00:00:50, the receive time of bravo's disconnect, which is included.
replay_export rel "$j" --speed max --to -100s
"$thingtop" export -j "$j" --at 2026-01-01T00:00:50Z >"$tmp/at50.csv"
check "relative --to is from the journal's end" same "$tmp/rel.csv" "$tmp/at50.csv"
check "00:00:50 includes bravo's disconnect" grep -q '^disconnected,bravo-02,' "$tmp/rel.csv"

# --from starts with the fleet as it stood then; the end is the same.
replay_export from "$j" --speed max --from 2026-01-01T00:00:35Z --to 2026-01-01T00:01:35Z
"$thingtop" export -j "$j" --at 2026-01-01T00:01:35Z >"$tmp/at95.csv"
check "--from .. --to equals export --at the end" same "$tmp/from.csv" "$tmp/at95.csv"
check_eq "--from .. --to: 4 events replayed" "$(grep -oE '[0-9]+ events in' "$tmp/from.err")" "4 events in"

# Paced: 150 s of recording at 1000x take about 0.15 s, and end the same.
t0=$(date +%s%N)
replay_export paced "$j" --speed 1000
t1=$(date +%s%N)
check "paced replay equals the export" same "$tmp/paced.csv" "$tmp/live.csv"
ms=$(((t1 - t0) / 1000000))
check "paced replay takes the recorded time / speed (took ${ms} ms)" test "$ms" -ge 140

# ---- The hand-written edge cases: rejects, odd ids, escapes ----
j2=$tmp/small.db
"$thingtop" import -q -j "$j2" "$data/small-fleet.ndjson" 2>/dev/null
"$thingtop" export -j "$j2" >"$tmp/small-live.csv"
replay_export small "$j2" --speed max
check "small-fleet replay equals the export" same "$tmp/small.csv" "$tmp/small-live.csv"

# ---- A simulated fleet: reorder, duplicates, skew, snapshots ----
j3=$tmp/sim.db
"$thingtop" simulate --things 300 --events 20000 --seed 11 --ndjson "$tmp/sim.ndjson" \
  --truth "$tmp/sim.truth" >/dev/null 2>&1
"$thingtop" import -q -j "$j3" "$tmp/sim.ndjson" 2>/dev/null
"$thingtop" export -j "$j3" >"$tmp/sim-live.csv"
replay_export sim "$j3" --speed max
check "simulated replay equals the export" same "$tmp/sim.csv" "$tmp/sim-live.csv"
check_eq "every row replayed" "$(grep -oE '^thingtop replay: [0-9]+' "$tmp/sim.err" | grep -oE '[0-9]+$')" \
  "$(sqlite3 "$j3" 'select count(*) from events')"
# Receive times of a few rows, and a millisecond either side.
for seq in 1 777 5000 12345 19999; do
  r=$(sqlite3 "$j3" "select received_ms from events where seq = $seq")
  for at in $((r - 1)) "$r" $((r + 1)); do
    "$thingtop" export -j "$j3" --at "$at" >"$tmp/at.csv"
    replay_export to "$j3" --speed max --to "$at"
    check "simulated: replay --to $at (seq $seq) equals export --at" same "$tmp/to.csv" "$tmp/at.csv"
  done
done
mid=$(sqlite3 "$j3" "select received_ms from events where seq = 8000")
end=$(sqlite3 "$j3" "select received_ms from events where seq = 16000")
replay_export fromto "$j3" --speed max --from "$mid" --to "$end"
"$thingtop" export -j "$j3" --at "$end" >"$tmp/at.csv"
check "simulated: --from (via a snapshot) .. --to equals export --at" same "$tmp/fromto.csv" "$tmp/at.csv"
# The filter and sort shape the export as they do for export.
replay_export filtered "$j3" --speed max --filter status:disconnected --sort -sessions,client_id
"$thingtop" export -j "$j3" --filter status:disconnected --sort -sessions,client_id >"$tmp/f.csv"
check "--filter/--sort: equal to export's" same "$tmp/filtered.csv" "$tmp/f.csv"

# ---- Usage errors ----
"$thingtop" replay "$j" --export "$tmp/x.csv" --speed 0 2>/dev/null
check_eq "--speed 0 is a usage error" "$?" 2
"$thingtop" replay "$j" --export "$tmp/x.csv" --to yesterday-ish 2>/dev/null
check_eq "a --to that is no time is a usage error" "$?" 2
"$thingtop" replay "$j" --export "$tmp/x.csv" --from 2026-01-01T00:02Z --to 2026-01-01T00:01Z 2>/dev/null
check_eq "--to before --from is a usage error" "$?" 2
"$thingtop" replay "$tmp/missing.db" --export "$tmp/x.csv" 2>/dev/null
check_eq "a missing journal fails" "$?" 1
check "a missing journal is not created" test ! -e "$tmp/missing.db"
"$thingtop" replay 2>/dev/null
check_eq "no journal named is a usage error" "$?" 2

finish
