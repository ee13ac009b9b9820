#!/usr/bin/env python3
"""Publishes AWS IoT lifecycle events to a local broker, exactly as given,
for tests that need precise sequences (the simulator's are random).

usage: lifecycle_pub.py PORT < lines
Each input line: EVENT CLIENT_ID SESSION VERSION [REASON]
  EVENT is connected or disconnected. A minimal MQTT 3.1.1 client (QoS 0)
  over a plain socket: the test machine has no MQTT library for Python."""
import json
import socket
import sys
import time


def packet(kind, body):
    n, length = len(body), b""
    while True:
        byte, n = n % 128, n // 128
        length += bytes([byte | (0x80 if n else 0)])
        if not n:
            return bytes([kind]) + length + body


def utf8(s):
    b = s.encode()
    return len(b).to_bytes(2, "big") + b


def main():
    port = int(sys.argv[1])
    sock = socket.create_connection(("127.0.0.1", port))
    client = "lifecycle-pub-%d" % time.time_ns()
    sock.sendall(packet(0x10, utf8("MQTT") + bytes([4, 2]) + (60).to_bytes(2, "big") + utf8(client)))
    ack = sock.recv(4)
    if len(ack) < 4 or ack[0] != 0x20 or ack[3] != 0:
        sys.exit("no CONNACK")
    out = bytearray()
    for line in sys.stdin:
        parts = line.split()
        if not parts:
            continue
        event, cid, session, version = parts[0], parts[1], parts[2], int(parts[3])
        payload = {"clientId": cid, "timestamp": int(time.time() * 1000), "eventType": event,
                   "sessionIdentifier": session, "principalId": "p", "versionNumber": version}
        if event == "disconnected":
            payload["clientInitiatedDisconnect"] = False
            payload["disconnectReason"] = parts[4] if len(parts) > 4 else "CONNECTION_LOST"
        else:
            payload["ipAddress"] = "192.0.2.1"
        topic = "$aws/events/presence/%s/%s" % (event, cid)
        out += packet(0x30, utf8(topic) + json.dumps(payload).encode())
        if len(out) > 65536:
            sock.sendall(out)
            out.clear()
    sock.sendall(out + packet(0xE0, b""))
    sock.close()


main()
