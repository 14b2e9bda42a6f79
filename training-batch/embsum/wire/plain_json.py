"""Plain JSON, the form of ``schemas/golden/wire-vectors.json`` (Java's test helper
``PlainJson``): records are objects with every field, timestamps are epoch milliseconds and
bytes are lower-case hex. :func:`from_plain_json` / :func:`to_plain_json` convert to and from the
values :func:`embsum.wire.single_object.encode` takes and ``decode`` returns.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from embsum.wire.single_object import codec

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MILLI = timedelta(milliseconds=1)


def from_plain_json(record_type: str, obj: dict) -> dict:
    """Plain JSON (timestamps as epoch millis, bytes as hex) to a value ``encode`` takes and
    ``decode`` returns (timestamps as UTC datetimes, bytes as bytes)."""
    return _from_json(codec(record_type).schema, obj)


def to_plain_json(record_type: str, value: dict) -> dict:
    """The inverse of :func:`from_plain_json`."""
    return _to_json(codec(record_type).schema, value)


def _is_timestamp_millis(s) -> bool:
    return isinstance(s, dict) and s.get("logicalType") == "timestamp-millis"


def _type_of(s) -> str:
    if isinstance(s, list):
        return "union"
    if isinstance(s, str):
        return s
    return s["type"] if isinstance(s["type"], str) else _type_of(s["type"])


def _non_null(union: list):
    if len(union) != 2 or union[0] != "null":
        raise ValueError(f"only ['null', X] unions have a plain JSON form: {union}")
    return union[1]


def _from_json(s, v):
    t = _type_of(s)
    if t == "union":
        return None if v is None else _from_json(_non_null(s), v)
    if t == "record":
        return {f["name"]: _from_json(f["type"], v[f["name"]]) for f in s["fields"]}
    if t == "array":
        return [_from_json(s["items"], x) for x in v]
    if t == "bytes":
        return bytes.fromhex(v)
    if _is_timestamp_millis(s):
        return _EPOCH + v * _MILLI
    return v


def _to_json(s, v):
    t = _type_of(s)
    if t == "union":
        return None if v is None else _to_json(_non_null(s), v)
    if t == "record":
        return {f["name"]: _to_json(f["type"], v.get(f["name"])) for f in s["fields"]}
    if t == "array":
        return [_to_json(s["items"], x) for x in v]
    if t == "bytes":
        return bytes(v).hex()
    if _is_timestamp_millis(s) and isinstance(v, datetime):
        if v.tzinfo is None:
            v = v.replace(tzinfo=timezone.utc)
        return (v - _EPOCH) // _MILLI
    return v
