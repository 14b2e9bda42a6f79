"""Python side of the Avro wire contract: schemas/golden/wire-vectors.json is produced by Java
(schemas module, WireVectorsTest); Python must produce and read exactly the same bytes."""

from __future__ import annotations

import copy
import io
import json
import random
from datetime import datetime, timezone
from pathlib import Path

import fastavro
import pytest
from fastavro.schema import to_parsing_canonical_form

from embsum.wire import errors, plain_json, schemas, single_object

GOLDEN = Path(__file__).resolve().parents[2] / "schemas" / "golden" / "wire-vectors.json"
VECTORS = json.loads(GOLDEN.read_text(encoding="utf-8"))

RECORD_VECTORS = [(r["record"], v) for r in VECTORS["records"] for v in r["vectors"]]


def _id(case) -> str:
    record, vector = case
    return f"{record}/{vector['name']}"


def _crc64_avro(data: bytes) -> int:
    """CRC-64-AVRO from the Avro specification, independent of fastavro."""
    empty = 0xC15D213AA4D7A795
    table = []
    for i in range(256):
        fp = i
        for _ in range(8):
            fp = (fp >> 1) ^ (empty & -(fp & 1))
        table.append(fp)
    fp = empty
    for b in data:
        fp = (fp >> 8) ^ table[(fp ^ b) & 0xFF]
    return fp


# --- fingerprints ------------------------------------------------------------------------------


def test_golden_file_covers_every_record_type():
    assert sorted(r["record"] for r in VECTORS["records"]) == sorted(schemas.RECORD_TYPES)
    assert all(r["vectors"] for r in VECTORS["records"])


@pytest.mark.parametrize("record", VECTORS["records"], ids=lambda r: r["record"])
def test_fingerprints_equal_javas(record):
    codec = single_object.codec(record["record"])
    assert codec.fingerprint.hex() == record["fingerprint"]
    assert int.from_bytes(codec.fingerprint, "little", signed=True) == record["fingerprint_long"]
    canonical = to_parsing_canonical_form(codec.schema).encode()
    assert _crc64_avro(canonical).to_bytes(8, "little") == codec.fingerprint


def test_released_v1_is_known_and_equals_the_current_schema():
    assert "v1" in schemas.released_versions()
    for record in schemas.RECORD_TYPES:
        codec = single_object.codec(record)
        assert codec.known_writers()[codec.fingerprint.hex()] == "current=v1"


# --- the vectors ---------------------------------------------------------------------------------


@pytest.mark.parametrize("case", RECORD_VECTORS, ids=_id)
def test_encode_gives_javas_bytes(case):
    record, vector = case
    assert (
        single_object.encode(record, plain_json.from_plain_json(record, vector["value"])).hex()
        == vector["hex"]
    )


@pytest.mark.parametrize("case", RECORD_VECTORS, ids=_id)
def test_decode_of_javas_bytes_gives_the_value(case):
    record, vector = case
    decoded = single_object.decode(record, bytes.fromhex(vector["hex"]))
    assert decoded == plain_json.from_plain_json(record, vector["value"])
    assert plain_json.to_plain_json(record, decoded) == vector["value"]


def test_timestamps_decode_to_exact_utc_datetimes():
    vector = next(
        v for r, v in RECORD_VECTORS if r == "ClickEvent" and v["name"] == "unicode_and_extremes"
    )
    decoded = single_object.decode("ClickEvent", bytes.fromhex(vector["hex"]))
    assert vector["value"]["event_time"] == -1
    assert decoded["event_time"] == datetime(1969, 12, 31, 23, 59, 59, 999000, tzinfo=timezone.utc)
    item = next(v for r, v in RECORD_VECTORS if r == "ContentItem" and v["name"] == "news_deleted")
    assert single_object.decode("ContentItem", bytes.fromhex(item["hex"]))[
        "updated_at"
    ] == datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=timezone.utc)


def test_encode_accepts_epoch_millis_and_naive_utc_datetimes():
    record, vector = next(c for c in RECORD_VECTORS if c[0] == "ClickEvent")
    value = plain_json.from_plain_json(record, vector["value"])
    as_millis = dict(value, event_time=vector["value"]["event_time"])
    naive = dict(value, event_time=value["event_time"].replace(tzinfo=None))
    assert single_object.encode(record, as_millis).hex() == vector["hex"]
    assert single_object.encode(record, naive).hex() == vector["hex"]


def test_float_payloads_are_little_endian_float32():
    import numpy as np

    vector = next(v for r, v in RECORD_VECTORS if r == "UserEmbedding" and v["name"] == "m2_d3")
    upe = single_object.decode("UserEmbedding", bytes.fromhex(vector["hex"]))["upe"]
    matrix = np.frombuffer(upe, dtype="<f4").reshape(vector["value"]["m"], vector["value"]["d"])
    np.testing.assert_array_equal(
        matrix, np.array([[1.0, -2.5, 0.0], [3.1415927, -0.0, 1.0e-8]], dtype=np.float32)
    )


@pytest.mark.parametrize("case", VECTORS["noncanonical"], ids=lambda c: c["name"])
def test_non_canonical_encodings_decode(case):
    decoded = single_object.decode(case["record"], bytes.fromhex(case["hex"]))
    assert plain_json.to_plain_json(case["record"], decoded) == case["value"]


# --- malformed input -----------------------------------------------------------------------------


@pytest.mark.parametrize("case", VECTORS["malformed"], ids=lambda c: c["name"])
def test_malformed_inputs_raise_the_same_kind_as_java(case):
    with pytest.raises(errors.MalformedRecordError) as err:
        single_object.decode(case["record"], bytes.fromhex(case["hex"]))
    assert err.value.kind == case["kind"]
    assert err.value.record_type == case["record"]
    assert f"dev.embsum.avro.{case['record']}" in str(err.value)


def test_malformed_cases_cover_every_kind():
    assert {c["kind"] for c in VECTORS["malformed"]} == set(errors.KINDS)


def test_none_is_empty_and_messages_say_what_was_wrong():
    with pytest.raises(errors.MalformedRecordError, match="EMPTY: .* from None: input is None"):
        single_object.decode("ClickEvent", None)
    unknown = next(c for c in VECTORS["malformed"] if c["kind"] == errors.UNKNOWN_SCHEMA)
    with pytest.raises(errors.MalformedRecordError, match="0102030405060708"):
        single_object.decode("ClickEvent", bytes.fromhex(unknown["hex"]))
    cut = next(c for c in VECTORS["malformed"] if c["name"] == "array_count_2gib")
    with pytest.raises(
        errors.MalformedRecordError, match=r"block of 2147483647 items .* at item_ids"
    ):
        single_object.decode("Impression", bytes.fromhex(cut["hex"]))


def test_malformed_error_is_a_value_error():
    assert issubclass(errors.MalformedRecordError, ValueError)


def _varint(n: int) -> bytes:
    v = (n << 1) ^ (n >> 63)
    out = bytearray()
    while v > 0x7F:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    return bytes(out + bytes([v]))


def _string(s: str) -> bytes:
    return _varint(len(s.encode())) + s.encode()


def test_timestamp_beyond_python_datetime_is_corrupt_body():
    # Year ~318,857: a valid long that Java decodes, but no Python datetime can hold it.
    codec = single_object.codec("ClickEvent")
    body = (
        _string("e")
        + _string("u")
        + _string("i")
        + _varint(10**16)
        + _varint(0)
        + _varint(0)
        + _varint(0)
    )
    with pytest.raises(errors.MalformedRecordError, match="cannot decode the body") as err:
        codec.decode(single_object.MAGIC + codec.fingerprint + body)
    assert err.value.kind == errors.CORRUPT_BODY
    # The same layout with a representable time decodes.
    ok = (
        _string("e")
        + _string("u")
        + _string("i")
        + _varint(5)
        + _varint(0)
        + _varint(0)
        + _varint(0)
    )
    assert codec.decode(single_object.MAGIC + codec.fingerprint + ok)["event_time"] == datetime(
        1970, 1, 1, 0, 0, 0, 5000, tzinfo=timezone.utc
    )


def test_fuzz_every_input_decodes_or_is_malformed():
    rng = random.Random(20260101)
    seeds = [(r, bytes.fromhex(v["hex"])) for r, v in RECORD_VECTORS]
    outcomes: dict[str, int] = {}
    for _ in range(10_000):
        record, data = rng.choice(seeds)
        b = bytearray(data)
        op = rng.randrange(5)
        if op == 0:
            b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
        elif op == 1:
            del b[rng.randrange(len(b)) :]
        elif op == 2:
            b[rng.randrange(len(b) + 1) : 0] = rng.randbytes(rng.randint(1, 4))
        elif op == 3 and len(b) > 10:
            at = rng.randrange(10, len(b))
            b[at : at + 1] = rng.choice([b"\xfe\xff\xff\xff\x0f", b"\x01", b"\xff" * 9 + b"\x01"])
        else:
            b = bytearray(rng.randbytes(rng.randrange(24)))
        try:
            value = single_object.decode(record, bytes(b))
            assert single_object.decode(record, single_object.encode(record, value)) == value
            outcomes["decoded"] = outcomes.get("decoded", 0) + 1
        except errors.MalformedRecordError as e:
            outcomes[e.kind] = outcomes.get(e.kind, 0) + 1
    assert sum(outcomes.values()) == 10_000
    assert outcomes.get("decoded", 0) > 0 and len(outcomes) >= 5, outcomes


# --- encoding errors and evolution ---------------------------------------------------------------


def test_encode_rejects_values_that_do_not_fit():
    record, vector = next(c for c in RECORD_VECTORS if c[0] == "ClickEvent")
    value = plain_json.from_plain_json(record, vector["value"])
    with pytest.raises(ValueError, match="cannot encode ClickEvent"):
        single_object.encode(record, dict(value, user_id=None))
    with pytest.raises(ValueError, match="cannot encode ClickEvent"):
        single_object.encode(record, dict(value, rating=1 << 40))
    with pytest.raises(ValueError, match="cannot encode ClickEvent"):
        single_object.encode(record, dict(value, action="SKIP"))


def test_an_older_writer_schema_resolves_to_the_current_one():
    older = json.loads(
        (schemas.schemas_dir() / "src/main/avro/ClickEvent.avsc").read_text(encoding="utf-8")
    )
    older["fields"] = [f for f in older["fields"] if f["name"] not in ("rating", "impression_id")]
    old_value = {
        "event_id": "e",
        "user_id": "u",
        "item_id": "i",
        "event_time": 42,
        "action": "RATE",
    }
    body = io.BytesIO()
    parsed = fastavro.parse_schema(copy.deepcopy(older))
    fastavro.schemaless_writer(body, parsed, old_value)
    data = single_object.MAGIC + schemas.fingerprint(parsed) + body.getvalue()

    with pytest.raises(errors.MalformedRecordError) as err:
        single_object.decode("ClickEvent", data)
    assert err.value.kind == errors.UNKNOWN_SCHEMA

    codec = single_object.Codec("ClickEvent")
    codec.add_writer_schema(older, "v0")
    decoded = codec.decode(data)
    assert decoded["rating"] is None and decoded["impression_id"] is None
    assert plain_json.to_plain_json("ClickEvent", decoded)["event_time"] == 42


def test_wrong_record_type_is_reported():
    item = next(v for r, v in RECORD_VECTORS if r == "ContentItem")
    with pytest.raises(
        errors.MalformedRecordError, match="is a schema of dev.embsum.avro.ContentItem"
    ) as err:
        single_object.decode("ClickEvent", bytes.fromhex(item["hex"]))
    assert err.value.kind == errors.WRONG_TYPE
