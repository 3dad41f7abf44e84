"""Black-box DynamoDB conformance suite (public part).

Runs against any endpoint given by DYNAMO_ENDPOINT through boto3's low-level
client. Every test creates its own uniquely named table(s) and deletes them
afterwards (see conftest.make_table). Assertions follow the documented
DynamoDB behaviour; where moto is known to differ, the case carries
@moto_deviation(...) which is an xfail only when DYNAMO_ORACLE=moto.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from ddb_helpers import (
    B, BOOL, BS, L, M, N, NS, NULL, S, SS,
    all_items, build_users, gsi, key_of, moto_deviation, num, observe, paginate, py,
    query_cell, raises_ddb, settle, sk_values, wait_gone,
)

PK_SK = dict(hash_key=("pk", "S"), range_key=("sk", "S"))
PK_NSK = dict(hash_key=("pk", "S"), range_key=("sk", "N"))


def put(ddb, table, **attrs):
    ddb.put_item(TableName=table, Item=attrs)


def get(ddb, table, **key):
    return ddb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")


def q(ddb, table, cond, values, names=None, **kw):
    args = dict(TableName=table, KeyConditionExpression=cond, ExpressionAttributeValues=values)
    if names:
        args["ExpressionAttributeNames"] = names
    args.update(kw)
    return ddb.query(**args)


def fill_partition(ddb, table, pk, sks, numeric=False, extra=None):
    for i, s in enumerate(sks):
        item = {"pk": S(pk), "sk": N(s) if numeric else S(s), "i": N(i)}
        if extra:
            item.update(extra(i, s))
        ddb.put_item(TableName=table, Item=item)


# ===========================================================================
# Table management
# ===========================================================================

class TestTables:
    def test_create_and_describe_hash_range_table(self, ddb, make_table):
        t = make_table(**PK_NSK)
        d = ddb.describe_table(TableName=t)["Table"]
        assert d["TableName"] == t
        assert d["TableStatus"] == "ACTIVE"
        ks = {k["AttributeName"]: k["KeyType"] for k in d["KeySchema"]}
        assert ks == {"pk": "HASH", "sk": "RANGE"}
        assert d["KeySchema"][0] == {"AttributeName": "pk", "KeyType": "HASH"}
        ad = {a["AttributeName"]: a["AttributeType"] for a in d["AttributeDefinitions"]}
        assert ad == {"pk": "S", "sk": "N"}
        assert isinstance(d.get("ItemCount", 0), int)

    def test_create_table_response_has_description(self, ddb, make_table, table_name):
        resp = ddb.create_table(
            TableName=table_name,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "B"}],
            BillingMode="PAY_PER_REQUEST",
        )
        make_table.track(table_name)
        desc = resp["TableDescription"]
        assert desc["TableName"] == table_name
        assert desc["TableStatus"] in ("CREATING", "ACTIVE")
        assert desc["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]

    def test_create_table_with_provisioned_throughput(self, ddb, make_table, table_name):
        ddb.create_table(
            TableName=table_name,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "N"}],
            ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
        )
        make_table.track(table_name)
        ddb.put_item(TableName=table_name, Item={"id": N(1)})
        assert get(ddb, table_name, id=N(1)) == {"id": N(1)}

    def test_describe_table_lists_gsi(self, ddb, make_table):
        t = make_table(**PK_SK, gsis=[
            gsi("by_g", ("g", "S"), ("r", "N"), "INCLUDE", ["x", "y"]),
            gsi("by_h", ("h", "B"), None, "KEYS_ONLY"),
        ])
        d = ddb.describe_table(TableName=t)["Table"]
        idx = {g["IndexName"]: g for g in d["GlobalSecondaryIndexes"]}
        assert set(idx) == {"by_g", "by_h"}
        assert idx["by_g"]["KeySchema"] == [
            {"AttributeName": "g", "KeyType": "HASH"}, {"AttributeName": "r", "KeyType": "RANGE"}]
        assert idx["by_g"]["Projection"]["ProjectionType"] == "INCLUDE"
        assert sorted(idx["by_g"]["Projection"]["NonKeyAttributes"]) == ["x", "y"]
        assert idx["by_h"]["Projection"]["ProjectionType"] == "KEYS_ONLY"
        assert idx["by_h"]["IndexStatus"] == "ACTIVE"
        ad = {a["AttributeName"]: a["AttributeType"] for a in d["AttributeDefinitions"]}
        assert ad == {"pk": "S", "sk": "S", "g": "S", "r": "N", "h": "B"}

    def test_list_tables_pagination_sees_created_tables(self, ddb, make_table):
        names = {make_table(hash_key=("pk", "S")) for _ in range(3)}
        seen = []
        kwargs = {"Limit": 2}
        for _ in range(1000):
            resp = ddb.list_tables(**kwargs)
            assert len(resp["TableNames"]) <= 2
            seen.extend(resp["TableNames"])
            if "LastEvaluatedTableName" not in resp:
                break
            kwargs["ExclusiveStartTableName"] = resp["LastEvaluatedTableName"]
        assert len(seen) == len(set(seen)), "ListTables pages must not repeat names"
        assert names <= set(seen)

    def test_delete_table_removes_it(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        put(ddb, t, pk=S("a"))
        resp = ddb.delete_table(TableName=t)
        assert resp["TableDescription"]["TableName"] == t
        wait_gone(ddb, t)
        with raises_ddb("ResourceNotFoundException"):
            ddb.describe_table(TableName=t)
        names = []
        kwargs = {}
        while True:
            r = ddb.list_tables(**kwargs)
            names += r["TableNames"]
            if "LastEvaluatedTableName" not in r:
                break
            kwargs["ExclusiveStartTableName"] = r["LastEvaluatedTableName"]
        assert t not in names

    def test_recreate_after_delete_starts_empty(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        put(ddb, t, pk=S("a"))
        ddb.delete_table(TableName=t)
        wait_gone(ddb, t)
        make_table(hash_key=("pk", "S"), name=t)
        assert get(ddb, t, pk=S("a")) is None

    def test_describe_missing_table(self, ddb, table_name):
        with raises_ddb("ResourceNotFoundException"):
            ddb.describe_table(TableName=table_name)

    def test_delete_missing_table(self, ddb, table_name):
        with raises_ddb("ResourceNotFoundException"):
            ddb.delete_table(TableName=table_name)

    def test_create_existing_table(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        with raises_ddb("ResourceInUseException"):
            ddb.create_table(
                TableName=t,
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
            )

    @pytest.mark.parametrize("op", ["get_item", "put_item", "delete_item", "update_item", "query", "scan"])
    def test_item_ops_on_missing_table(self, ddb, table_name, op):
        key = {"pk": S("a")}
        calls = {
            "get_item": lambda: ddb.get_item(TableName=table_name, Key=key),
            "put_item": lambda: ddb.put_item(TableName=table_name, Item=key),
            "delete_item": lambda: ddb.delete_item(TableName=table_name, Key=key),
            "update_item": lambda: ddb.update_item(
                TableName=table_name, Key=key, UpdateExpression="SET a = :v",
                ExpressionAttributeValues={":v": N(1)}),
            "query": lambda: ddb.query(
                TableName=table_name, KeyConditionExpression="pk = :p",
                ExpressionAttributeValues={":p": S("a")}),
            "scan": lambda: ddb.scan(TableName=table_name),
        }
        with raises_ddb("ResourceNotFoundException"):
            calls[op]()

    def test_create_table_key_attribute_not_defined(self, ddb, table_name, make_table):
        with raises_ddb("ValidationException"):
            make_table.track(table_name)
            ddb.create_table(
                TableName=table_name,
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                           {"AttributeName": "sk", "KeyType": "RANGE"}],
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
            )

    def test_create_table_unused_attribute_definition(self, ddb, table_name, make_table):
        with raises_ddb("ValidationException"):
            make_table.track(table_name)
            ddb.create_table(
                TableName=table_name,
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                      {"AttributeName": "other", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
            )

    @moto_deviation('moto accepts AttributeType BOOL for a key attribute; only S, N, B are valid')
    def test_create_table_invalid_key_type(self, ddb, table_name, make_table):
        with raises_ddb("ValidationException"):
            make_table.track(table_name)
            ddb.create_table(
                TableName=table_name,
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "BOOL"}],
                BillingMode="PAY_PER_REQUEST",
            )

    @moto_deviation('moto accepts a KeySchema with two HASH elements')
    def test_create_table_two_hash_keys(self, ddb, table_name, make_table):
        with raises_ddb("ValidationException"):
            make_table.track(table_name)
            ddb.create_table(
                TableName=table_name,
                KeySchema=[{"AttributeName": "a", "KeyType": "HASH"},
                           {"AttributeName": "b", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "a", "AttributeType": "S"},
                                      {"AttributeName": "b", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
            )


# ===========================================================================
# PutItem / GetItem / DeleteItem
# ===========================================================================

class TestItems:
    def test_roundtrip_all_attribute_types(self, ddb, make_table):
        t = make_table(**PK_SK)
        item = {
            "pk": S("p"), "sk": S("s"),
            "s": S("héllo wörld ✓"), "n": N("-12.5"), "b": B(b"\x00\x01\xfe\xff"),
            "t": BOOL(True), "f": BOOL(False), "z": NULL(),
            "l": L(S("a"), N(1), L(BOOL(False)), M(k=S("v"))),
            "m": M(x=N(1), y=M(deep=S("d")), e=L()),
            "ss": SS("a", "b", "c"), "ns": NS("1", "2.5", "-3"), "bs": BS(b"\x01", b"\x02"),
            "em": M(),
        }
        put(ddb, t, **item)
        got = get(ddb, t, pk=S("p"), sk=S("s"))
        assert py(got) == py(item)
        assert got["b"] == {"B": b"\x00\x01\xfe\xff"}
        assert got["l"]["L"][3] == {"M": {"k": {"S": "v"}}}
        assert got["z"] == {"NULL": True}

    def test_get_missing_item_has_no_item(self, ddb, make_table):
        t = make_table(**PK_SK)
        resp = ddb.get_item(TableName=t, Key={"pk": S("x"), "sk": S("y")})
        assert "Item" not in resp

    def test_put_replaces_whole_item(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        put(ddb, t, pk=S("a"), x=N(1), y=S("old"))
        put(ddb, t, pk=S("a"), z=BOOL(True))
        assert get(ddb, t, pk=S("a")) == {"pk": S("a"), "z": BOOL(True)}

    def test_put_return_values_all_old(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        r1 = ddb.put_item(TableName=t, Item={"pk": S("a"), "v": N(1)}, ReturnValues="ALL_OLD")
        assert "Attributes" not in r1 or r1["Attributes"] == {}
        r2 = ddb.put_item(TableName=t, Item={"pk": S("a"), "v": N(2)}, ReturnValues="ALL_OLD")
        assert py(r2["Attributes"]) == {"pk": "a", "v": 1}

    def test_put_return_values_none_has_no_attributes(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        put(ddb, t, pk=S("a"), v=N(1))
        r = ddb.put_item(TableName=t, Item={"pk": S("a"), "v": N(2)}, ReturnValues="NONE")
        assert "Attributes" not in r

    @pytest.mark.parametrize("rv", ["ALL_NEW", "UPDATED_OLD", "UPDATED_NEW"])
    def test_put_return_values_other_than_all_old_rejected(self, ddb, make_table, rv):
        t = make_table(hash_key=("pk", "S"))
        with raises_ddb("ValidationException"):
            ddb.put_item(TableName=t, Item={"pk": S("a")}, ReturnValues=rv)

    def test_delete_item_return_all_old_and_missing_item(self, ddb, make_table):
        t = make_table(**PK_SK)
        put(ddb, t, pk=S("a"), sk=S("1"), v=S("x"))
        r = ddb.delete_item(TableName=t, Key={"pk": S("a"), "sk": S("1")}, ReturnValues="ALL_OLD")
        assert py(r["Attributes"]) == {"pk": "a", "sk": "1", "v": "x"}
        assert get(ddb, t, pk=S("a"), sk=S("1")) is None
        r = ddb.delete_item(TableName=t, Key={"pk": S("a"), "sk": S("1")}, ReturnValues="ALL_OLD")
        assert "Attributes" not in r or r["Attributes"] == {}

    def test_get_item_projection_top_level(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        put(ddb, t, pk=S("a"), x=N(1), y=N(2), z=N(3))
        r = ddb.get_item(TableName=t, Key={"pk": S("a")}, ProjectionExpression="x, z")
        assert r["Item"] == {"x": N(1), "z": N(3)}, "keys are not added to a projection"

    def test_get_item_projection_reserved_word_needs_placeholder(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        put(ddb, t, pk=S("a"), name=S("bob"), size=N(3))
        r = ddb.get_item(TableName=t, Key={"pk": S("a")}, ProjectionExpression="#n, #s",
                         ExpressionAttributeNames={"#n": "name", "#s": "size"})
        assert r["Item"] == {"name": S("bob"), "size": N(3)}
        with raises_ddb("ValidationException"):
            ddb.get_item(TableName=t, Key={"pk": S("a")}, ProjectionExpression="name")

    def test_get_item_key_with_extra_attribute(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        with raises_ddb("ValidationException"):
            ddb.get_item(TableName=t, Key={"pk": S("a"), "other": S("b")})

    def test_get_item_missing_sort_key(self, ddb, make_table):
        t = make_table(**PK_SK)
        with raises_ddb("ValidationException"):
            ddb.get_item(TableName=t, Key={"pk": S("a")})

    def test_delete_item_requires_full_key(self, ddb, make_table):
        t = make_table(**PK_SK)
        put(ddb, t, pk=S("a"), sk=S("b"))
        with raises_ddb("ValidationException"):
            ddb.delete_item(TableName=t, Key={"pk": S("a")})
        assert get(ddb, t, pk=S("a"), sk=S("b")) is not None

    @moto_deviation('moto does not check GetItem key types against the key schema')
    def test_get_item_wrong_key_type(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        with raises_ddb("ValidationException"):
            ddb.get_item(TableName=t, Key={"pk": N(1)})

    def test_put_missing_partition_key(self, ddb, make_table):
        t = make_table(**PK_SK)
        with raises_ddb("ValidationException"):
            put(ddb, t, sk=S("a"), v=N(1))

    def test_put_missing_sort_key(self, ddb, make_table):
        t = make_table(**PK_SK)
        with raises_ddb("ValidationException"):
            put(ddb, t, pk=S("a"), v=N(1))

    def test_put_wrong_partition_key_type(self, ddb, make_table):
        t = make_table(**PK_SK)
        with raises_ddb("ValidationException"):
            put(ddb, t, pk=N(1), sk=S("a"))

    def test_put_wrong_sort_key_type(self, ddb, make_table):
        t = make_table(**PK_NSK)
        with raises_ddb("ValidationException"):
            put(ddb, t, pk=S("a"), sk=S("1"))

    def test_empty_string_and_binary_allowed_in_non_key_attributes(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        put(ddb, t, pk=S("a"), e=S(""), eb=B(b""), m=M(x=S("")), l=L(S("")))
        assert get(ddb, t, pk=S("a")) == {"pk": S("a"), "e": S(""), "eb": B(b""),
                                          "m": M(x=S("")), "l": L(S(""))}

    def test_empty_string_partition_key_rejected(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        with raises_ddb("ValidationException"):
            put(ddb, t, pk=S(""))

    def test_empty_string_sort_key_rejected(self, ddb, make_table):
        t = make_table(**PK_SK)
        with raises_ddb("ValidationException"):
            put(ddb, t, pk=S("a"), sk=S(""))

    @moto_deviation('moto accepts an empty binary key value')
    def test_empty_binary_key_rejected(self, ddb, make_table):
        t = make_table(hash_key=("pk", "B"))
        with raises_ddb("ValidationException"):
            put(ddb, t, pk=B(b""))

    def test_empty_string_key_rejected_on_get(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        with raises_ddb("ValidationException"):
            ddb.get_item(TableName=t, Key={"pk": S("")})

    @pytest.mark.parametrize("av", [SS(), NS(), pytest.param(BS(), marks=moto_deviation(
        "moto accepts an empty binary set"))], ids=["SS", "NS", "BS"])
    def test_empty_set_rejected(self, ddb, make_table, av):
        t = make_table(hash_key=("pk", "S"))
        with raises_ddb("ValidationException"):
            put(ddb, t, pk=S("a"), s=av)

    @pytest.mark.parametrize("av", [SS("a", "a"), NS("1", "1"), BS(b"x", b"x")], ids=["SS", "NS", "BS"])
    @moto_deviation('moto accepts sets with duplicate elements')
    def test_duplicate_set_elements_rejected(self, ddb, make_table, av):
        t = make_table(hash_key=("pk", "S"))
        with raises_ddb("ValidationException"):
            put(ddb, t, pk=S("a"), s=av)

    def test_item_over_400kb_rejected(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        with raises_ddb("ValidationException"):
            put(ddb, t, pk=S("a"), big=S("x" * (400 * 1024 + 1)))
        assert get(ddb, t, pk=S("a")) is None

    def test_item_well_under_400kb_accepted(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        put(ddb, t, pk=S("a"), big=S("x" * (300 * 1024)))
        assert len(get(ddb, t, pk=S("a"))["big"]["S"]) == 300 * 1024

    def test_update_that_grows_item_over_400kb_rejected(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        put(ddb, t, pk=S("a"), one=S("x" * (250 * 1024)))
        with raises_ddb("ValidationException"):
            ddb.update_item(TableName=t, Key={"pk": S("a")}, UpdateExpression="SET two = :v",
                            ExpressionAttributeValues={":v": S("y" * (250 * 1024))})
        assert "two" not in get(ddb, t, pk=S("a"))

    def test_partition_key_size_limit_2048_bytes(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        put(ddb, t, pk=S("k" * 2048))
        with raises_ddb("ValidationException"):
            put(ddb, t, pk=S("k" * 2049))

    def test_sort_key_size_limit_1024_bytes(self, ddb, make_table):
        t = make_table(**PK_SK)
        put(ddb, t, pk=S("a"), sk=S("k" * 1024))
        with raises_ddb("ValidationException"):
            put(ddb, t, pk=S("a"), sk=S("k" * 1025))

    def test_number_38_digits_roundtrip_exactly(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        big = "12345678901234567890123456789012345678"
        small = "0.12345678901234567890123456789012345678"
        put(ddb, t, pk=S("a"), big=N(big), neg=N("-" + big), small=N(small))
        got = get(ddb, t, pk=S("a"))
        assert got["big"] == N(big)
        assert got["neg"] == N("-" + big)
        assert Decimal(got["small"]["N"]) == Decimal(small)

    @moto_deviation('moto accepts numbers with more than 38 significant digits')
    def test_number_more_than_38_significant_digits_rejected(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        with raises_ddb("ValidationException"):
            put(ddb, t, pk=S("a"), n=N("1234567890123456789012345678901234567891"))

    @pytest.mark.parametrize("bad", ["abc", "1.2.3", "", "0x10", "NaN", "Infinity"])
    def test_invalid_number_string_rejected(self, ddb, make_table, bad):
        t = make_table(hash_key=("pk", "S"))
        with raises_ddb("ValidationException"):
            put(ddb, t, pk=S("a"), n={"N": bad})

    def test_unicode_keys_roundtrip(self, ddb, make_table):
        t = make_table(**PK_SK)
        for pk in ["ä", "日本語", "emoji-😀", "tab\tnew\nline"]:
            put(ddb, t, pk=S(pk), sk=S("ü"), v=S(pk))
            assert get(ddb, t, pk=S(pk), sk=S("ü"))["v"] == S(pk)

    def test_binary_partition_key(self, ddb, make_table):
        t = make_table(hash_key=("pk", "B"))
        put(ddb, t, pk=B(b"\x00\xff"), v=N(1))
        put(ddb, t, pk=B(b"\x00\xfe"), v=N(2))
        assert get(ddb, t, pk=B(b"\x00\xff"))["v"] == N(1)
        assert get(ddb, t, pk=B(b"\x00\xfe"))["v"] == N(2)

    def test_numeric_partition_key(self, ddb, make_table):
        t = make_table(hash_key=("id", "N"))
        ddb.put_item(TableName=t, Item={"id": N(42), "v": S("x")})
        assert get(ddb, t, id=N(42))["v"] == S("x")
        assert get(ddb, t, id=N(43)) is None


# ===========================================================================
# UpdateItem
# ===========================================================================

def upd(ddb, table, key, expr, values=None, names=None, **kw):
    args = dict(TableName=table, Key=key, UpdateExpression=expr)
    if values:
        args["ExpressionAttributeValues"] = values
    if names:
        args["ExpressionAttributeNames"] = names
    args.update(kw)
    return ddb.update_item(**args)


class TestUpdate:
    def test_update_creates_missing_item(self, ddb, make_table):
        t = make_table(**PK_SK)
        r = upd(ddb, t, {"pk": S("a"), "sk": S("b")}, "SET v = :v", {":v": S("x")},
                ReturnValues="ALL_NEW")
        assert py(r["Attributes"]) == {"pk": "a", "sk": "b", "v": "x"}
        assert py(get(ddb, t, pk=S("a"), sk=S("b"))) == {"pk": "a", "sk": "b", "v": "x"}

    def test_update_set_and_remove(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        put(ddb, t, pk=S("a"), x=N(1), y=N(2), z=N(3))
        upd(ddb, t, {"pk": S("a")}, "SET x = :x, w = :w REMOVE y, z", {":x": N(10), ":w": S("new")})
        assert py(get(ddb, t, pk=S("a"))) == {"pk": "a", "x": 10, "w": "new"}

    def test_update_remove_missing_attribute_is_noop(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        put(ddb, t, pk=S("a"), x=N(1))
        upd(ddb, t, {"pk": S("a")}, "REMOVE nothere")
        assert py(get(ddb, t, pk=S("a"))) == {"pk": "a", "x": 1}

    def test_update_add_number(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        put(ddb, t, pk=S("a"), c=N(5))
        r = upd(ddb, t, {"pk": S("a")}, "ADD c :d, fresh :d", {":d": N(3)}, ReturnValues="UPDATED_NEW")
        assert py(r["Attributes"]) == {"c": 8, "fresh": 3}
        upd(ddb, t, {"pk": S("a")}, "ADD c :d", {":d": N(-10)})
        assert num(get(ddb, t, pk=S("a"))["c"]) == -2

    def test_update_add_creates_item(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        upd(ddb, t, {"pk": S("new")}, "ADD hits :one", {":one": N(1)})
        upd(ddb, t, {"pk": S("new")}, "ADD hits :one", {":one": N(1)})
        assert py(get(ddb, t, pk=S("new"))) == {"pk": "new", "hits": 2}

    def test_update_add_and_delete_string_set(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        put(ddb, t, pk=S("a"), tags=SS("x", "y"))
        upd(ddb, t, {"pk": S("a")}, "ADD tags :t", {":t": SS("y", "z")})
        assert py(get(ddb, t, pk=S("a")))["tags"] == {"x", "y", "z"}
        upd(ddb, t, {"pk": S("a")}, "DELETE tags :t", {":t": SS("x", "nope")})
        assert py(get(ddb, t, pk=S("a")))["tags"] == {"y", "z"}
        upd(ddb, t, {"pk": S("a")}, "DELETE tags :t", {":t": SS("y", "z")})
        assert "tags" not in get(ddb, t, pk=S("a")), "a set emptied by DELETE disappears"

    def test_update_add_number_set_creates_attribute(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        put(ddb, t, pk=S("a"))
        upd(ddb, t, {"pk": S("a")}, "ADD nums :n", {":n": NS(1, 2)})
        upd(ddb, t, {"pk": S("a")}, "ADD nums :n", {":n": NS(2, 3)})
        assert py(get(ddb, t, pk=S("a")))["nums"] == {1, 2, 3}

    def test_update_add_wrong_type_rejected(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        put(ddb, t, pk=S("a"), s=S("text"))
        with raises_ddb("ValidationException"):
            upd(ddb, t, {"pk": S("a")}, "ADD s :n", {":n": N(1)})
        assert get(ddb, t, pk=S("a"))["s"] == S("text")

    def test_update_if_not_exists(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        put(ddb, t, pk=S("a"), keep=N(1))
        upd(ddb, t, {"pk": S("a")}, "SET keep = if_not_exists(keep, :d), born = if_not_exists(born, :d)",
            {":d": N(99)})
        assert py(get(ddb, t, pk=S("a"))) == {"pk": "a", "keep": 1, "born": 99}

    def test_update_counter_with_if_not_exists_plus(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        for _ in range(3):
            upd(ddb, t, {"pk": S("a")}, "SET c = if_not_exists(c, :zero) + :one",
                {":zero": N(0), ":one": N(1)})
        assert num(get(ddb, t, pk=S("a"))["c"]) == 3

    def test_update_list_append_both_sides(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        put(ddb, t, pk=S("a"), l=L(S("m")))
        upd(ddb, t, {"pk": S("a")}, "SET l = list_append(l, :end)", {":end": L(S("e1"), S("e2"))})
        upd(ddb, t, {"pk": S("a")}, "SET l = list_append(:front, l)", {":front": L(S("f"))})
        assert get(ddb, t, pk=S("a"))["l"] == L(S("f"), S("m"), S("e1"), S("e2"))

    def test_update_list_append_to_missing_with_if_not_exists(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        put(ddb, t, pk=S("a"))
        upd(ddb, t, {"pk": S("a")}, "SET l = list_append(if_not_exists(l, :empty), :x)",
            {":empty": L(), ":x": L(N(1))})
        upd(ddb, t, {"pk": S("a")}, "SET l = list_append(if_not_exists(l, :empty), :x)",
            {":empty": L(), ":x": L(N(2))})
        assert py(get(ddb, t, pk=S("a")))["l"] == [1, 2]

    def test_update_arithmetic_plus_minus(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        put(ddb, t, pk=S("a"), x=N(10), y=N(10))
        upd(ddb, t, {"pk": S("a")}, "SET x = x + :a, y = y - :b, z = x + y",
            {":a": N(5), ":b": N(3)})
        got = get(ddb, t, pk=S("a"))
        # right-hand sides are evaluated against the item *before* the update
        assert (num(got["x"]), num(got["y"]), num(got["z"])) == (15, 7, 20)

    def test_update_arithmetic_on_missing_attribute_rejected(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        put(ddb, t, pk=S("a"))
        with raises_ddb("ValidationException"):
            upd(ddb, t, {"pk": S("a")}, "SET c = c + :one", {":one": N(1)})

    def test_update_list_append_to_missing_attribute_rejected(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        put(ddb, t, pk=S("a"))
        with raises_ddb("ValidationException"):
            upd(ddb, t, {"pk": S("a")}, "SET l = list_append(l, :x)", {":x": L(N(1))})

    def test_update_return_values_variants(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        put(ddb, t, pk=S("a"), x=N(1), y=N(2))
        r = upd(ddb, t, {"pk": S("a")}, "SET x = :x", {":x": N(10)}, ReturnValues="UPDATED_OLD")
        assert py(r["Attributes"]) == {"x": 1}
        r = upd(ddb, t, {"pk": S("a")}, "SET x = :x", {":x": N(20)}, ReturnValues="UPDATED_NEW")
        assert py(r["Attributes"]) == {"x": 20}
        r = upd(ddb, t, {"pk": S("a")}, "SET x = :x", {":x": N(30)}, ReturnValues="ALL_OLD")
        assert py(r["Attributes"]) == {"pk": "a", "x": 20, "y": 2}
        r = upd(ddb, t, {"pk": S("a")}, "SET x = :x", {":x": N(40)}, ReturnValues="ALL_NEW")
        assert py(r["Attributes"]) == {"pk": "a", "x": 40, "y": 2}
        r = upd(ddb, t, {"pk": S("a")}, "SET x = :x", {":x": N(50)})
        assert "Attributes" not in r

    def test_update_updated_old_omits_newly_created_attribute(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        put(ddb, t, pk=S("a"), x=N(1))
        r = upd(ddb, t, {"pk": S("a")}, "SET x = :v, fresh = :v", {":v": N(7)},
                ReturnValues="UPDATED_OLD")
        assert py(r["Attributes"]) == {"x": 1}

    def test_update_key_attribute_rejected(self, ddb, make_table):
        t = make_table(**PK_SK)
        put(ddb, t, pk=S("a"), sk=S("b"))
        with raises_ddb("ValidationException"):
            upd(ddb, t, {"pk": S("a"), "sk": S("b")}, "SET sk = :v", {":v": S("c")})

    def test_update_nested_map_set_and_remove(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        put(ddb, t, pk=S("a"), m=M(x=N(1), nested=M(y=N(2), gone=N(3))))
        upd(ddb, t, {"pk": S("a")}, "SET m.nested.y = :v, m.added = :w REMOVE m.nested.gone",
            {":v": N(20), ":w": S("w")})
        assert py(get(ddb, t, pk=S("a")))["m"] == {"x": 1, "nested": {"y": 20}, "added": "w"}

    def test_update_nested_path_with_missing_parent_rejected(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        put(ddb, t, pk=S("a"))
        with raises_ddb("ValidationException"):
            upd(ddb, t, {"pk": S("a")}, "SET nope.child = :v", {":v": N(1)})

    def test_update_list_element_set_and_remove_shifts(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        put(ddb, t, pk=S("a"), l=L(S("a"), S("b"), S("c"), S("d")))
        upd(ddb, t, {"pk": S("a")}, "SET l[1] = :v", {":v": S("B")})
        assert get(ddb, t, pk=S("a"))["l"] == L(S("a"), S("B"), S("c"), S("d"))
        upd(ddb, t, {"pk": S("a")}, "REMOVE l[0], l[2]")
        assert get(ddb, t, pk=S("a"))["l"] == L(S("B"), S("d"))

    def test_update_list_index_past_end_appends(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        put(ddb, t, pk=S("a"), l=L(N(0), N(1)))
        upd(ddb, t, {"pk": S("a")}, "SET l[10] = :v", {":v": N(2)})
        assert py(get(ddb, t, pk=S("a")))["l"] == [0, 1, 2]

    def test_update_names_and_values_placeholders(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        put(ddb, t, pk=S("a"))
        upd(ddb, t, {"pk": S("a")}, "SET #n = :n, #s = :s, #dotted = :d",
            {":n": S("bob"), ":s": N(3), ":d": S("top")},
            names={"#n": "name", "#s": "size", "#dotted": "a.b"})
        assert py(get(ddb, t, pk=S("a"))) == {"pk": "a", "name": "bob", "size": 3, "a.b": "top"}

    def test_update_expression_syntax_error(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        with raises_ddb("ValidationException"):
            upd(ddb, t, {"pk": S("a")}, "SET = :v", {":v": N(1)})

    def test_update_same_clause_twice_rejected(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        with raises_ddb("ValidationException"):
            upd(ddb, t, {"pk": S("a")}, "SET a = :v SET b = :v", {":v": N(1)})

    def test_update_same_path_twice_rejected(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        put(ddb, t, pk=S("a"), x=N(1))
        with raises_ddb("ValidationException"):
            upd(ddb, t, {"pk": S("a")}, "SET x = :v REMOVE x", {":v": N(1)})

    def test_update_unused_expression_attribute_value_rejected(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        with raises_ddb("ValidationException"):
            upd(ddb, t, {"pk": S("a")}, "SET x = :v", {":v": N(1), ":unused": N(2)})

    def test_update_undefined_value_placeholder_rejected(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        with raises_ddb("ValidationException"):
            upd(ddb, t, {"pk": S("a")}, "SET x = :nothere, y = :v", {":v": N(1)})


# ===========================================================================
# ConditionExpression
# ===========================================================================

class TestConditions:
    def test_put_if_absent(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        ddb.put_item(TableName=t, Item={"pk": S("a"), "v": N(1)},
                     ConditionExpression="attribute_not_exists(pk)")
        with raises_ddb("ConditionalCheckFailedException"):
            ddb.put_item(TableName=t, Item={"pk": S("a"), "v": N(2)},
                         ConditionExpression="attribute_not_exists(pk)")
        assert get(ddb, t, pk=S("a"))["v"] == N(1)

    def test_put_if_absent_checks_the_full_primary_key(self, ddb, make_table):
        t = make_table(**PK_SK)
        cond = dict(ConditionExpression="attribute_not_exists(pk)")
        ddb.put_item(TableName=t, Item={"pk": S("p"), "sk": S("a")}, **cond)
        # same partition, different sort key: a different item, so the condition holds
        ddb.put_item(TableName=t, Item={"pk": S("p"), "sk": S("b")}, **cond)
        with raises_ddb("ConditionalCheckFailedException"):
            ddb.put_item(TableName=t, Item={"pk": S("p"), "sk": S("a")}, **cond)

    def test_update_requires_existing_item(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        with raises_ddb("ConditionalCheckFailedException"):
            upd(ddb, t, {"pk": S("ghost")}, "SET v = :v", {":v": N(1)},
                ConditionExpression="attribute_exists(pk)")
        assert get(ddb, t, pk=S("ghost")) is None, "failed conditional update must not upsert"

    def test_optimistic_locking_version_check(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        put(ddb, t, pk=S("a"), ver=N(1), data=S("v1"))
        upd(ddb, t, {"pk": S("a")}, "SET ver = :new, #d = :d", {":new": N(2), ":old": N(1), ":d": S("v2")},
            names={"#d": "data"}, ConditionExpression="ver = :old")
        with raises_ddb("ConditionalCheckFailedException"):
            upd(ddb, t, {"pk": S("a")}, "SET ver = :new, #d = :d", {":new": N(2), ":old": N(1), ":d": S("v3")},
                names={"#d": "data"}, ConditionExpression="ver = :old")
        assert py(get(ddb, t, pk=S("a"))) == {"pk": "a", "ver": 2, "data": "v2"}

    @pytest.mark.parametrize("cond,values,ok", [
        ("n < :v", {":v": N(10)}, True),
        ("n <= :v", {":v": N(5)}, True),
        ("n > :v", {":v": N(5)}, False),
        ("n >= :v", {":v": N(5)}, True),
        ("n <> :v", {":v": N(5)}, False),
        ("n = :v", {":v": N("5.0")}, True),
        ("s < :v", {":v": S("b")}, True),
        ("n BETWEEN :a AND :b", {":a": N(1), ":b": N(5)}, True),
        ("n BETWEEN :a AND :b", {":a": N(6), ":b": N(9)}, False),
        ("n IN (:a, :b)", {":a": N(4), ":b": N(5)}, True),
        ("s IN (:a, :b)", {":a": S("x"), ":b": S("y")}, False),
        pytest.param("n > :v", {":v": S("1")}, False, id="number-vs-string-is-false",
                     marks=moto_deviation("comparing N with S in a condition crashes moto (HTTP 500); "
                                          "DynamoDB evaluates it to false")),
    ])
    def test_condition_comparisons(self, ddb, make_table, cond, values, ok):
        t = make_table(hash_key=("pk", "S"))
        put(ddb, t, pk=S("a"), n=N(5), s=S("abc"))
        args = dict(TableName=t, Key={"pk": S("a")}, UpdateExpression="SET hit = :hit",
                    ConditionExpression=cond, ExpressionAttributeValues={**values, ":hit": BOOL(True)})
        if ok:
            ddb.update_item(**args)
            assert get(ddb, t, pk=S("a"))["hit"] == BOOL(True)
        else:
            with raises_ddb("ConditionalCheckFailedException"):
                ddb.update_item(**args)

    @pytest.mark.parametrize("cond,values,ok", [
        ("begins_with(s, :p)", {":p": S("ab")}, True),
        ("begins_with(s, :p)", {":p": S("b")}, False),
        ("contains(s, :p)", {":p": S("bc")}, True),
        ("contains(tags, :p)", {":p": S("red")}, True),
        ("contains(tags, :p)", {":p": S("blue")}, False),
        ("contains(l, :p)", {":p": N(2)}, True),
        ("size(s) = :n", {":n": N(3)}, True),
        ("size(l) = :n", {":n": N(3)}, True),
        ("size(tags) = :n", {":n": N(2)}, True),
        ("size(m) = :n", {":n": N(1)}, True),
        ("size(b) = :n", {":n": N(4)}, True),
        ("size(s) > :n", {":n": N(3)}, False),
        ("attribute_type(n, :t)", {":t": S("N")}, True),
        ("attribute_type(n, :t)", {":t": S("S")}, False),
        ("attribute_type(tags, :t)", {":t": S("SS")}, True),
        ("attribute_type(m, :t)", {":t": S("M")}, True),
        ("attribute_exists(m.nested)", None, True),
        ("attribute_exists(m.nope)", None, False),
        ("m.nested = :v", {":v": S("i")}, True),
        ("l[1] = :v", {":v": N(2)}, True),
        ("attribute_not_exists(absent)", None, True),
        ("absent = :v", {":v": N(1)}, False),
    ])
    def test_condition_functions(self, ddb, make_table, cond, values, ok):
        t = make_table(hash_key=("pk", "S"))
        put(ddb, t, pk=S("a"), n=N(5), s=S("abc"), tags=SS("red", "green"), l=L(N(1), N(2), N(3)),
            m=M(nested=S("i")), b=B(b"\x00\x01\x02\x03"))
        vals = dict(values or {})
        vals[":hit"] = BOOL(True)
        args = dict(TableName=t, Key={"pk": S("a")}, UpdateExpression="SET hit = :hit",
                    ConditionExpression=cond, ExpressionAttributeValues=vals)
        if ok:
            ddb.update_item(**args)
        else:
            with raises_ddb("ConditionalCheckFailedException"):
                ddb.update_item(**args)

    @pytest.mark.parametrize("cond,ok", [
        # AND binds tighter than OR: true OR (false AND false) -> true
        ("a = :one OR a = :two AND b = :two", True),
        # (true OR false) AND false -> false
        ("(a = :one OR a = :two) AND b = :two", False),
        # NOT binds tighter than AND: (NOT false) AND true -> true
        ("NOT a = :two AND b = :one", True),
        ("NOT (a = :one AND b = :one)", False),
    ])
    def test_condition_boolean_precedence(self, ddb, make_table, cond, ok):
        t = make_table(hash_key=("pk", "S"))
        put(ddb, t, pk=S("k"), a=N(1), b=N(1))
        # Only the placeholders the condition uses: an unused :value is itself a
        # ValidationException (rule 28), which would mask the precedence being tested.
        values = {k: v for k, v in {":one": N(1), ":two": N(2)}.items() if k in cond}
        args = dict(TableName=t, Item={"pk": S("k"), "a": N(1), "b": N(1), "w": BOOL(True)},
                    ConditionExpression=cond, ExpressionAttributeValues=values)
        if ok:
            ddb.put_item(**args)
        else:
            with raises_ddb("ConditionalCheckFailedException"):
                ddb.put_item(**args)

    def test_conditional_delete(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        put(ddb, t, pk=S("a"), state=S("active"))
        with raises_ddb("ConditionalCheckFailedException"):
            ddb.delete_item(TableName=t, Key={"pk": S("a")}, ConditionExpression="#s = :s",
                            ExpressionAttributeNames={"#s": "state"},
                            ExpressionAttributeValues={":s": S("closed")})
        assert get(ddb, t, pk=S("a")) is not None
        ddb.delete_item(TableName=t, Key={"pk": S("a")}, ConditionExpression="#s = :s",
                        ExpressionAttributeNames={"#s": "state"},
                        ExpressionAttributeValues={":s": S("active")})
        assert get(ddb, t, pk=S("a")) is None

    def test_condition_failure_can_return_old_item(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        put(ddb, t, pk=S("a"), v=N(1))
        with raises_ddb("ConditionalCheckFailedException") as ei:
            ddb.put_item(TableName=t, Item={"pk": S("a"), "v": N(2)},
                         ConditionExpression="attribute_not_exists(pk)",
                         ReturnValuesOnConditionCheckFailure="ALL_OLD")
        assert py(ei.value.response.get("Item")) == {"pk": "a", "v": 1}

    @moto_deviation('moto answers HTTP 500 to a malformed ConditionExpression')
    def test_condition_syntax_error(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        with raises_ddb("ValidationException"):
            ddb.put_item(TableName=t, Item={"pk": S("a")}, ConditionExpression="v = = :v",
                         ExpressionAttributeValues={":v": N(1)})

    @moto_deviation('moto answers HTTP 500 to an unknown function in a ConditionExpression')
    def test_condition_unknown_function(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        with raises_ddb("ValidationException"):
            ddb.put_item(TableName=t, Item={"pk": S("a")}, ConditionExpression="no_such_fn(v)")

    @moto_deviation('moto answers HTTP 500 to an undefined #name in a ConditionExpression')
    def test_condition_undefined_name_placeholder(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        with raises_ddb("ValidationException"):
            ddb.put_item(TableName=t, Item={"pk": S("a")}, ConditionExpression="attribute_exists(#nope)")

    def test_condition_unused_name_placeholder(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        with raises_ddb("ValidationException"):
            ddb.put_item(TableName=t, Item={"pk": S("a")}, ConditionExpression="attribute_not_exists(pk)",
                         ExpressionAttributeNames={"#unused": "x"})


# ===========================================================================
# Query
# ===========================================================================

STR_SKS = ["a", "b", "ba", "bb", "c", "d"]


class TestQuery:
    @pytest.mark.parametrize("cond,values,expected", [
        ("sk = :v", {":v": S("ba")}, ["ba"]),
        ("sk < :v", {":v": S("b")}, ["a"]),
        ("sk <= :v", {":v": S("b")}, ["a", "b"]),
        ("sk > :v", {":v": S("bb")}, ["c", "d"]),
        ("sk >= :v", {":v": S("bb")}, ["bb", "c", "d"]),
        ("sk BETWEEN :a AND :b", {":a": S("b"), ":b": S("c")}, ["b", "ba", "bb", "c"]),
        ("begins_with(sk, :v)", {":v": S("b")}, ["b", "ba", "bb"]),
        ("sk = :v", {":v": S("zz")}, []),
    ])
    def test_sort_key_conditions(self, ddb, make_table, cond, values, expected):
        t = make_table(**PK_SK)
        fill_partition(ddb, t, "p", STR_SKS)
        fill_partition(ddb, t, "other", STR_SKS)
        r = q(ddb, t, "pk = :p AND " + cond, {":p": S("p"), **values})
        assert sk_values(r["Items"]) == expected
        assert r["Count"] == len(expected)
        assert all(i["pk"] == S("p") for i in r["Items"])

    def test_scan_index_forward_false_reverses(self, ddb, make_table):
        t = make_table(**PK_SK)
        fill_partition(ddb, t, "p", ["c", "a", "d", "b"])
        r = q(ddb, t, "pk = :p", {":p": S("p")}, ScanIndexForward=False)
        assert sk_values(r["Items"]) == ["d", "c", "b", "a"]
        r = q(ddb, t, "pk = :p AND sk < :v", {":p": S("p"), ":v": S("d")}, ScanIndexForward=False)
        assert sk_values(r["Items"]) == ["c", "b", "a"]

    def test_query_missing_partition_returns_empty(self, ddb, make_table):
        t = make_table(**PK_SK)
        fill_partition(ddb, t, "p", ["a"])
        r = q(ddb, t, "pk = :p", {":p": S("nobody")})
        assert r["Items"] == [] and r["Count"] == 0 and "LastEvaluatedKey" not in r

    def test_numeric_sort_key_basic_order(self, ddb, make_table):
        t = make_table(**PK_NSK)
        fill_partition(ddb, t, "p", ["9", "10", "2", "100"], numeric=True)
        r = q(ddb, t, "pk = :p", {":p": S("p")})
        assert sk_values(r["Items"]) == [2, 9, 10, 100]
        r = q(ddb, t, "pk = :p AND sk > :v", {":p": S("p"), ":v": N(9)})
        assert sk_values(r["Items"]) == [10, 100]

    def test_string_sort_key_is_case_sensitive_byte_order(self, ddb, make_table):
        t = make_table(**PK_SK)
        fill_partition(ddb, t, "p", ["b", "B", "a", "A", "_", "1", "~"])
        r = q(ddb, t, "pk = :p", {":p": S("p")})
        assert sk_values(r["Items"]) == ["1", "A", "B", "_", "a", "b", "~"]

    def test_between_is_inclusive_and_exact_bounds(self, ddb, make_table):
        t = make_table(**PK_NSK)
        fill_partition(ddb, t, "p", list(range(1, 11)), numeric=True)
        r = q(ddb, t, "pk = :p AND sk BETWEEN :a AND :b", {":p": S("p"), ":a": N(3), ":b": N(6)})
        assert sk_values(r["Items"]) == [3, 4, 5, 6]
        r = q(ddb, t, "pk = :p AND sk BETWEEN :a AND :a", {":p": S("p"), ":a": N(7)})
        assert sk_values(r["Items"]) == [7]

    def test_hash_only_table_query(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        put(ddb, t, pk=S("a"), v=N(1))
        put(ddb, t, pk=S("b"), v=N(2))
        r = q(ddb, t, "pk = :p", {":p": S("a")})
        assert py(r["Items"][0]) == {"pk": "a", "v": 1} and r["Count"] == 1

    def test_query_with_attribute_name_placeholders(self, ddb, make_table):
        t = make_table(hash_key=("name", "S"), range_key=("date", "S"))
        ddb.put_item(TableName=t, Item={"name": S("n"), "date": S("2024-01-01")})
        ddb.put_item(TableName=t, Item={"name": S("n"), "date": S("2024-02-01")})
        r = q(ddb, t, "#n = :n AND #d > :d", {":n": S("n"), ":d": S("2024-01-15")},
              names={"#n": "name", "#d": "date"})
        assert sk_values(r["Items"], "date") == ["2024-02-01"]

    @moto_deviation('moto does not reject reserved words in KeyConditionExpression')
    def test_query_reserved_word_without_placeholder_rejected(self, ddb, make_table):
        t = make_table(hash_key=("name", "S"))
        with raises_ddb("ValidationException"):
            q(ddb, t, "name = :n", {":n": S("n")})

    def test_query_sort_condition_on_hash_only_table_rejected(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        with raises_ddb("ValidationException"):
            q(ddb, t, "pk = :p AND sk = :s", {":p": S("a"), ":s": S("b")})

    def test_query_without_partition_key_rejected(self, ddb, make_table):
        t = make_table(**PK_SK)
        with raises_ddb("ValidationException"):
            q(ddb, t, "sk = :s", {":s": S("b")})

    def test_query_partition_key_non_equality_rejected(self, ddb, make_table):
        t = make_table(**PK_SK)
        with raises_ddb("ValidationException"):
            q(ddb, t, "pk > :p", {":p": S("a")})

    def test_query_on_non_key_attribute_rejected(self, ddb, make_table):
        t = make_table(**PK_SK)
        with raises_ddb("ValidationException"):
            q(ddb, t, "pk = :p AND color = :o", {":p": S("a"), ":o": S("b")})

    @moto_deviation('moto accepts two conditions on the sort key')
    def test_query_two_sort_key_conditions_rejected(self, ddb, make_table):
        t = make_table(**PK_SK)
        with raises_ddb("ValidationException"):
            q(ddb, t, "pk = :p AND sk > :a AND sk < :b", {":p": S("a"), ":a": S("a"), ":b": S("z")})

    @moto_deviation('moto does not type-check key condition values')
    def test_query_key_condition_wrong_value_type_rejected(self, ddb, make_table):
        t = make_table(**PK_NSK)
        with raises_ddb("ValidationException"):
            q(ddb, t, "pk = :p AND sk > :v", {":p": S("a"), ":v": S("1")})

    @moto_deviation('moto answers HTTP 500 to OR in a KeyConditionExpression')
    def test_query_key_condition_or_rejected(self, ddb, make_table):
        t = make_table(**PK_SK)
        with raises_ddb("ValidationException"):
            q(ddb, t, "pk = :p OR sk = :s", {":p": S("a"), ":s": S("b")})

    @moto_deviation('moto accepts BETWEEN with lower bound > upper bound')
    def test_query_between_with_reversed_bounds_rejected(self, ddb, make_table):
        t = make_table(**PK_NSK)
        with raises_ddb("ValidationException"):
            q(ddb, t, "pk = :p AND sk BETWEEN :a AND :b", {":p": S("a"), ":a": N(5), ":b": N(1)})

    @moto_deviation('moto accepts begins_with on a Number sort key')
    def test_query_begins_with_on_number_sort_key_rejected(self, ddb, make_table):
        t = make_table(**PK_NSK)
        with raises_ddb("ValidationException"):
            q(ddb, t, "pk = :p AND begins_with(sk, :v)", {":p": S("a"), ":v": N(1)})

    @moto_deviation('moto accepts key attributes in a Query FilterExpression')
    def test_query_filter_on_key_attribute_rejected(self, ddb, make_table):
        t = make_table(**PK_SK)
        with raises_ddb("ValidationException"):
            q(ddb, t, "pk = :p", {":p": S("a"), ":s": S("b")}, FilterExpression="sk = :s")

    @moto_deviation('moto accepts Limit=0 (DynamoDB requires Limit >= 1)')
    def test_query_limit_zero_rejected(self, ddb_raw, make_table):
        t = make_table(**PK_SK)
        with raises_ddb("ValidationException"):
            q(ddb_raw, t, "pk = :p", {":p": S("a")}, Limit=0)

    @moto_deviation('moto answers HTTP 500 to a malformed KeyConditionExpression')
    def test_query_key_condition_syntax_error(self, ddb, make_table):
        t = make_table(**PK_SK)
        with raises_ddb("ValidationException"):
            q(ddb, t, "pk == :p", {":p": S("a")})

    def test_query_undefined_value_placeholder(self, ddb, make_table):
        t = make_table(**PK_SK)
        with raises_ddb("ValidationException"):
            q(ddb, t, "pk = :p AND sk = :nope", {":p": S("a")})

    def test_query_undefined_name_placeholder(self, ddb, make_table):
        t = make_table(**PK_SK)
        with raises_ddb("ValidationException"):
            q(ddb, t, "pk = :p AND #nope = :s", {":p": S("a"), ":s": S("b")})

    @moto_deviation('moto does not reject unused ExpressionAttributeValues in Query')
    def test_query_unused_value_placeholder(self, ddb, make_table):
        t = make_table(**PK_SK)
        with raises_ddb("ValidationException"):
            q(ddb, t, "pk = :p", {":p": S("a"), ":unused": S("b")})

    def test_query_unused_name_placeholder(self, ddb, make_table):
        t = make_table(**PK_SK)
        with raises_ddb("ValidationException"):
            q(ddb, t, "pk = :p", {":p": S("a")}, names={"#unused": "x"})

    def test_filter_expression_counts_without_limit(self, ddb, make_table):
        t = make_table(**PK_NSK)
        fill_partition(ddb, t, "p", list(range(10)), numeric=True,
                       extra=lambda i, s: {"even": BOOL(i % 2 == 0)})
        r = q(ddb, t, "pk = :p", {":p": S("p"), ":t": BOOL(True)}, FilterExpression="even = :t")
        assert sk_values(r["Items"]) == [0, 2, 4, 6, 8]
        assert r["Count"] == 5 and r["ScannedCount"] == 10

    def test_filter_on_missing_attribute_excludes_items(self, ddb, make_table):
        t = make_table(**PK_SK)
        put(ddb, t, pk=S("p"), sk=S("1"), color=S("red"))
        put(ddb, t, pk=S("p"), sk=S("2"))
        r = q(ddb, t, "pk = :p", {":p": S("p"), ":c": S("blue")}, FilterExpression="color <> :c")
        observe("filter_ne_missing_attribute", skeys=sk_values(r["Items"]))
        assert "1" in sk_values(r["Items"])
        r = q(ddb, t, "pk = :p", {":p": S("p")}, FilterExpression="attribute_not_exists(color)")
        assert sk_values(r["Items"]) == ["2"]

    def test_select_count(self, ddb, make_table):
        t = make_table(**PK_SK)
        fill_partition(ddb, t, "p", STR_SKS)
        r = q(ddb, t, "pk = :p AND sk >= :v", {":p": S("p"), ":v": S("b")}, Select="COUNT")
        assert r["Count"] == 5 and r["ScannedCount"] == 5
        assert "Items" not in r or r["Items"] == []

    def test_query_projection(self, ddb, make_table):
        t = make_table(**PK_SK)
        fill_partition(ddb, t, "p", ["a", "b"], extra=lambda i, s: {"x": S("x" + s), "y": S("y")})
        r = q(ddb, t, "pk = :p", {":p": S("p")}, ProjectionExpression="sk, x")
        assert r["Items"] == [{"sk": S("a"), "x": S("xa")}, {"sk": S("b"), "x": S("xb")}]

    def test_query_consistent_read_on_table(self, ddb, make_table):
        t = make_table(**PK_SK)
        fill_partition(ddb, t, "p", ["a", "b"])
        r = q(ddb, t, "pk = :p", {":p": S("p")}, ConsistentRead=True)
        assert r["Count"] == 2

    def test_binary_sort_key_begins_with_and_order(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"), range_key=("sk", "B"))
        for v in [b"ab", b"a", b"abc", b"b", b"aa"]:
            put(ddb, t, pk=S("p"), sk=B(v))
        r = q(ddb, t, "pk = :p", {":p": S("p")})
        assert [bytes(i["sk"]["B"]) for i in r["Items"]] == [b"a", b"aa", b"ab", b"abc", b"b"]
        r = q(ddb, t, "pk = :p AND begins_with(sk, :v)", {":p": S("p"), ":v": B(b"ab")})
        assert [bytes(i["sk"]["B"]) for i in r["Items"]] == [b"ab", b"abc"]


# ===========================================================================
# Pagination (base table + Scan)
# ===========================================================================

class TestPagination:
    @pytest.mark.parametrize("forward", [True, False], ids=["forward", "backward"])
    @pytest.mark.parametrize("limit", [1, 3, 7])
    def test_query_pages_concatenate_to_full_result(self, ddb, make_table, forward, limit):
        t = make_table(**PK_NSK)
        fill_partition(ddb, t, "p", list(range(20)), numeric=True)
        fill_partition(ddb, t, "q", list(range(5)), numeric=True)
        full = q(ddb, t, "pk = :p", {":p": S("p")}, ScanIndexForward=forward)["Items"]
        pages = paginate(ddb, "query", TableName=t, KeyConditionExpression="pk = :p",
                         ExpressionAttributeValues={":p": S("p")}, ScanIndexForward=forward, Limit=limit)
        items = all_items(pages)
        assert items == full
        assert len(full) == 20
        expected = list(range(20)) if forward else list(range(19, -1, -1))
        assert sk_values(items) == expected
        for p in pages:
            assert p["Count"] <= limit
            assert p["Count"] == len(p["Items"])

    def test_query_pagination_with_sort_key_range(self, ddb, make_table):
        t = make_table(**PK_NSK)
        fill_partition(ddb, t, "p", list(range(30)), numeric=True)
        pages = paginate(ddb, "query", TableName=t,
                         KeyConditionExpression="pk = :p AND sk BETWEEN :a AND :b",
                         ExpressionAttributeValues={":p": S("p"), ":a": N(5), ":b": N(17)}, Limit=4)
        assert sk_values(all_items(pages)) == list(range(5, 18))

    def test_query_last_evaluated_key_is_table_key_of_last_item(self, ddb, make_table):
        t = make_table(**PK_NSK)
        fill_partition(ddb, t, "p", list(range(10)), numeric=True,
                       extra=lambda i, s: {"payload": S("x")})
        r = q(ddb, t, "pk = :p", {":p": S("p")}, Limit=3)
        assert r["LastEvaluatedKey"] == {"pk": S("p"), "sk": N(2)}
        r = q(ddb, t, "pk = :p", {":p": S("p")}, Limit=3, ScanIndexForward=False)
        assert r["LastEvaluatedKey"] == {"pk": S("p"), "sk": N(7)}

    def test_query_limit_larger_than_result_has_no_lek(self, ddb, make_table):
        t = make_table(**PK_NSK)
        fill_partition(ddb, t, "p", list(range(5)), numeric=True)
        r = q(ddb, t, "pk = :p", {":p": S("p")}, Limit=6)
        assert r["Count"] == 5
        assert "LastEvaluatedKey" not in r

    def test_query_page_ending_exactly_at_last_item(self, ddb, make_table):
        """DynamoDB documents that a non-empty LastEvaluatedKey does not
        guarantee more data. Either (a) no LEK, or (b) an LEK whose next page
        is empty and has no LEK, is conforming."""
        t = make_table(**PK_NSK)
        fill_partition(ddb, t, "p", list(range(6)), numeric=True)
        r = q(ddb, t, "pk = :p", {":p": S("p")}, Limit=3, ExclusiveStartKey={"pk": S("p"), "sk": N(2)})
        assert sk_values(r["Items"]) == [3, 4, 5]
        lek = r.get("LastEvaluatedKey")
        observe("lek_when_page_ends_at_last_item", query_lek=lek)
        if lek:
            assert lek == {"pk": S("p"), "sk": N(5)}
            r2 = q(ddb, t, "pk = :p", {":p": S("p")}, Limit=3, ExclusiveStartKey=lek)
            assert r2["Items"] == [] and "LastEvaluatedKey" not in r2

    def test_scan_pages_cover_table_exactly_once(self, ddb, make_table):
        t = make_table(**PK_NSK)
        for pk in ["a", "b", "c", "d"]:
            fill_partition(ddb, t, pk, list(range(7)), numeric=True)
        full = all_items(paginate(ddb, "scan", TableName=t))
        assert len(full) == 28
        for limit in (1, 5, 9):
            pages = paginate(ddb, "scan", TableName=t, Limit=limit)
            items = all_items(pages)
            keys = [key_of(i, ["pk", "sk"]) for i in items]
            assert len(keys) == len(set(keys)) == 28
            assert set(keys) == {key_of(i, ["pk", "sk"]) for i in full}
            for p in pages:
                assert p["ScannedCount"] <= limit
                if "LastEvaluatedKey" in p:
                    assert set(p["LastEvaluatedKey"]) == {"pk", "sk"}

    def test_scan_items_within_partition_in_sort_order(self, ddb, make_table):
        t = make_table(**PK_NSK)
        for pk in ["a", "b", "c"]:
            fill_partition(ddb, t, pk, [5, 1, 3, 2, 4], numeric=True)
        items = all_items(paginate(ddb, "scan", TableName=t, Limit=2))
        by_pk: dict[str, list] = {}
        for it in items:
            by_pk.setdefault(it["pk"]["S"], []).append(Decimal(it["sk"]["N"]))
        for pk, sks in by_pk.items():
            assert sks == sorted(sks), f"partition {pk} scanned out of order"

    def test_scan_page_ending_exactly_at_last_item(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        for i in range(4):
            put(ddb, t, pk=S(f"k{i}"))
        r1 = ddb.scan(TableName=t, Limit=2)
        r2 = ddb.scan(TableName=t, Limit=2, ExclusiveStartKey=r1["LastEvaluatedKey"])
        assert r1["Count"] + r2["Count"] == 4
        observe("lek_when_page_ends_at_last_item", scan_lek=r2.get("LastEvaluatedKey"))
        if "LastEvaluatedKey" in r2:
            r3 = ddb.scan(TableName=t, Limit=2, ExclusiveStartKey=r2["LastEvaluatedKey"])
            assert r3["Items"] == [] and "LastEvaluatedKey" not in r3

    def test_parallel_scan_segments_partition_the_table(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        for i in range(40):
            put(ddb, t, pk=S(f"user{i}"))
        seen = []
        for seg in range(4):
            seen += [i["pk"]["S"] for i in all_items(
                paginate(ddb, "scan", TableName=t, Segment=seg, TotalSegments=4, Limit=3))]
        assert sorted(seen) == sorted(f"user{i}" for i in range(40))

    def test_scan_filter_and_counts(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        for i in range(12):
            put(ddb, t, pk=S(f"k{i:02d}"), v=N(i))
        r = ddb.scan(TableName=t, FilterExpression="v >= :m", ExpressionAttributeValues={":m": N(8)})
        assert sorted(py(i)["v"] for i in r["Items"]) == [8, 9, 10, 11]
        assert r["Count"] == 4 and r["ScannedCount"] == 12

    @moto_deviation("moto's Scan with Select=COUNT still returns Items")
    def test_scan_select_count_returns_no_items(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        for i in range(12):
            put(ddb, t, pk=S(f"k{i:02d}"), v=N(i))
        r = ddb.scan(TableName=t, Select="COUNT", FilterExpression="v < :m",
                     ExpressionAttributeValues={":m": N(3)})
        assert r["Count"] == 3 and r["ScannedCount"] == 12
        assert "Items" not in r or r["Items"] == []

    def test_scan_filter_on_key_attribute_allowed(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        for i in range(5):
            put(ddb, t, pk=S(f"k{i}"))
        r = ddb.scan(TableName=t, FilterExpression="pk IN (:a, :b)",
                     ExpressionAttributeValues={":a": S("k1"), ":b": S("k3")})
        assert sorted(i["pk"]["S"] for i in r["Items"]) == ["k1", "k3"]

    def test_scan_projection(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        put(ddb, t, pk=S("a"), x=N(1), y=N(2))
        r = ddb.scan(TableName=t, ProjectionExpression="y")
        assert r["Items"] == [{"y": N(2)}]

    def test_empty_table_scan(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        r = ddb.scan(TableName=t)
        assert r["Items"] == [] and r["Count"] == 0 and "LastEvaluatedKey" not in r


# ===========================================================================
# ProjectionExpression (basic top-level paths)
# ===========================================================================

class TestProjection:
    def test_projection_nested_map_path(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        put(ddb, t, pk=S("a"), a=M(b=S("B"), c=S("C")), other=S("o"))
        r = ddb.get_item(TableName=t, Key={"pk": S("a")}, ProjectionExpression="a.b")
        assert r["Item"] == {"a": {"M": {"b": S("B")}}}

    def test_projection_list_element(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        put(ddb, t, pk=S("a"), l=L(S("zero"), S("one"), S("two")))
        r = ddb.get_item(TableName=t, Key={"pk": S("a")}, ProjectionExpression="l[1]")
        assert r["Item"] == {"l": {"L": [S("one")]}}

    def test_projection_missing_attribute_omitted(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        put(ddb, t, pk=S("a"), x=N(1))
        r = ddb.get_item(TableName=t, Key={"pk": S("a")}, ProjectionExpression="x, nothere")
        assert r["Item"] == {"x": N(1)}

    @moto_deviation('moto answers HTTP 500 to a malformed ProjectionExpression')
    def test_projection_syntax_error(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        put(ddb, t, pk=S("a"))
        with raises_ddb("ValidationException"):
            ddb.get_item(TableName=t, Key={"pk": S("a")}, ProjectionExpression="x,, y")

    @moto_deviation('moto ignores an undefined #name in a ProjectionExpression')
    def test_projection_undefined_placeholder(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        put(ddb, t, pk=S("a"))
        with raises_ddb("ValidationException"):
            ddb.get_item(TableName=t, Key={"pk": S("a")}, ProjectionExpression="#x")


# ===========================================================================
# Global secondary indexes
# ===========================================================================

class TestGSI:
    def _orders(self, ddb, make_table, projection="ALL", include=None):
        t = make_table(**PK_SK, gsis=[gsi("by_status", ("status", "S"), ("total", "N"), projection, include)])
        rows = [("c1", "o1", "open", 30), ("c1", "o2", "shipped", 10), ("c2", "o3", "open", 20),
                ("c2", "o4", "open", 5), ("c3", "o5", "shipped", 50), ("c3", "o6", None, 1)]
        for pk, sk, status, total in rows:
            item = {"pk": S(pk), "sk": S(sk), "total": N(total), "note": S("n-" + sk), "extra": S("e")}
            if status:
                item["status"] = S(status)
            put(ddb, t, **item)
        settle()
        return t

    def test_gsi_query_sorted_by_index_sort_key(self, ddb, make_table):
        t = self._orders(ddb, make_table)
        r = ddb.query(TableName=t, IndexName="by_status", KeyConditionExpression="#s = :s",
                      ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":s": S("open")})
        assert [i["sk"]["S"] for i in r["Items"]] == ["o4", "o3", "o1"]
        assert r["Items"][0] == {"pk": S("c2"), "sk": S("o4"), "status": S("open"), "total": N(5),
                                 "note": S("n-o4"), "extra": S("e")}

    def test_gsi_query_with_sort_condition_and_descending(self, ddb, make_table):
        t = self._orders(ddb, make_table)
        r = ddb.query(TableName=t, IndexName="by_status",
                      KeyConditionExpression="#s = :s AND #t >= :m", ScanIndexForward=False,
                      ExpressionAttributeNames={"#s": "status", "#t": "total"},
                      ExpressionAttributeValues={":s": S("open"), ":m": N(20)})
        assert [i["sk"]["S"] for i in r["Items"]] == ["o1", "o3"]

    def test_gsi_sparse_items_without_index_key_absent(self, ddb, make_table):
        t = self._orders(ddb, make_table)
        scanned = all_items(paginate(ddb, "scan", TableName=t, IndexName="by_status"))
        assert sorted(i["sk"]["S"] for i in scanned) == ["o1", "o2", "o3", "o4", "o5"]

    def test_gsi_tracks_updates_and_deletes(self, ddb, make_table):
        t = self._orders(ddb, make_table)
        upd(ddb, t, {"pk": S("c3"), "sk": S("o6")}, "SET #s = :s", {":s": S("open")}, names={"#s": "status"})
        upd(ddb, t, {"pk": S("c1"), "sk": S("o1")}, "SET #s = :s", {":s": S("shipped")}, names={"#s": "status"})
        ddb.delete_item(TableName=t, Key={"pk": S("c2"), "sk": S("o3")})
        upd(ddb, t, {"pk": S("c2"), "sk": S("o4")}, "REMOVE #s", names={"#s": "status"})
        settle()

        def idx(status):
            r = ddb.query(TableName=t, IndexName="by_status", KeyConditionExpression="#s = :s",
                          ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":s": S(status)})
            return [i["sk"]["S"] for i in r["Items"]]
        assert idx("open") == ["o6"]
        assert idx("shipped") == ["o2", "o1", "o5"]

    def test_gsi_keys_only_projection(self, ddb, make_table):
        t = self._orders(ddb, make_table, "KEYS_ONLY")
        r = ddb.query(TableName=t, IndexName="by_status", KeyConditionExpression="#s = :s",
                      ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":s": S("shipped")})
        assert r["Items"] == [
            {"pk": S("c1"), "sk": S("o2"), "status": S("shipped"), "total": N(10)},
            {"pk": S("c3"), "sk": S("o5"), "status": S("shipped"), "total": N(50)},
        ]

    def test_gsi_include_projection(self, ddb, make_table):
        t = self._orders(ddb, make_table, "INCLUDE", ["note"])
        r = ddb.query(TableName=t, IndexName="by_status", KeyConditionExpression="#s = :s",
                      ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":s": S("shipped")})
        assert r["Items"] == [
            {"pk": S("c1"), "sk": S("o2"), "status": S("shipped"), "total": N(10), "note": S("n-o2")},
            {"pk": S("c3"), "sk": S("o5"), "status": S("shipped"), "total": N(50), "note": S("n-o5")},
        ]

    def test_gsi_all_projection_scan(self, ddb, make_table):
        t = self._orders(ddb, make_table, "ALL")
        items = all_items(paginate(ddb, "scan", TableName=t, IndexName="by_status"))
        assert all(set(i) == {"pk", "sk", "status", "total", "note", "extra"} for i in items)

    def test_gsi_consistent_read_rejected(self, ddb, make_table):
        t = self._orders(ddb, make_table)
        with raises_ddb("ValidationException"):
            ddb.query(TableName=t, IndexName="by_status", KeyConditionExpression="#s = :s",
                      ConsistentRead=True, ExpressionAttributeNames={"#s": "status"},
                      ExpressionAttributeValues={":s": S("open")})

    @moto_deviation('moto answers ResourceNotFoundException for an unknown IndexName')
    def test_query_unknown_index_rejected(self, ddb, make_table):
        t = self._orders(ddb, make_table)
        with raises_ddb("ValidationException"):
            ddb.query(TableName=t, IndexName="nope", KeyConditionExpression="#s = :s",
                      ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":s": S("open")})

    def test_gsi_key_condition_must_use_index_keys(self, ddb, make_table):
        t = self._orders(ddb, make_table)
        with raises_ddb("ValidationException"):
            ddb.query(TableName=t, IndexName="by_status", KeyConditionExpression="pk = :p",
                      ExpressionAttributeValues={":p": S("c1")})

    @moto_deviation('moto does not type-check GSI key attributes on write')
    def test_gsi_key_with_wrong_type_rejected_on_write(self, ddb, make_table):
        t = self._orders(ddb, make_table)
        with raises_ddb("ValidationException"):
            put(ddb, t, pk=S("c9"), sk=S("o9"), status=N(1), total=N(1))
        with raises_ddb("ValidationException"):
            put(ddb, t, pk=S("c9"), sk=S("o9"), status=S("open"), total=S("lots"))
        assert get(ddb, t, pk=S("c9"), sk=S("o9")) is None

    def test_gsi_key_empty_string_rejected_on_write(self, ddb, make_table):
        t = self._orders(ddb, make_table)
        with raises_ddb("ValidationException"):
            put(ddb, t, pk=S("c9"), sk=S("o9"), status=S(""), total=N(1))

    def test_gsi_hash_only_index(self, ddb, make_table):
        t = make_table(**PK_SK, gsis=[gsi("by_owner", ("owner", "S"))])
        for i in range(5):
            put(ddb, t, pk=S(f"p{i}"), sk=S("x"), owner=S("alice" if i % 2 else "bob"))
        settle()
        r = ddb.query(TableName=t, IndexName="by_owner", KeyConditionExpression="#o = :o",
                      ExpressionAttributeNames={"#o": "owner"}, ExpressionAttributeValues={":o": S("bob")})
        assert sorted(i["pk"]["S"] for i in r["Items"]) == ["p0", "p2", "p4"]

    def test_gsi_query_filter_and_projection(self, ddb, make_table):
        t = self._orders(ddb, make_table)
        r = ddb.query(TableName=t, IndexName="by_status", KeyConditionExpression="#s = :s",
                      FilterExpression="note <> :n", ProjectionExpression="sk, #t",
                      ExpressionAttributeNames={"#s": "status", "#t": "total"},
                      ExpressionAttributeValues={":s": S("open"), ":n": S("n-o1")})
        assert r["Items"] == [{"sk": S("o4"), "total": N(5)}, {"sk": S("o3"), "total": N(20)}]
        assert r["Count"] == 2 and r["ScannedCount"] == 3

    def test_gsi_query_select_count(self, ddb, make_table):
        t = self._orders(ddb, make_table)
        r = ddb.query(TableName=t, IndexName="by_status", KeyConditionExpression="#s = :s",
                      Select="COUNT", ExpressionAttributeNames={"#s": "status"},
                      ExpressionAttributeValues={":s": S("open")})
        assert r["Count"] == 3

    def test_gsi_pagination_walk(self, ddb, make_table):
        t = self._orders(ddb, make_table)
        pages = paginate(ddb, "query", TableName=t, IndexName="by_status", KeyConditionExpression="#s = :s",
                         ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":s": S("open")},
                         Limit=1)
        assert [i["sk"]["S"] for i in all_items(pages)] == ["o4", "o3", "o1"]


# ===========================================================================
# Geohash matching scenario ("Users" keyed by email, GSI geohash + age)
# ===========================================================================

class TestGeohashMatching:
    def test_candidates_in_cell_and_neighbors(self, ddb, make_table):
        t, home, ring, users = build_users(ddb, make_table)
        assert len(set(ring)) == 8 and home not in ring
        cells = [home] + ring
        found = []
        for cell in cells:
            items = query_cell(ddb, t, cell, 25, 35)
            ages = [int(i["age"]["N"]) for i in items]
            assert ages == sorted(ages), "index results are ordered by age"
            assert all(i["geohash"] == S(cell) for i in items)
            found += [i["email"]["S"] for i in items]
        expected = sorted(u["email"] for u in users if u["geohash"] in cells and 25 <= u["age"] <= 35)
        assert sorted(found) == expected
        assert len(found) == len(set(found))
        assert {"twin-a@example.com", "twin-b@example.com"} <= set(found)

    def test_far_cells_excluded_and_unlocated_user_not_indexed(self, ddb, make_table):
        t, home, ring, users = build_users(ddb, make_table)
        found = {i["email"]["S"] for cell in [home] + ring for i in query_cell(ddb, t, cell, 0, 200)}
        far_users = {u["email"] for u in users if u["geohash"] not in [home] + ring}
        assert far_users and not (found & far_users)
        assert "nolocation@example.com" not in found
        assert len(found) == len(users) - len(far_users)

    def test_user_moving_cells_moves_in_index(self, ddb, make_table):
        t, home, ring, users = build_users(ddb, make_table)
        mover = next(u for u in users if u["geohash"] == home)
        ddb.update_item(TableName=t, Key={"email": S(mover["email"])}, UpdateExpression="SET geohash = :g",
                        ExpressionAttributeValues={":g": S(ring[0])})
        settle()
        assert mover["email"] not in {i["email"]["S"] for i in query_cell(ddb, t, home, 0, 200)}
        assert mover["email"] in {i["email"]["S"] for i in query_cell(ddb, t, ring[0], 0, 200)}

    def test_include_projection_for_matching_cards(self, ddb, make_table):
        t, home, ring, users = build_users(ddb, make_table, projection="INCLUDE", include=["name"])
        items = query_cell(ddb, t, home, 0, 200)
        assert items and all(set(i) == {"email", "geohash", "age", "name"} for i in items)


# ===========================================================================
# Batch operations
# ===========================================================================

class TestBatch:
    def test_batch_write_put_and_delete_across_tables(self, ddb, make_table):
        t1 = make_table(hash_key=("pk", "S"))
        t2 = make_table(**PK_SK)
        put(ddb, t1, pk=S("gone"))
        r = ddb.batch_write_item(RequestItems={
            t1: [{"PutRequest": {"Item": {"pk": S(f"k{i}"), "v": N(i)}}} for i in range(10)]
                + [{"DeleteRequest": {"Key": {"pk": S("gone")}}}],
            t2: [{"PutRequest": {"Item": {"pk": S("p"), "sk": S(f"s{i}")}}} for i in range(5)],
        })
        assert r.get("UnprocessedItems", {}) == {}
        assert len(all_items(paginate(ddb, "scan", TableName=t1))) == 10
        assert get(ddb, t1, pk=S("gone")) is None
        assert q(ddb, t2, "pk = :p", {":p": S("p")})["Count"] == 5

    def test_batch_get_across_tables_missing_keys_absent(self, ddb, make_table):
        t1 = make_table(hash_key=("pk", "S"))
        t2 = make_table(**PK_SK)
        for i in range(5):
            put(ddb, t1, pk=S(f"k{i}"), v=N(i))
            put(ddb, t2, pk=S("p"), sk=S(f"s{i}"), v=N(i))
        r = ddb.batch_get_item(RequestItems={
            t1: {"Keys": [{"pk": S("k1")}, {"pk": S("k3")}, {"pk": S("missing")}]},
            t2: {"Keys": [{"pk": S("p"), "sk": S("s4")}], "ConsistentRead": True},
        })
        assert r.get("UnprocessedKeys", {}) == {}
        assert sorted(i["pk"]["S"] for i in r["Responses"][t1]) == ["k1", "k3"]
        assert py(r["Responses"][t2][0]) == {"pk": "p", "sk": "s4", "v": 4}

    def test_batch_get_projection(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        put(ddb, t, pk=S("a"), x=N(1), y=N(2))
        r = ddb.batch_get_item(RequestItems={t: {"Keys": [{"pk": S("a")}], "ProjectionExpression": "#y",
                                                 "ExpressionAttributeNames": {"#y": "y"}}})
        assert r["Responses"][t] == [{"y": N(2)}]

    def test_batch_get_100_keys(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        ddb.batch_write_item(RequestItems={t: [{"PutRequest": {"Item": {"pk": S(f"k{i}")}}} for i in range(25)]})
        r = ddb.batch_get_item(RequestItems={t: {"Keys": [{"pk": S(f"k{i}")} for i in range(100)]}})
        got = list(r["Responses"][t])
        unprocessed = r.get("UnprocessedKeys", {})
        while unprocessed:
            r = ddb.batch_get_item(RequestItems=unprocessed)
            got += r["Responses"].get(t, [])
            unprocessed = r.get("UnprocessedKeys", {})
        assert sorted(i["pk"]["S"] for i in got) == sorted(f"k{i}" for i in range(25))

    @moto_deviation('moto accepts more than 25 requests in one BatchWriteItem')
    def test_batch_write_more_than_25_rejected(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        with raises_ddb("ValidationException"):
            ddb.batch_write_item(RequestItems={t: [{"PutRequest": {"Item": {"pk": S(f"k{i}")}}} for i in range(26)]})
        assert ddb.scan(TableName=t)["Count"] == 0

    @moto_deviation('moto accepts duplicate keys in one BatchWriteItem')
    def test_batch_write_duplicate_keys_rejected(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        with raises_ddb("ValidationException"):
            ddb.batch_write_item(RequestItems={t: [
                {"PutRequest": {"Item": {"pk": S("same"), "v": N(1)}}},
                {"PutRequest": {"Item": {"pk": S("same"), "v": N(2)}}},
            ]})

    def test_batch_get_duplicate_keys_rejected(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        with raises_ddb("ValidationException"):
            ddb.batch_get_item(RequestItems={t: {"Keys": [{"pk": S("a")}, {"pk": S("a")}]}})

    def test_batch_get_more_than_100_keys_rejected(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        with raises_ddb("ValidationException"):
            ddb.batch_get_item(RequestItems={t: {"Keys": [{"pk": S(f"k{i}")} for i in range(101)]}})

    def test_batch_write_missing_table(self, ddb, table_name):
        with raises_ddb("ResourceNotFoundException"):
            ddb.batch_write_item(RequestItems={table_name: [{"PutRequest": {"Item": {"pk": S("a")}}}]})

    def test_batch_write_item_missing_key_rejected(self, ddb, make_table):
        t = make_table(**PK_SK)
        with raises_ddb("ValidationException"):
            ddb.batch_write_item(RequestItems={t: [{"PutRequest": {"Item": {"pk": S("a")}}}]})


# ===========================================================================
# Transactions
# ===========================================================================

class TestTransactions:
    def test_transact_write_applies_all(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        put(ddb, t, pk=S("upd"), c=N(1))
        put(ddb, t, pk=S("del"))
        put(ddb, t, pk=S("chk"), ok=BOOL(True))
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": t, "Item": {"pk": S("new"), "v": N(1)},
                     "ConditionExpression": "attribute_not_exists(pk)"}},
            {"Update": {"TableName": t, "Key": {"pk": S("upd")}, "UpdateExpression": "ADD c :one",
                        "ExpressionAttributeValues": {":one": N(1)}}},
            {"Delete": {"TableName": t, "Key": {"pk": S("del")}}},
            {"ConditionCheck": {"TableName": t, "Key": {"pk": S("chk")}, "ConditionExpression": "ok = :t",
                                "ExpressionAttributeValues": {":t": BOOL(True)}}},
        ])
        assert get(ddb, t, pk=S("new")) is not None
        assert num(get(ddb, t, pk=S("upd"))["c"]) == 2
        assert get(ddb, t, pk=S("del")) is None

    def test_transact_write_is_all_or_nothing(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        put(ddb, t, pk=S("chk"), ok=BOOL(False))
        put(ddb, t, pk=S("upd"), c=N(1))
        with raises_ddb("TransactionCanceledException") as ei:
            ddb.transact_write_items(TransactItems=[
                {"Put": {"TableName": t, "Item": {"pk": S("new")}}},
                {"Update": {"TableName": t, "Key": {"pk": S("upd")}, "UpdateExpression": "ADD c :one",
                            "ExpressionAttributeValues": {":one": N(1)}}},
                {"ConditionCheck": {"TableName": t, "Key": {"pk": S("chk")}, "ConditionExpression": "ok = :t",
                                    "ExpressionAttributeValues": {":t": BOOL(True)}}},
            ])
        assert get(ddb, t, pk=S("new")) is None
        assert num(get(ddb, t, pk=S("upd"))["c"]) == 1
        reasons = ei.value.response.get("CancellationReasons")
        observe("transaction_cancellation_reasons", reasons=reasons, message=str(ei.value))
        assert reasons is not None and [r["Code"] for r in reasons] == ["None", "None", "ConditionalCheckFailed"]

    def test_transact_write_same_item_twice_rejected(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        with raises_ddb("ValidationException"):
            ddb.transact_write_items(TransactItems=[
                {"Put": {"TableName": t, "Item": {"pk": S("a")}}},
                {"Delete": {"TableName": t, "Key": {"pk": S("a")}}},
            ])

    @moto_deviation('moto ignores ProjectionExpression in TransactGetItems')
    def test_transact_get(self, ddb, make_table):
        t = make_table(hash_key=("pk", "S"))
        put(ddb, t, pk=S("a"), v=N(1), w=N(2))
        r = ddb.transact_get_items(TransactItems=[
            {"Get": {"TableName": t, "Key": {"pk": S("a")}, "ProjectionExpression": "v"}},
            {"Get": {"TableName": t, "Key": {"pk": S("missing")}}},
        ])
        resp = r["Responses"]
        assert len(resp) == 2
        assert resp[0]["Item"] == {"v": N(1)}
        assert not resp[1].get("Item")
