"""Replication between real `tern serve` processes on loopback: three regions written
everywhere converge; a partition (a proxy the test cuts) with writes on both sides heals;
a node killed with SIGKILL mid-stream restarts and catches up; a wrong secret, a garbage
speaker, a wrong version and a replayed handshake are refused and logged."""

from __future__ import annotations

import os
import threading
import time

from node_support import NodeProcess, free_port, temporary_directory
from replication_support import Mesh, client, exchange, frame, health, hello, scan_all, wait_for

REGIONS = ["us-east", "eu-west", "ap-south"]
USERS = {
    "TableName": "Users", "BillingMode": "PAY_PER_REQUEST",
    "KeySchema": [{"AttributeName": "email", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "email", "AttributeType": "S"}, {"AttributeName": "city", "AttributeType": "S"}],
    "GlobalSecondaryIndexes": [{"IndexName": "by-city", "KeySchema": [{"AttributeName": "city", "KeyType": "HASH"}],
                                "Projection": {"ProjectionType": "ALL"}}],
}
CITIES = ["lisbon", "lagos", "lima"]


def write(dynamo, region: str, key: int, round_: int):
    email = {"S": f"user{key}@example.com"}
    if round_ % 7 == 6:
        dynamo.delete_item(TableName="Users", Key={"email": email})
    else:
        dynamo.put_item(TableName="Users", Item={"email": email, "city": {"S": CITIES[(key + round_) % 3]},
                                                 "from": {"S": region}, "round": {"N": str(round_)}})


def converged(mesh: Mesh) -> bool:
    scans = [scan_all(node, "Users") for node in mesh.nodes.values()]
    if not all(scan == scans[0] for scan in scans):
        return False
    for node in mesh.nodes.values():  # every index matches its node's items
        dynamo = client(node)
        for city in CITIES:
            indexed = dynamo.query(TableName="Users", IndexName="by-city", KeyConditionExpression="city = :c",
                                   ExpressionAttributeValues={":c": {"S": city}})["Items"]
            expected = [item for item in scans[0] if item["city"]["S"] == city]
            if sorted(i["email"]["S"] for i in indexed) != sorted(i["email"]["S"] for i in expected):
                return False
    return True


def conflicts(mesh: Mesh) -> float:
    total = 0.0
    for node in mesh.nodes.values():
        _, body = node.get("/metrics")
        for line in body.decode().splitlines():
            if line.startswith("tern_replication_conflicts_overwritten_total"):
                total += float(line.split()[-1])
    return total


def test_three_regions_converge_through_a_partition_and_a_kill():
    mesh = Mesh(REGIONS).start()
    try:
        dynamos = {region: client(node) for region, node in mesh.nodes.items()}
        dynamos["us-east"].create_table(**USERS)
        dynamos["us-east"].update_table(
            TableName="Users", ReplicaUpdates=[{"Create": {"RegionName": "eu-west"}}, {"Create": {"RegionName": "ap-south"}}])
        for region in REGIONS:
            wait_for(lambda: [r["ReplicaStatus"] for r in dynamos[region].describe_table(TableName="Users")["Table"].get("Replicas", [])]
                     == ["ACTIVE"] * 3, message=f"{region} lists three ACTIVE replicas")
        for round_ in range(12):
            for index, region in enumerate(REGIONS):
                write(dynamos[region], region, (round_ * 5 + index) % 20, round_)
        wait_for(lambda: converged(mesh), message="convergence after writes in every region")

        # A partition cuts ap-south off; both sides write, the same keys too.
        mesh.partition("ap-south")
        for round_ in range(12, 30):
            write(dynamos["us-east"], "us-east", round_ % 10, round_)
            write(dynamos["ap-south"], "ap-south", round_ % 10, round_)
            write(dynamos["eu-west"], "eu-west", 10 + round_ % 10, round_)
        assert scan_all(mesh.nodes["ap-south"], "Users") != scan_all(mesh.nodes["us-east"], "Users")
        mesh.heal()
        wait_for(lambda: converged(mesh), message="convergence after the partition healed")
        assert conflicts(mesh) > 0, "concurrent writes to one key on both sides of the partition are counted"

        # SIGKILL eu-west while us-east writes; restart it on the same data.
        stop = threading.Event()

        def writer():
            round_ = 100
            while not stop.is_set():
                write(dynamos["us-east"], "us-east", round_ % 20, round_)
                round_ += 1

        thread = threading.Thread(target=writer)
        thread.start()
        time.sleep(0.5)
        mesh.nodes["eu-west"].kill9()
        time.sleep(0.5)
        stop.set()
        thread.join()
        old = mesh.nodes["eu-west"]
        mesh.nodes["eu-west"] = NodeProcess(old.data, *mesh.arguments("eu-west"), port=old.port).start()
        write(client(mesh.nodes["eu-west"]), "eu-west", 3, 500)
        wait_for(lambda: converged(mesh), message="convergence after eu-west was killed and restarted")

        peers = health(mesh.nodes["us-east"])["replication"]["peers"]
        assert sorted(p["region"] for p in peers) == ["ap-south", "eu-west"]
        assert all(p["state"] == "connected" and p["circuit"] == "closed" for p in peers), peers
    finally:
        mesh.stop()


def test_refused_speakers_are_logged_and_change_nothing():
    secret_dir = temporary_directory("secret-")
    good, bad = os.path.join(secret_dir, "good"), os.path.join(secret_dir, "bad")
    with open(good, "w") as f:
        f.write("the cluster secret of the tests\n")
    with open(bad, "w") as f:
        f.write("a secret that is not the cluster's\n")
    port, impostor_port = free_port(), free_port()
    node = NodeProcess(None, "--region", "us-east", "--replication", f"127.0.0.1:{port}", "--secret-file", good,
                       "--peer", f"eu-west=127.0.0.1:{impostor_port}").start()
    impostor = None
    try:
        before = health(node)
        # A garbage speaker (an HTTP request on the replication port).
        exchange(port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        # A frame of another protocol version.
        exchange(port, frame(1, b"\x00", version=2))
        # A hello, then the same hello again: a replayed handshake.
        nonce = bytes(range(32))
        assert exchange(port, hello("eu-west", nonce), wait=1.0)[5] == 2, "the first hello gets a challenge"
        exchange(port, hello("eu-west", nonce))
        # A node of the peer region with the wrong secret.
        impostor = NodeProcess(None, "--region", "eu-west", "--replication", f"127.0.0.1:{impostor_port}", "--secret-file", bad,
                               "--peer", f"us-east=127.0.0.1:{port}").start()
        wait_for(lambda: all(f"reason={reason}" in node.output() for reason in ["malformed", "version", "replayed", "authentication"]),
                 timeout=30, message=f"the four refusals in the log:\n{node.output()}")
        assert "replication link refused" in node.output()
        assert "reason=authentication" in impostor.output()
        after = health(node)
        assert after["replication"]["peers"][0]["inboundConnected"] is False
        assert after["replication"]["peers"][0]["appliedThrough"] == before["replication"]["peers"][0]["appliedThrough"] == 0
    finally:
        node.stop()
        if impostor:
            impostor.stop()
