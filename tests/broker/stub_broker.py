#!/usr/bin/env python3
"""A small MQTT 3.1.1 broker for the test suite, where mosquitto cannot
play the part: Debian 12's mosquitto grants every SUBSCRIBE (its ACLs only
filter deliveries), so it never answers SUBACK 0x80 the way AWS IoT does
when a policy lacks iot:Subscribe.

It speaks what thingtop and mosquitto_pub use: CONNECT/CONNACK (session
present for a known client id with clean session off), SUBSCRIBE/SUBACK
(0x80 for filters given with --refuse), PUBLISH QoS 0 and 1 with PUBACK,
routing to matching subscribers (+ and #, no $-topic under a leading
wildcard), PINGREQ/PINGRESP, DISCONNECT. One process, asyncio, loopback
only; it stops on SIGTERM.

usage: stub_broker.py PORT [--refuse FILTER]...
"""
import argparse
import asyncio
import signal
import struct


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


class Broker:
    def __init__(self, refuse):
        self.refuse = set(refuse)
        self.sessions = {}      # client id -> set of granted filters (kept when clean session is off)
        self.clients = {}       # client id -> writer

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
                    if clean or client not in self.sessions:
                        self.sessions[client] = set()
                    self.clients[client] = writer
                    writer.write(packet(0x20, bytes([1 if present else 0, 0])))
                elif kind == 8:                             # SUBSCRIBE
                    mid = body[:2]
                    at, codes = 2, bytearray()
                    while at < len(body):
                        topic, at = utf8(body, at)
                        qos = body[at]
                        at += 1
                        if topic in self.refuse:
                            codes.append(0x80)
                        else:
                            self.sessions[client].add(topic)
                            codes.append(min(qos, 1))
                    writer.write(packet(0x90, mid + bytes(codes)))
                elif kind == 3:                             # PUBLISH
                    qos = (head[0] >> 1) & 3
                    topic, at = utf8(body, 0)
                    if qos:
                        writer.write(packet(0x40, body[at:at + 2]))
                        at += 2
                    self.route(topic, body[at:])
                elif kind == 12:                            # PINGREQ
                    writer.write(packet(0xD0, b""))
                elif kind == 14:                            # DISCONNECT
                    break
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            if client is not None and self.clients.get(client) is writer:
                del self.clients[client]
            writer.close()

    def route(self, topic, payload):
        name = topic.encode()
        for client, writer in list(self.clients.items()):
            if any(matches(f, topic) for f in self.sessions.get(client, ())):
                writer.write(packet(0x30, struct.pack(">H", len(name)) + name + payload))


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
