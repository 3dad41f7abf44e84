"""Process-level tests of `tern serve`: bad clients, signatures, kill -9, SIGTERM drain, start-up
failures. Each starts its own node (TERN_BIN) on a free loopback port; bounded in time."""

from __future__ import annotations

import http.client
import json
import signal
import socket
import threading
import time
from datetime import datetime, timedelta, timezone

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError

from node_support import USERS, NodeProcess, api, sign


@pytest.fixture
def node():
    n = NodeProcess().start()
    yield n
    n.stop()


def connection(n: NodeProcess) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", n.port, timeout=10)


def client(n: NodeProcess, key="testing", secret="testing"):
    return boto3.client("dynamodb", endpoint_url=n.endpoint, region_name="us-east-1", aws_access_key_id=key,
                        aws_secret_access_key=secret,
                        config=Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=30))


def scan_count(conn, table="Users") -> int:
    status, body = api(conn, "Scan", {"TableName": table})
    assert status == 200, body
    return body["Count"]


def test_malformed_http_and_aborted_bodies_leave_the_node_serving(node):
    conn = connection(node)
    assert api(conn, "CreateTable", USERS)[0] == 200
    # Garbage instead of HTTP: a 400 and that connection closes; the node goes on.
    with socket.create_connection(("127.0.0.1", node.port), timeout=5) as raw:
        raw.sendall(b"THIS IS NOT HTTP\r\n\r\n")
        assert raw.recv(4096).startswith(b"HTTP/1.1 400")
    # A body cut off mid-way by a client that goes away: nothing is written.
    with socket.create_connection(("127.0.0.1", node.port), timeout=5) as raw:
        body = json.dumps({"TableName": "Users", "Item": {"pk": {"S": "cut"}}}).encode()
        raw.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.0\r\n"
                    b"X-Amz-Target: DynamoDB_20120810.PutItem\r\nContent-Length: %d\r\n\r\n" % len(body) + body[:-5])
    # Bad JSON, an unknown operation, a wrong content type on one keep-alive connection.
    assert api(conn, "PutItem", b'{"TableName": "Users", "Item": ')[0] == 400
    assert api(conn, "Explode", {})[0] == 400
    assert api(conn, "PutItem", {"TableName": "Users", "Item": {"pk": {"S": "x"}}},
               headers={"Content-Type": "application/json"})[0] == 400
    assert scan_count(conn) == 0
    assert node.get("/health")[0] == 200


def test_half_open_and_slow_clients_do_not_stall_others(node):
    conn = connection(node)
    assert api(conn, "CreateTable", USERS)[0] == 200
    half_open = socket.create_connection(("127.0.0.1", node.port), timeout=5)
    half_open.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Len")  # and nothing more
    body = json.dumps({"TableName": "Users", "Item": {"pk": {"S": "slow"}}}).encode()
    slow = socket.create_connection(("127.0.0.1", node.port), timeout=10)
    slow.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.0\r\n"
                 b"X-Amz-Target: DynamoDB_20120810.PutItem\r\nContent-Length: %d\r\n\r\n" % len(body))
    done = threading.Event()

    def trickle():
        for byte in body:
            slow.sendall(bytes([byte]))
            time.sleep(0.02)
        done.set()

    sender = threading.Thread(target=trickle)
    sender.start()
    slowest = 0.0
    count = 0
    while not done.is_set():
        started = time.perf_counter()
        status, _ = api(conn, "GetItem", {"TableName": "Users", "Key": {"pk": {"S": "other"}}})
        slowest = max(slowest, time.perf_counter() - started)
        assert status == 200
        count += 1
    sender.join()
    assert slow.recv(4096).startswith(b"HTTP/1.1 200")
    assert count > 20 and slowest < 1.0, (count, slowest)
    half_open.close()
    slow.close()
    assert api(conn, "GetItem", {"TableName": "Users", "Key": {"pk": {"S": "slow"}}})[1]["Item"]["pk"] == {"S": "slow"}


def test_signatures():
    creds = NodeProcess().data + ".credentials"
    with open(creds, "w") as f:
        f.write("# test keys\nAKIDGOOD secretgood\n")
    n = NodeProcess(None, "--credentials", creds).start()
    try:
        client(n, "AKIDGOOD", "secretgood").create_table(**USERS)
        cases = {"wrong secret": (client(n, "AKIDGOOD", "wrong"), "InvalidSignatureException"),
                 "unknown key": (client(n, "AKIDNOPE", "secretgood"), "UnrecognizedClientException")}
        for name, (c, expected) in cases.items():
            with pytest.raises(ClientError) as error:
                c.put_item(TableName="Users", Item={"pk": {"S": name}})
            assert error.value.response["Error"]["Code"] == expected, name
        conn = connection(n)
        body = json.dumps({"TableName": "Users", "Item": {"pk": {"S": "stale"}}}).encode()
        stale = sign(body, "DynamoDB_20120810.PutItem", "AKIDGOOD", "secretgood", n.port,
                     when=datetime.now(timezone.utc) - timedelta(minutes=20))
        status, answer = api(conn, "PutItem", body, headers=stale)
        assert status == 400 and answer["__type"].endswith("#InvalidSignatureException"), answer
        good = sign(body, "DynamoDB_20120810.PutItem", "AKIDGOOD", "secretgood", n.port)
        tampered = body.replace(b"stale", b"evil!")
        status, answer = api(conn, "PutItem", tampered, headers=good)
        assert status == 400 and answer["__type"].endswith("#InvalidSignatureException"), answer
        status, _ = api(conn, "PutItem", body, headers=good)
        assert status == 200
        items = client(n, "AKIDGOOD", "secretgood").scan(TableName="Users")["Items"]
        assert items == [{"pk": {"S": "stale"}}]
        assert "no --credentials" not in n.output()
    finally:
        n.stop()


def writers(n: NodeProcess, count: int, write, stop: threading.Event):
    """Runs `count` threads calling write(client, thread, i) until stop or an error; returns the
    (thread, i) pairs that were acknowledged with a 200."""
    acknowledged: list[tuple[int, int]] = []
    lock = threading.Lock()

    def run(thread: int):
        c = client(n)
        for i in range(1_000_000):
            if stop.is_set():
                return
            try:
                write(c, thread, i)
            except (ClientError, EndpointConnectionError, OSError, Exception):
                return
            with lock:
                acknowledged.append((thread, i))

    threads = [threading.Thread(target=run, args=(t,)) for t in range(count)]
    for t in threads:
        t.start()
    return threads, acknowledged


def test_kill9_keeps_every_acknowledged_synced_write():
    n = NodeProcess().start()
    client(n).create_table(**USERS)
    stop = threading.Event()
    threads, acknowledged = writers(
        n, 8, lambda c, t, i: c.put_item(TableName="Users", Item={"pk": {"S": f"{t}-{i}"}}), stop)
    time.sleep(1.5)
    n.kill9()
    stop.set()
    for t in threads:
        t.join(timeout=30)
    assert len(acknowledged) > 50, len(acknowledged)
    again = NodeProcess(n.data, port=n.port).start()
    try:
        c = client(again)
        stored = set()
        pages = c.get_paginator("scan").paginate(TableName="Users")
        for page in pages:
            stored |= {item["pk"]["S"] for item in page["Items"]}
        missing = [f"{t}-{i}" for t, i in acknowledged if f"{t}-{i}" not in stored]
        assert not missing, f"{len(missing)} acknowledged writes lost, e.g. {missing[:5]}"
    finally:
        again.stop()


def test_sigterm_drains_in_flight_requests():
    n = NodeProcess().start()
    client(n).create_table(**USERS)

    def pair(c, t, i):
        c.transact_write_items(TransactItems=[
            {"Put": {"TableName": "Users", "Item": {"pk": {"S": f"{t}-{i}-a"}}}},
            {"Put": {"TableName": "Users", "Item": {"pk": {"S": f"{t}-{i}-b"}}}}])

    stop = threading.Event()
    threads, acknowledged = writers(n, 8, pair, stop)
    time.sleep(1.0)
    n.signal(signal.SIGTERM)
    assert n.wait(timeout=30) == 0, n.output()
    stop.set()
    for t in threads:
        t.join(timeout=30)
    log = n.output()
    assert "draining" in log and "stopped" in log, log
    again = NodeProcess(n.data, port=n.port).start()
    try:
        stored = set()
        for page in client(again).get_paginator("scan").paginate(TableName="Users"):
            stored |= {item["pk"]["S"] for item in page["Items"]}
        missing = [(t, i) for t, i in acknowledged if f"{t}-{i}-a" not in stored or f"{t}-{i}-b" not in stored]
        assert not missing, f"acknowledged transactions lost: {missing[:5]}"
        halves = {key.rsplit("-", 1)[0] for key in stored}
        half_applied = [h for h in halves if f"{h}-a" not in stored or f"{h}-b" not in stored]
        assert not half_applied, half_applied
    finally:
        again.stop()


def test_a_second_signal_exits_at_once():
    n = NodeProcess().start()
    # A request that never finishes arriving keeps the drain waiting.
    held = socket.create_connection(("127.0.0.1", n.port), timeout=5)
    held.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.0\r\n"
                 b"X-Amz-Target: DynamoDB_20120810.ListTables\r\nContent-Length: 100\r\n\r\n{")
    time.sleep(0.2)
    n.signal(signal.SIGTERM)
    time.sleep(0.5)
    assert n.process.poll() is None, "the first signal should drain, not exit"
    assert not _can_connect(n), "a draining node accepts no new connections"
    n.signal(signal.SIGTERM)
    assert n.wait(timeout=5) != 0
    held.close()


def _can_connect(n: NodeProcess) -> bool:
    try:
        socket.create_connection(("127.0.0.1", n.port), timeout=1).close()
        return True
    except OSError:
        return False


def _not_an_archive() -> str:
    """A non-empty directory that holds no archive."""
    from node_support import temporary_directory
    path = temporary_directory("not-archive-")
    with open(f"{path}/notes.txt", "w") as f:
        f.write("someone else's files")
    return path


def test_point_in_time_recovery_with_boto3_and_tern_restore():
    """boto3's PITR calls against `tern serve --archive`, then `tern restore` from the archive."""
    import subprocess
    from node_support import TERN, temporary_directory
    archive = temporary_directory("archive-")
    n = NodeProcess(None, "--archive", archive, "--archive-interval-seconds", "0.2").start()
    try:
        ddb = client(n)
        ddb.create_table(TableName="Messages", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
        enabled = ddb.update_continuous_backups(
            TableName="Messages", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
        assert enabled["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
        time.sleep(0.01)
        for i in range(20):
            ddb.put_item(TableName="Messages", Item={"pk": {"S": f"m{i}"}, "text": {"S": "hello"}})
        # botocore sends RestoreDateTime as whole epoch seconds: make the mistake start just
        # after a second boundary, so that second restores the state before it.
        now = time.time()
        time.sleep(int(now) + 1 - now + 0.01)
        before = datetime.fromtimestamp(int(time.time()), timezone.utc)
        for i in range(15):  # the mistake
            ddb.delete_item(TableName="Messages", Key={"pk": {"S": f"m{i}"}})
        described = ddb.describe_continuous_backups(TableName="Messages")["ContinuousBackupsDescription"]
        recovery = described["PointInTimeRecoveryDescription"]
        assert recovery["EarliestRestorableDateTime"] < before < recovery["LatestRestorableDateTime"]
        restored = ddb.restore_table_to_point_in_time(
            SourceTableName="Messages", TargetTableName="MessagesBefore", RestoreDateTime=before)
        assert restored["TableDescription"]["TableName"] == "MessagesBefore"
        assert ddb.scan(TableName="MessagesBefore")["Count"] == 20
        assert ddb.scan(TableName="Messages")["Count"] == 5
        with pytest.raises(ClientError) as refused:
            ddb.restore_table_to_point_in_time(SourceTableName="Messages", TargetTableName="Old",
                                               RestoreDateTime=datetime(2001, 1, 1, tzinfo=timezone.utc))
        assert refused.value.response["Error"]["Code"] == "InvalidRestoreTimeException"
    finally:
        n.stop()
    # The node drained and shipped everything: the archive alone rebuilds the store.
    into = temporary_directory("restored-") + "/store"
    result = subprocess.run([TERN, "restore", "--archive", archive, "--to", "latest", "--into", into],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Messages: 5 items" in result.stdout and "MessagesBefore: 20 items" in result.stdout, result.stdout
    stamp = before.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    result = subprocess.run([TERN, "restore", "--archive", archive, "--to", stamp, "--into", into + "-before", "--table", "Messages"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Messages: 20 items" in result.stdout, result.stdout


def test_port_in_use_locked_directory_and_archive_fail_with_one_line(node):
    import subprocess
    from node_support import TERN
    cases = {
        "already in use": ["--data", NodeProcess().data, "--http", f"127.0.0.1:{node.port}"],
        "locked": ["--data", node.data, "--http", "127.0.0.1:0"],
        "cannot start the continuous archive": ["--data", NodeProcess().data, "--archive", _not_an_archive()],
    }
    for expected, args in cases.items():
        result = subprocess.run([TERN, "serve", *args], capture_output=True, text=True, timeout=30)
        assert result.returncode != 0, expected
        lines = [line for line in result.stderr.splitlines() if "tern serve:" in line or "Error:" in line]
        assert len(lines) == 1 and expected in lines[0], result.stderr
