#!/usr/bin/env python3
"""Turns simulator NDJSON (envelopes with topic and payload) into what the
seed article's DynamoDB table would hold, in shuffled "partition" order:

  dynamodb_export.py IN.ndjson OUTDIR [--seed N] [--page N] [--export-only]

writes OUTDIR/scan.json (scan pages, pretty-printed, with NextToken),
OUTDIR/scan-lines.json (one page a line), OUTDIR/export.json (one
{"Item": ...} a line) and OUTDIR/export.json.gz. The rule is
SELECT * as event, timestamp, version, topic(4) as eventType,
topic(5) as clientId FROM '$aws/events/presence/+/+': only presence topics,
and items keyed by (clientId, timestamp) keep the last write."""
import decimal
import gzip
import json
import os
import random
import sys


def typed(v):
    if isinstance(v, bool):
        return {"BOOL": v}
    if v is None:
        return {"NULL": True}
    if isinstance(v, (int, decimal.Decimal)):
        return {"N": str(v)}
    if isinstance(v, str):
        return {"S": v}
    if isinstance(v, list):
        return {"L": [typed(x) for x in v]}
    return {"M": {k: typed(x) for k, x in v.items()}}


def items_of(path):
    table = {}
    with open(path, "rb") as f:
        for raw in f:
            try:
                env = json.loads(raw, parse_float=decimal.Decimal)
            except ValueError:
                continue
            topic, payload = env.get("topic"), env.get("payload")
            if isinstance(payload, str):
                try:
                    payload = json.loads(payload, parse_float=decimal.Decimal)
                except ValueError:
                    continue
            if not isinstance(topic, str) or not isinstance(payload, dict):
                continue
            parts = topic.split("/")
            if len(parts) != 5 or parts[:3] != ["$aws", "events", "presence"]:
                continue
            item = {"event": typed(payload), "eventType": {"S": parts[3]},
                    "clientId": {"S": parts[4]}}
            if "timestamp" in payload:
                item["timestamp"] = typed(payload["timestamp"])
            if "version" in payload:
                item["version"] = typed(payload["version"])
            table[(parts[4], str(payload.get("timestamp")))] = item
    return list(table.values())


def main():
    args = sys.argv[1:]
    seed, page = 1, 100
    export_only = "--export-only" in args
    if export_only:
        args.remove("--export-only")
    if "--seed" in args:
        i = args.index("--seed"); seed = int(args[i + 1]); del args[i:i + 2]
    if "--page" in args:
        i = args.index("--page"); page = int(args[i + 1]); del args[i:i + 2]
    src, out = args
    items = items_of(src)
    random.Random(seed).shuffle(items)
    os.makedirs(out, exist_ok=True)
    pages = []
    for n, start in enumerate(range(0, len(items), page)):
        chunk = items[start:start + page]
        p = {"Items": chunk, "Count": len(chunk), "ScannedCount": len(chunk)}
        if start + page < len(items):
            p["NextToken"] = "token-%d" % (n + 1)
        pages.append(p)
    if not export_only:
        with open(os.path.join(out, "scan.json"), "w") as f:
            for p in pages:
                f.write(json.dumps(p, indent=4, ensure_ascii=False) + "\n")
        with open(os.path.join(out, "scan-lines.json"), "w") as f:
            for p in pages:
                f.write(json.dumps(p, ensure_ascii=False) + "\n")
    lines = "".join(json.dumps({"Item": it}, ensure_ascii=False) + "\n" for it in items)
    with open(os.path.join(out, "export.json"), "w") as f:
        f.write(lines)
    with gzip.open(os.path.join(out, "export.json.gz"), "wt") as f:
        f.write(lines)
    print(len(items))


if __name__ == "__main__":
    main()
