"""Helpers for the replication process tests: a TCP proxy the test can cut (a partition), the
peer protocol's framing (to play a garbage speaker and a replayed handshake), and three-node
meshes of `tern serve`."""

from __future__ import annotations

import json
import os
import socket
import struct
import threading
import time

import boto3
from botocore.config import Config

from node_support import NodeProcess, free_port, temporary_directory


class Proxy:
    """Forwards one directed link (a node's dialer to a peer's replication port). `cut()` drops
    every connection and refuses new ones until `heal()`."""

    def __init__(self, upstream_port: int):
        self.upstream_port = upstream_port
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(16)
        self.port = self.server.getsockname()[1]
        self.cut_flag = threading.Event()
        self.lock = threading.Lock()
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            if self.cut_flag.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=2)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, target: socket.socket):
        try:
            while not self.cut_flag.is_set():
                data = source.recv(65536)
                if not data:
                    break
                target.sendall(data)
        except OSError:
            pass
        for s in (source, target):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def cut(self):
        self.cut_flag.set()
        with self.lock:
            for s in self.sockets:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
            self.sockets = []

    def heal(self):
        self.cut_flag.clear()

    def close(self):
        self.cut()
        self.server.close()


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def mask(crc: int) -> int:
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def frame(frame_type: int, payload: bytes, version: int = 1) -> bytes:
    """A peer-protocol frame (docs/formats/replication.md)."""
    body = bytes([version, frame_type]) + payload
    return struct.pack(">I", len(body) + 4) + body + struct.pack(">I", mask(crc32c(body)))


def varint(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def hello(region: str, nonce: bytes, incarnation: int = 1, versions: bytes = b"\x01") -> bytes:
    name = region.encode()
    payload = varint(len(versions)) + versions + varint(len(name)) + name + struct.pack(">Q", incarnation) + varint(len(nonce)) + nonce
    return frame(1, payload)


def exchange(port: int, data: bytes, wait: float = 3.0) -> bytes:
    """Sends `data` to the replication port, returns what came back before the node closed."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as s:
        s.sendall(data)
        received = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                received += chunk
        except OSError:
            pass
        return received


def client(node: NodeProcess):
    return boto3.client(
        "dynamodb", endpoint_url=node.endpoint, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x",
        config=Config(retries={"max_attempts": 8, "mode": "standard"}, connect_timeout=5, read_timeout=30))


def health(node: NodeProcess) -> dict:
    _, body = node.get("/health")
    return json.loads(body)


def wait_for(condition, timeout: float = 60, interval: float = 0.1, message: str = "condition"):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = condition()
            if last:
                return last
        except Exception as error:  # a node restarting answers with errors for a moment
            last = error
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {message} (last: {last})")


class Mesh:
    """Three (or more) `tern serve` regions, every directed replication link through a Proxy."""

    def __init__(self, regions: list[str], secret: bytes = b"the cluster secret of the tests"):
        self.regions = regions
        self.secret_path = os.path.join(temporary_directory("secret-"), "secret")
        with open(self.secret_path, "wb") as f:
            f.write(secret + b"\n")
        self.replication_ports = {r: free_port() for r in regions}
        self.proxies: dict[tuple[str, str], Proxy] = {}
        for source in regions:
            for target in regions:
                if source != target:
                    self.proxies[(source, target)] = Proxy(self.replication_ports[target])
        self.nodes = {r: NodeProcess(None, *self.arguments(r)) for r in regions}

    def arguments(self, region: str) -> list[str]:
        args = ["--region", region, "--replication", f"127.0.0.1:{self.replication_ports[region]}",
                "--secret-file", self.secret_path, "--durability", "synced", "--log-level", "debug"]
        for peer in self.regions:
            if peer != region:
                args += ["--peer", f"{peer}=127.0.0.1:{self.proxies[(region, peer)].port}"]
        return args

    def start(self):
        for node in self.nodes.values():
            node.start()
        return self

    def partition(self, region: str):
        for (source, target), proxy in self.proxies.items():
            if region in (source, target):
                proxy.cut()

    def heal(self):
        for proxy in self.proxies.values():
            proxy.heal()

    def stop(self):
        for node in self.nodes.values():
            try:
                node.stop()
            except Exception:
                pass
        for proxy in self.proxies.values():
            proxy.close()


def scan_all(node: NodeProcess, table: str) -> list:
    dynamo = client(node)
    items, start = [], None
    while True:
        kwargs = {"TableName": table, "ConsistentRead": True}
        if start:
            kwargs["ExclusiveStartKey"] = start
        page = dynamo.scan(**kwargs)
        items += page["Items"]
        start = page.get("LastEvaluatedKey")
        if not start:
            return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
