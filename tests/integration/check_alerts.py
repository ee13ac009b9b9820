#!/usr/bin/env python3
"""Checks the notifications an alert command received (one JSON file per
run, what the command read on stdin) against Alertmanager's v2 format,
field by field, and lists them for the calling script:
  runs N
  firing CLIENT_ID RULE      (one line per firing alert, per run)
  resolved CLIENT_ID RULE
  storm RULE FIRING_COUNT
Exits 1 with a message on the first malformed alert.

usage: check_alerts.py FILE..."""
import datetime
import json
import re
import sys

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def when(text, where):
    if not isinstance(text, str) or not RFC3339.match(text):
        sys.exit("%s: not an RFC 3339 UTC time: %r" % (where, text))
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def check(alert, where):
    if not isinstance(alert, dict):
        sys.exit("%s: not an object" % where)
    extra = set(alert) - {"labels", "annotations", "startsAt", "endsAt", "generatorURL"}
    if extra:
        sys.exit("%s: fields Alertmanager does not know: %s" % (where, sorted(extra)))
    labels, notes = alert.get("labels"), alert.get("annotations")
    if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
        sys.exit("%s: labels must be an object of strings" % where)
    if not isinstance(notes, dict) or not isinstance(notes.get("summary"), str) or not notes["summary"]:
        sys.exit("%s: annotations.summary missing" % where)
    for key in ("alertname", "client_id"):
        if not labels.get(key):
            sys.exit("%s: label %s missing" % (where, key))
    start = when(alert.get("startsAt"), where + " startsAt")
    if "endsAt" in alert and when(alert["endsAt"], where + " endsAt") < start:
        sys.exit("%s: endsAt before startsAt" % where)
    if labels.get("storm") == "true":
        return "storm"
    if labels.get("status") not in ("connected", "disconnected", "unknown"):
        sys.exit("%s: label status %r" % (where, labels.get("status")))
    if labels["client_id"] not in notes["summary"]:
        sys.exit("%s: summary does not name the thing" % where)
    return "resolved" if "endsAt" in alert else "firing"


def main():
    print("runs %d" % (len(sys.argv) - 1))
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        if not isinstance(doc, list) or not doc:
            sys.exit("%s: not a non-empty JSON array" % path)
        firing = 0
        for i, alert in enumerate(doc):
            kind = check(alert, "%s[%d]" % (path, i))
            labels = alert["labels"]
            if kind == "storm":
                counted = sum(v for k, v in alert["annotations"].items() if k.startswith("count_"))
                print("storm %s %d %d" % (labels["alertname"], firing, counted))
            else:
                firing += kind == "firing"
                print("%s %s %s" % (kind, labels["client_id"], labels["alertname"]))


main()
