#!/usr/bin/env python3
"""Makes a fleet's first hours into an AWS fleet-index baseline:

  baseline_from_truth.py EVENTS.ndjson K TRUTH_K.csv OUTDIR [--page N] [--spares N]

EVENTS.ndjson is a simulator's output and TRUTH_K.csv the simulator's truth
after its first K events (the same seed with --events K). Writes
  OUTDIR/search-index.json   pretty-printed search-index pages (nextToken)
  OUTDIR/page-1.json ...     the same pages one a file (for a fake aws)
  OUTDIR/rest.ndjson         the events after the first K lines
  OUTDIR/spares.csv          registered things that never connect (truth: unknown)
A thing's connectivity is its truth at the cut; its timestamp is the
newest connect/disconnect timestamp of its first K lines (what AWS last
processed), its disconnectReason that of its newest disconnect."""
import csv
import json
import os
import sys


def main():
    args = sys.argv[1:]
    page, spares = 100, 0
    if "--page" in args:
        i = args.index("--page"); page = int(args[i + 1]); del args[i:i + 2]
    if "--spares" in args:
        i = args.index("--spares"); spares = int(args[i + 1]); del args[i:i + 2]
    events, k, truth, out = args[0], int(args[1]), args[2], args[3]
    os.makedirs(out, exist_ok=True)
    newest, reason = {}, {}
    with open(events, "rb") as f, open(os.path.join(out, "rest.ndjson"), "wb") as rest:
        for n, raw in enumerate(f):
            if n >= k:
                rest.write(raw)
                continue
            try:
                env = json.loads(raw)
            except ValueError:
                continue
            p = env.get("payload") if isinstance(env, dict) else None
            if not isinstance(p, dict) or p.get("eventType") not in ("connected", "disconnected"):
                continue
            cid, ts = p.get("clientId"), p.get("timestamp")
            if not isinstance(cid, str) or not isinstance(ts, int):
                continue
            if ts >= newest.get(cid, 0):
                newest[cid] = ts
            if p["eventType"] == "disconnected" and ts >= reason.get(cid, (0, ""))[0]:
                reason[cid] = (ts, p.get("disconnectReason", ""))
    things = []
    with open(truth, newline="", encoding="utf-8", errors="surrogateescape") as f:
        for row in csv.DictReader(f):
            things.append((row["client_id"], row["status"]))
    for i in range(spares):
        things.append(("spare-%04d" % i, "never"))
    with open(os.path.join(out, "spares.csv"), "w") as f:
        f.write("client_id,status\n")
        for i in range(spares):
            f.write("spare-%04d,unknown\n" % i)
    docs = []
    for n, (cid, status) in enumerate(things):
        t = {"thingName": cid, "thingId": "id-%d" % n,
             "thingTypeName": ("press", "robot", "sensor")[n % 3],
             "thingGroupNames": ["plant-%d" % (n % 4), "line-%d" % (n % 7)],
             "attributes": {"site": ("berlin", "lyon", "porto")[n % 3], "fw": "4.%d" % (n % 5)}}
        if status == "connected":
            t["connectivity"] = {"connected": True, "timestamp": newest.get(cid, 0),
                                 "disconnectReason": "NONE"}
        elif status == "disconnected" and cid in newest:
            t["connectivity"] = {"connected": False, "timestamp": newest[cid],
                                 "disconnectReason": reason.get(cid, (0, "UNKNOWN"))[1]}
        else:
            t["connectivity"] = {"connected": False}
        docs.append(t)
    pages = [docs[i:i + page] for i in range(0, len(docs), page)] or [[]]
    with open(os.path.join(out, "search-index.json"), "w", encoding="utf-8",
              errors="surrogateescape") as whole:
        for i, chunk in enumerate(pages):
            body = {"things": chunk, "thingGroups": []}
            if i + 1 < len(pages):
                body["nextToken"] = "token-%d" % (i + 2)
            text = json.dumps(body, indent=2, ensure_ascii=False)
            whole.write(text + "\n")
            with open(os.path.join(out, "page-%d.json" % (i + 1)), "w", encoding="utf-8",
                      errors="surrogateescape") as f:
                f.write(text + "\n")
    print(len(docs), len(pages))


if __name__ == "__main__":
    main()
