"""Starting and stopping `tern serve` processes for the node's process-level tests."""

from __future__ import annotations

import atexit
import hashlib
import hmac
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from datetime import datetime, timezone

TERN = os.environ.get("TERN_BIN", "tern")

# Every temporary directory the tests make, removed when the test process ends.
_TEMPORARY = tempfile.mkdtemp(prefix="tern-node-proc-")
atexit.register(shutil.rmtree, _TEMPORARY, True)


def temporary_directory(prefix: str) -> str:
    return tempfile.mkdtemp(prefix=prefix, dir=_TEMPORARY)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NodeProcess:
    """One `tern serve` child on a free loopback port."""

    def __init__(self, data: str | None = None, *args: str, port: int | None = None):
        self.data = data or temporary_directory("data-")
        self.port = port or free_port()
        self.args = list(args)
        self.log_path = os.path.join(temporary_directory("log-"), "node.log")
        self.process: subprocess.Popen | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, wait: bool = True) -> "NodeProcess":
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [TERN, "serve", "--data", self.data, "--http", f"127.0.0.1:{self.port}", *self.args],
            stdout=self.log, stderr=subprocess.STDOUT)
        if wait:
            deadline = time.time() + 60
            while time.time() < deadline:
                assert self.process.poll() is None, f"node exited: {self.output()}"
                try:
                    status, _ = self.get("/health")
                    if status == 200:
                        return self
                except OSError:
                    pass
                time.sleep(0.05)
            raise AssertionError("node did not become healthy")
        return self

    def output(self) -> str:
        with open(self.log_path) as f:
            return f.read()

    def get(self, path: str):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def signal(self, number: int) -> None:
        assert self.process is not None
        self.process.send_signal(number)

    def wait(self, timeout: float = 30) -> int:
        assert self.process is not None
        return self.process.wait(timeout=timeout)

    def stop(self) -> int:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.signal(signal.SIGTERM)
        return self.wait()

    def kill9(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait()


def api(conn: http.client.HTTPConnection, operation: str, body, headers=None, prefix="DynamoDB_20120810"):
    """One API call on an open connection; returns (status, parsed body)."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    all_headers = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": f"{prefix}.{operation}"}
    all_headers.update(headers or {})
    conn.request("POST", "/", body=raw, headers=all_headers)
    response = conn.getresponse()
    data = response.read()
    return response.status, (json.loads(data) if data else None)


def sign(body: bytes, target: str, key: str, secret: str, port: int, when: datetime | None = None,
         region="us-east-1") -> dict:
    """SigV4 headers for a POST / to the node (written out here so a test can pick the date)."""
    when = when or datetime.now(timezone.utc)
    amz_date = when.strftime("%Y%m%dT%H%M%SZ")
    day = amz_date[:8]
    host = f"127.0.0.1:{port}"
    headers = {"content-type": "application/x-amz-json-1.0", "host": host, "x-amz-date": amz_date,
               "x-amz-target": target}
    signed = sorted(headers)
    canonical = "\n".join(["POST", "/", "", "".join(f"{h}:{headers[h]}\n" for h in signed), ";".join(signed),
                           hashlib.sha256(body).hexdigest()])
    scope = f"{day}/{region}/dynamodb/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    k = ("AWS4" + secret).encode()
    for part in (day, region, "dynamodb", "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
    return {"Content-Type": headers["content-type"], "X-Amz-Date": amz_date, "X-Amz-Target": target,
            "Authorization": f"AWS4-HMAC-SHA256 Credential={key}/{scope}, SignedHeaders={';'.join(signed)}, Signature={signature}"}


USERS = {"TableName": "Users", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
         "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}], "BillingMode": "PAY_PER_REQUEST"}
