#!/usr/bin/env python3
"""Hostile load against `dapper agent` on loopback, bounded in count and time.

Phases, each against a fresh agent (`--output none`):
  udp       DATAGRAMS/2 datagrams over UDP: valid spans, mutated spans, random bytes;
  unixgram  DATAGRAMS/2 datagrams over a unix datagram socket (blocking sends: none lost),
            the same mix plus some datagrams over the 64 KiB span limit;
  tcp       CONNECTIONS connections held open at once (against the default cap of 256),
            some sending valid and broken frames, then all closed.
For each phase: the agent's VmRSS before, at its highest during, and after; whether it stayed
up; its summary line; and the accounting check. For datagrams,
received + skipped + dropped by the kernel (the socket's `drops` in /proc/net/udp) = sent.
For TCP, served + refused = opened.

Usage: hostile_load.py DAPPER_EXECUTABLE [--datagrams N] [--connections N]
"""
import argparse
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

DEADLINE_SECONDS = 900  # the whole run; every loop below is bounded in count as well


def varint(value):
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def field_varint(number, value):
    return varint(number << 3) + varint(value)


def field_bytes(number, data):
    return varint((number << 3) | 2) + varint(len(data)) + data


def valid_span(index):
    """A minimal span.proto Span (version 1), encoded by hand."""
    timestamp = field_varint(1, 1_700_000_000 + index % 1000) + field_varint(2, index % 1_000_000_000)
    duration = field_varint(2, 1000 + index % 100_000)
    tag = field_bytes(1, b"span.kind") + field_bytes(3, b"server")
    return (field_bytes(1, b"hostile-load") + field_bytes(2, b"GET /item/%d" % index)
            + field_varint(4, index + 1) + field_varint(5, index + 1_000_000)
            + field_bytes(11, tag) + field_bytes(20, timestamp) + field_bytes(21, duration)
            + field_varint(99, 1))


def mutated(data, rng):
    data = bytearray(data)
    kind = rng.randrange(4)
    if kind == 0:  # flip bytes
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] = rng.randrange(256)
    elif kind == 1:  # cut short
        data = data[:rng.randrange(len(data))]
    elif kind == 2:  # junk appended
        data += bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
    else:  # a huge length for the first field
        data = bytearray(b"\x0a\xff\xff\xff\x7f") + data
    return bytes(data)


def datagram(index, rng, allow_oversize):
    roll = rng.random()
    if roll < 0.4:
        return valid_span(index)
    if roll < 0.7:
        return mutated(valid_span(index), rng)
    if allow_oversize and roll > 0.9995:
        return rng.randbytes(70_000)
    return rng.randbytes(rng.randrange(0, 512))


def vmrss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def cpu_seconds(pid):
    """User plus system CPU time of the process so far."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0


def udp_drops(port):
    """The kernel's drop counter of the UDP socket bound to 127.0.0.1:port."""
    local = "0100007F:%04X" % port
    with open("/proc/net/udp") as table:
        for line in table.readlines()[1:]:
            fields = line.split()
            if fields[1] == local:
                return int(fields[-1])
    return None


class Agent:
    def __init__(self, dapper, listen, extra=()):
        self.log = tempfile.TemporaryFile()
        environment = dict(os.environ, DAPPER_EXIT_WITH_PARENT="1")
        self.process = subprocess.Popen([dapper, "agent", "--listen", listen, "--output", "none", *extra],
                                        stdout=subprocess.DEVNULL, stderr=self.log, env=environment)
        self.pid = self.process.pid
        deadline = time.monotonic() + 30
        while b"listening on" not in self.text().encode() and time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit("agent exited: " + self.text())
            time.sleep(0.02)
        self.peak = 0

    def text(self):
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def sample(self):
        rss = vmrss_kib(self.pid)
        if rss:
            self.peak = max(self.peak, rss)
        return rss

    def alive(self):
        return self.process.poll() is None

    def stop(self):
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return self.text()


def summary_numbers(text):
    received = int(re.search(r"received (\d+) spans", text).group(1))
    skipped = int(re.search(r"skipped (\d+) packets", text).group(1))
    return received, skipped


def datagram_phase(dapper, network, count, seed, started):
    rng = random.Random(seed)
    directory = tempfile.mkdtemp(prefix="dapper-hostile-")
    if network == "udp":
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        agent = Agent(dapper, f"udp://127.0.0.1:{port}")
        sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sender.connect(("127.0.0.1", port))
        drops_before = udp_drops(port)
    else:
        path = os.path.join(directory, "agent.sock")
        agent = Agent(dapper, "unixgram://" + path)
        sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sender.connect(path)
    sender.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    before = agent.sample()
    sent = 0
    send_errors = 0
    kinds_started = time.monotonic()
    for index in range(count):
        if time.monotonic() - started > DEADLINE_SECONDS:
            break
        data = datagram(index, rng, allow_oversize=network == "unixgram")
        try:
            sender.send(data)
            sent += 1
        except OSError:
            send_errors += 1  # refused by the local stack (ENOBUFS): never reached the agent
        if index % 50_000 == 0:
            agent.sample()
    elapsed = time.monotonic() - kinds_started
    time.sleep(1.5)  # let the agent drain its socket
    during = agent.peak
    after = agent.sample()
    drops = (udp_drops(port) - drops_before) if network == "udp" else 0
    up = agent.alive()
    cpu = cpu_seconds(agent.pid)
    text = agent.stop()
    shutil.rmtree(directory, ignore_errors=True)
    received, skipped = summary_numbers(text)
    line = next((l for l in text.splitlines() if "received" in l), "")
    print(f"== {network}: sent {sent} datagrams in {elapsed:.1f} s ({sent / elapsed:,.0f}/s), "
          f"{send_errors} refused by the sender's stack")
    print(f"   agent up throughout: {up}; VmRSS before {before} KiB, peak {during} KiB, after {after} KiB; "
          f"CPU {cpu:.1f} s")
    print(f"   summary: {line.strip()}")
    print(f"   received {received} + skipped {skipped} + kernel drops {drops} = {received + skipped + drops} "
          f"(sent {sent}): {'OK' if received + skipped + drops == sent else 'MISMATCH'}")
    return up and received + skipped + drops == sent


def tcp_phase(dapper, connections, seed, started):
    rng = random.Random(seed)
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    agent = Agent(dapper, f"tcp://127.0.0.1:{port}")
    before = agent.sample()
    held = []
    refused_seen = 0
    opened = 0
    for index in range(connections):
        if time.monotonic() - started > DEADLINE_SECONDS:
            break
        connection = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        connection.settimeout(10)
        connection.connect(("127.0.0.1", port))
        opened += 1
        held.append(connection)
        if index % 200 == 0:
            agent.sample()
    time.sleep(1)
    # Some held connections send: valid frames, an unfinished frame, garbage lengths.
    for index, connection in enumerate(held[:300]):
        try:
            if index % 3 == 0:
                span = valid_span(index)
                connection.send(varint(len(span)) + span)
            elif index % 3 == 1:
                connection.send(varint(60_000) + rng.randbytes(100))  # a frame left unfinished
            else:
                connection.send(b"\xff" * 11)  # not a varint: the stream is unusable
        except OSError:
            pass
    time.sleep(1)
    during_sample = agent.sample()
    # The refused ones were closed by the agent: a read sees the end at once.
    for connection in held:
        connection.setblocking(False)
        try:
            if connection.recv(1) == b"":
                refused_seen += 1
        except BlockingIOError:
            pass
        except OSError:
            refused_seen += 1
    during = max(agent.peak, during_sample or 0)
    for connection in held:
        connection.close()
    time.sleep(1.5)
    after = agent.sample()
    up = agent.alive()
    cpu = cpu_seconds(agent.pid)
    text = agent.stop()
    line = next((l for l in text.splitlines() if "received" in l), "")
    served = int(re.search(r"(\d+) TCP connections", line).group(1)) if "TCP connections" in line else 0
    refused = int(re.search(r"(\d+) refused", line).group(1)) if "refused" in line else 0
    print(f"== tcp: {opened} connections opened and held, {refused_seen} seen closed by the agent while held")
    print(f"   agent up throughout: {up}; VmRSS before {before} KiB, peak {during} KiB, after {after} KiB; "
          f"CPU {cpu:.1f} s")
    print(f"   summary: {line.strip()}")
    print(f"   served {served} + refused {refused} = {served + refused} (opened {opened}): "
          f"{'OK' if served + refused == opened else 'MISMATCH'}")
    return up and served + refused == opened


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dapper")
    parser.add_argument("--datagrams", type=int, default=1_000_000)
    parser.add_argument("--connections", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    arguments = parser.parse_args()
    started = time.monotonic()
    half = arguments.datagrams // 2
    results = [
        datagram_phase(arguments.dapper, "udp", half, arguments.seed, started),
        datagram_phase(arguments.dapper, "unixgram", arguments.datagrams - half, arguments.seed + 1, started),
        tcp_phase(arguments.dapper, arguments.connections, arguments.seed + 2, started),
    ]
    print(f"== total {time.monotonic() - started:.0f} s; {'all accounted for' if all(results) else 'FAILED'}")
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
