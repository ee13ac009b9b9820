#!/usr/bin/env python3
"""A small MQTT 3.1.1 broker for the test suite, for what Debian 12's
mosquitto cannot play:
- it grants every SUBSCRIBE (its ACLs only filter deliveries), so it never
  answers SUBACK 0x80 the way AWS IoT does when a policy lacks iot:Subscribe
  (here: --refuse FILTER);
- it never delivers a topic that starts with '$' to a shared subscription
  ($share/GROUP/$aws/...), which AWS does.

It speaks what thingtop, its simulator and mosquitto_pub use: CONNECT/
CONNACK (session present for a known client id with clean session off),
SUBSCRIBE/SUBACK, PUBLISH QoS 0 and 1 both ways with PUBACK, persistent
sessions (QoS 1 messages for an absent client are queued, unacknowledged
ones sent again on its return), $share/GROUP/FILTER with each message
handed to one member of the group in turn, PINGREQ/PINGRESP, DISCONNECT.
One process, asyncio, loopback only; it stops on SIGTERM.

usage: stub_broker.py PORT [--refuse FILTER]...
"""
import argparse
import asyncio
import signal
import struct
import sys


def encode_length(n):
    out = bytearray()
    while True:
        byte = n % 128
        n //= 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def packet(kind, body):
    return bytes([kind]) + encode_length(len(body)) + body


def utf8(data, at):
    n = struct.unpack_from(">H", data, at)[0]
    return data[at + 2:at + 2 + n].decode("utf-8", "replace"), at + 2 + n


def matches(pattern, topic):
    if topic.startswith("$") and pattern[:1] in ("+", "#"):
        return False
    p, t = pattern.split("/"), topic.split("/")
    for i, level in enumerate(p):
        if level == "#":
            return True
        if i >= len(t) or (level != "+" and level != t[i]):
            return False
    return len(p) == len(t)


class Session:
    def __init__(self):
        self.filters = {}       # filter -> granted QoS (shared ones under their $share name)
        self.writer = None      # None while the client is away
        self.next_mid = 1
        self.inflight = {}      # mid -> (topic, payload): sent at QoS 1, not acknowledged
        self.queue = []         # (topic, payload, qos) waiting for the client

    def send(self, topic, payload, qos):
        if self.writer is None:
            if qos:
                self.queue.append((topic, payload, qos))
            return
        name = topic.encode()
        if qos:
            mid = self.next_mid
            self.next_mid = mid % 65535 + 1
            self.inflight[mid] = (topic, payload)
            body = struct.pack(">H", len(name)) + name + struct.pack(">H", mid) + payload
            self.writer.write(packet(0x32, body))
        else:
            self.writer.write(packet(0x30, struct.pack(">H", len(name)) + name + payload))

    def resume(self, writer):
        self.writer = writer
        pending, self.inflight = list(self.inflight.values()), {}
        queued, self.queue = self.queue, []
        for topic, payload in pending:
            self.send(topic, payload, 1)
        for topic, payload, qos in queued:
            self.send(topic, payload, qos)


class Broker:
    def __init__(self, refuse):
        self.refuse = set(refuse)
        self.sessions = {}      # client id -> Session
        self.turn = {}          # shared filter -> next member index

    async def handle(self, reader, writer):
        client = None
        try:
            while True:
                head = await reader.readexactly(1)
                length, mult = 0, 1
                while True:
                    b = (await reader.readexactly(1))[0]
                    length += (b & 127) * mult
                    mult *= 128
                    if not b & 128:
                        break
                body = await reader.readexactly(length)
                kind = head[0] >> 4
                if kind == 1:                               # CONNECT
                    at = 2 + struct.unpack_from(">H", body, 0)[0]
                    flags = body[at + 1]
                    client, _ = utf8(body, at + 4)
                    clean = bool(flags & 2)
                    present = not clean and client in self.sessions
                    if not present:
                        self.sessions[client] = Session()
                    session = self.sessions[client]
                    print(f"connect {client} session_present={int(present)}", file=sys.stderr, flush=True)
                    writer.write(packet(0x20, bytes([1 if present else 0, 0])))
                    session.resume(writer)
                elif kind == 8:                             # SUBSCRIBE
                    mid = body[:2]
                    at, codes = 2, bytearray()
                    while at < len(body):
                        topic, at = utf8(body, at)
                        qos = min(body[at], 1)
                        at += 1
                        if topic in self.refuse:
                            codes.append(0x80)
                        else:
                            self.sessions[client].filters[topic] = qos
                            codes.append(qos)
                    writer.write(packet(0x90, mid + bytes(codes)))
                elif kind == 3:                             # PUBLISH
                    qos = (head[0] >> 1) & 3
                    topic, at = utf8(body, 0)
                    if qos:
                        writer.write(packet(0x40, body[at:at + 2]))
                        at += 2
                    self.route(topic, body[at:], qos)
                elif kind == 4:                             # PUBACK
                    self.sessions[client].inflight.pop(struct.unpack_from(">H", body, 0)[0], None)
                elif kind == 12:                            # PINGREQ
                    writer.write(packet(0xD0, b""))
                elif kind == 14:                            # DISCONNECT
                    break
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            session = self.sessions.get(client)
            if session is not None and session.writer is writer:
                session.writer = None
            writer.close()

    def route(self, topic, payload, qos):
        groups = {}             # shared filter -> [(client, session, granted qos)]
        for client, session in self.sessions.items():
            for filt, granted in session.filters.items():
                if filt.startswith("$share/"):
                    real = filt.split("/", 2)[2]
                    if matches(real, topic):
                        groups.setdefault(filt, []).append((client, session, granted))
                elif matches(filt, topic):
                    session.send(topic, payload, min(qos, granted))
        for filt, members in groups.items():
            members.sort(key=lambda m: m[0])
            # Connected members first, in turn; an absent one only when none is here.
            present = [m for m in members if m[1].writer is not None] or members
            i = self.turn.get(filt, 0) % len(present)
            self.turn[filt] = i + 1
            _, session, granted = present[i]
            session.send(topic, payload, min(qos, granted))


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("--refuse", action="append", default=[])
    args = parser.parse_args()
    broker = Broker(args.refuse)
    server = await asyncio.start_server(broker.handle, "127.0.0.1", args.port)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with server:
        await stop.wait()


asyncio.run(main())
