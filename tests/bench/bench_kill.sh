#!/bin/bash
# Loss per SIGKILL of `record` while a simulated fleet publishes at QoS 1:
# five kills with restarts at ~20,000 messages/s, then at 100 messages/s
# (AWS's per-connection rate). Prints the figures (goal: at most 50 per
# kill at 20k/s, none at 100/s); the fault suite's stops.sh does the work.
# usage: bench_kill.sh THINGTOP
HERE=$(cd "$(dirname "$0")" && pwd)
for rate in 20000 100; do
	RATE=$rate SIGS="KILL KILL KILL KILL KILL" bash "$HERE/../faults/stops.sh" "$1" 2>&1 |
		grep -E "^(published|loss per|FAIL)"
done
