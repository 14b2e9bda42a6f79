"""Avro single-object encoding of the embsum-stream records: the Python side of ``schemas/``.

Wire format (docs/design.md 2): ``c3 01``, the writer schema's CRC-64-AVRO fingerprint (8
bytes, little-endian), then the Avro binary body. The schemas are read from the Java module's
sources, so both languages share one definition:

- current schemas: ``schemas/src/main/avro/<Record>.avsc`` (what :func:`encode` writes);
- released copies: ``schemas/src/main/resources/avro/released/<version>/<Record>.avsc``
  (listed in ``versions.txt``); :func:`decode` accepts any of them as the writer schema.

Set ``EMBSUM_SCHEMAS_DIR`` to the ``schemas`` directory when the package is not run from the
repository.

Values are plain dicts as fastavro reads and writes them: enum symbols are ``str``, bytes are
``bytes``, nullable fields may be ``None``, and timestamp-millis fields decode to timezone-aware
UTC ``datetime`` (encode accepts such a datetime, a naive one taken as UTC, or an ``int`` of
epoch milliseconds). A timestamp outside ``datetime``'s years 1..9999 cannot be decoded in
Python and is reported as ``CORRUPT_BODY``; Java accepts it.

Bad input raises :class:`MalformedRecordError` only, with the same ``kind`` names and rules as
Java's ``dev.embsum.serde.MalformedRecordException`` (``schemas/golden/wire-vectors.json`` holds
shared cases). :func:`to_plain_json` / :func:`from_plain_json` convert to and from the JSON form
used by that file (timestamps as epoch millis, bytes as hex).
"""

from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

import fastavro
import fastavro.validation
from fastavro.schema import fingerprint as _fastavro_fingerprint
from fastavro.schema import to_parsing_canonical_form

MAGIC = b"\xc3\x01"
HEADER_LENGTH = 10

RECORD_TYPES = (
    "ClickEvent",
    "Impression",
    "ContentItem",
    "UserEmbedding",
    "ContentEmbedding",
    "ModelRelease",
    "DeadLetter",
)
NAMESPACE = "dev.embsum.avro"

# MalformedRecordError.kind values, as in Java's MalformedRecordException.Kind.
EMPTY = "EMPTY"  # None or zero bytes
TRUNCATED = "TRUNCATED"  # ends before the header, a value or a declared length is complete
BAD_MAGIC = "BAD_MAGIC"  # does not start with c3 01
UNKNOWN_SCHEMA = "UNKNOWN_SCHEMA"  # fingerprint of no known version of any record
WRONG_TYPE = "WRONG_TYPE"  # fingerprint of a known schema of another record type
CORRUPT_BODY = "CORRUPT_BODY"  # invalid for the writer schema
TRAILING_BYTES = "TRAILING_BYTES"  # bytes left after the record
KINDS = (EMPTY, TRUNCATED, BAD_MAGIC, UNKNOWN_SCHEMA, WRONG_TYPE, CORRUPT_BODY, TRAILING_BYTES)

MAX_DEPTH = 256  # as Java's BodyValidator
MAX_ZERO_SIZE_ITEMS = 1_000_000

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MILLI = timedelta(milliseconds=1)


class MalformedRecordError(ValueError):
    """The only error :func:`decode` raises for bad bytes; ``kind`` says what was wrong."""

    def __init__(self, kind: str, record_type: str, length: int, detail: str):
        size = "None" if length < 0 else f"{length} bytes"
        super().__init__(f"{kind}: cannot decode {NAMESPACE}.{record_type} from {size}: {detail}")
        self.kind = kind
        self.record_type = record_type
        self.length = length


# --- schemas -----------------------------------------------------------------------------------


def schemas_dir() -> Path:
    """The Java module's directory (``<repo>/schemas``) the .avsc files are read from."""
    env = os.environ.get("EMBSUM_SCHEMAS_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "schemas"


def _load(path: Path) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _released_dir() -> Path:
    return schemas_dir() / "src" / "main" / "resources" / "avro" / "released"


def released_versions() -> list[str]:
    """Released version labels in release order, from ``versions.txt``."""
    lines = (_released_dir() / "versions.txt").read_text(encoding="utf-8").splitlines()
    return [v.strip() for v in lines if v.strip() and not v.strip().startswith("#")]


def fingerprint(schema: dict) -> bytes:
    """CRC-64-AVRO fingerprint of the schema's parsing canonical form, in wire (LE) order."""
    return bytes.fromhex(_fastavro_fingerprint(to_parsing_canonical_form(schema), "CRC-64-AVRO"))


@dataclass(frozen=True)
class _Writer:
    label: str  # "current", "v1", "current=v1"
    schema: dict = field(repr=False)  # fastavro-parsed


class Codec:
    """Encodes one record type with its current schema; decodes any known version of it."""

    def __init__(self, record_type: str):
        if record_type not in RECORD_TYPES:
            raise ValueError(f"unknown record type {record_type!r}; one of {RECORD_TYPES}")
        self.record_type = record_type
        # One parse per file: each file defines its own copy of the named types (e.g. Action).
        self.schema = fastavro.parse_schema(_load(schemas_dir() / "src" / "main" / "avro" / f"{record_type}.avsc"))
        self.fingerprint = fingerprint(self.schema)
        self.writers: dict[bytes, _Writer] = {self.fingerprint: _Writer("current", self.schema)}
        for version in released_versions():
            path = _released_dir() / version / f"{record_type}.avsc"
            if path.exists():
                self.add_writer_schema(_load(path), version)

    def add_writer_schema(self, schema: dict, label: str = "extra") -> None:
        """Also accept ``schema`` (another version of this record) as a writer schema."""
        parsed = fastavro.parse_schema(schema)
        if parsed["name"] != f"{NAMESPACE}.{self.record_type}":
            raise ValueError(f"{parsed['name']} is not a version of {NAMESPACE}.{self.record_type}")
        fp = fingerprint(parsed)
        same = self.writers.get(fp)
        self.writers[fp] = _Writer(f"{same.label}={label}", same.schema) if same else _Writer(label, parsed)

    def known_writers(self) -> dict[str, str]:
        """Fingerprint (wire-order hex) to label of every accepted writer schema."""
        return {fp.hex(): w.label for fp, w in self.writers.items()}

    def encode(self, value: dict) -> bytes:
        """Single-object encoding of ``value``; ``ValueError`` if it does not fit the schema."""
        try:
            fastavro.validation.validate(value, self.schema, raise_errors=True)
            out = io.BytesIO()
            out.write(MAGIC + self.fingerprint)
            fastavro.schemaless_writer(out, self.schema, value)
        except (fastavro.validation.ValidationError, TypeError, ValueError, KeyError, AttributeError) as e:
            raise ValueError(f"cannot encode {self.record_type}: {e}") from e
        return out.getvalue()

    def decode(self, data: bytes | bytearray | memoryview | None) -> dict:
        """Decodes one record; raises :class:`MalformedRecordError` for anything else."""
        if data is None or len(data) == 0:
            raise self._malformed(EMPTY, data, "input is None" if data is None else "input is empty")
        data = bytes(data)
        if len(data) < HEADER_LENGTH:
            raise self._malformed(TRUNCATED, data, "shorter than the 10-byte single-object header")
        if data[:2] != MAGIC:
            raise self._malformed(
                BAD_MAGIC, data, f"starts with {data[0]:02x} {data[1]:02x}, not the single-object marker c3 01"
            )
        fp = data[2:HEADER_LENGTH]
        writer = self.writers.get(fp)
        if writer is None:
            other = _record_of_fingerprint().get(fp)
            if other is not None:
                raise self._malformed(
                    WRONG_TYPE, data, f"writer fingerprint {fp.hex()} is a schema of {NAMESPACE}.{other}, "
                    f"not {NAMESPACE}.{self.record_type}"
                )
            known = ", ".join(f"{w.label}={f.hex()}" for f, w in self.writers.items())
            raise self._malformed(
                UNKNOWN_SCHEMA, data,
                f"writer fingerprint {fp.hex()} is none of the known {self.record_type} schemas [{known}]",
            )
        where = f"writer {writer.label} fingerprint {fp.hex()}"
        try:
            _validate_body(writer.schema, data, HEADER_LENGTH)
        except _Violation as v:
            raise self._malformed(v.kind, data, f"{v.describe()} ({where})") from None
        try:
            reader = None if writer.schema is self.schema else self.schema
            return fastavro.schemaless_reader(io.BytesIO(data[HEADER_LENGTH:]), writer.schema, reader)
        except Exception as e:  # noqa: BLE001 - any failure here is bad data (e.g. a year > 9999)
            raise self._malformed(CORRUPT_BODY, data, f"cannot decode the body: {e!r} ({where})") from e

    def _malformed(self, kind: str, data, detail: str) -> MalformedRecordError:
        return MalformedRecordError(kind, self.record_type, -1 if data is None else len(data), detail)


@lru_cache(maxsize=None)
def codec(record_type: str) -> Codec:
    """The shared codec of a record type, e.g. ``codec("ClickEvent")``."""
    return Codec(record_type)


def encode(record_type: str, value: dict) -> bytes:
    return codec(record_type).encode(value)


def decode(record_type: str, data: bytes | None) -> dict:
    return codec(record_type).decode(data)


@lru_cache(maxsize=None)
def _record_of_fingerprint() -> dict[bytes, str]:
    return {fp: name for name in RECORD_TYPES for fp in codec(name).writers}


# --- body validation (mirrors Java's BodyValidator) ----------------------------------------------


class _Violation(Exception):
    def __init__(self, kind: str, detail: str):
        super().__init__(detail)
        self.kind = kind
        self.path = ""

    def at(self, step: str) -> "_Violation":
        self.path = step + self.path if not self.path or self.path.startswith("[") else f"{step}.{self.path}"
        return self

    def describe(self) -> str:
        return f"{self.args[0]} at {self.path}" if self.path else self.args[0]


_PRIMITIVE_MIN_SIZE = {"null": 0, "float": 4, "double": 8}


class _Body:
    """Walks a binary body against its writer schema, bounding every length by the bytes left.

    The same rules as Java: lengths must fit in what is left (else TRUNCATED), negative lengths,
    bad union/enum indexes, booleans other than 0/1, invalid UTF-8 and over-long varints are
    CORRUPT_BODY, so a garbage length prefix never makes the decoder allocate what it claims.
    """

    def __init__(self, data: bytes, pos: int):
        self.data = data
        self.pos = pos
        self.end = len(data)
        self.names: dict[str, Any] = {}
        self.zero_size_items = 0

    def left(self) -> int:
        return self.end - self.pos

    def value(self, s, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise _Violation(CORRUPT_BODY, f"nesting deeper than {MAX_DEPTH}")
        if isinstance(s, list):
            i = self.read_int()
            if i < 0 or i >= len(s):
                raise _Violation(CORRUPT_BODY, f"union branch {i} out of range ({len(s)} branches)")
            self.value(s[i], depth + 1)
            return
        if isinstance(s, str):
            if s in self.names:
                self.value(self.names[s], depth)
                return
            t = s
        else:
            t = s["type"]
            if t in ("record", "enum", "fixed") and "name" in s:
                self.names[s["name"]] = s
            elif not isinstance(t, str) or t in self.names:
                self.value(t, depth)
                return
        if t == "null":
            return
        if t == "boolean":
            b = self.take(1, "boolean")
            if self.data[b] not in (0, 1):
                raise _Violation(CORRUPT_BODY, f"boolean byte is {self.data[b]}, not 0 or 1")
        elif t == "int":
            self.read_int()
        elif t == "long":
            self.read_long()
        elif t == "float":
            self.take(4, "float")
        elif t == "double":
            self.take(8, "double")
        elif t == "fixed":
            self.take(s["size"], "fixed")
        elif t == "bytes":
            self.take(self.length("bytes"), "bytes")
        elif t == "string":
            n = self.length("string")
            at = self.take(n, "string")
            try:
                self.data[at : at + n].decode("utf-8", errors="strict")
            except UnicodeDecodeError:
                raise _Violation(CORRUPT_BODY, f"string of {n} bytes is not valid UTF-8") from None
        elif t == "enum":
            i = self.read_int()
            if i < 0 or i >= len(s["symbols"]):
                name = s["name"].rsplit(".", 1)[-1]
                raise _Violation(
                    CORRUPT_BODY, f"enum index {i} out of range for {name} ({len(s['symbols'])} symbols)"
                )
        elif t == "array":
            self.blocks(s["items"], False, depth)
        elif t == "map":
            self.blocks(s["values"], True, depth)
        elif t == "record":
            for f in s["fields"]:
                try:
                    self.value(f["type"], depth + 1)
                except _Violation as v:
                    raise v.at(f["name"]) from None
        else:
            raise _Violation(CORRUPT_BODY, f"unsupported schema type {t!r}")

    def blocks(self, item, is_map: bool, depth: int) -> None:
        zero_size = not is_map and self.min_size(item) == 0
        index = 0
        while True:
            count = self.read_long()
            if count == 0:
                return
            if count < 0:
                if count == -(1 << 63):
                    raise _Violation(CORRUPT_BODY, f"block count {count}")
                count = -count
                size = self.read_long()
                if size < 0:
                    raise _Violation(CORRUPT_BODY, f"negative block size {size}")
                if size > self.left():
                    raise _Violation(TRUNCATED, f"block size {size} exceeds the {self.left()} bytes left")
            if zero_size:
                self.zero_size_items += count
                if self.zero_size_items > MAX_ZERO_SIZE_ITEMS:
                    raise _Violation(CORRUPT_BODY, f"more than {MAX_ZERO_SIZE_ITEMS} zero-size items")
            elif count > self.left():
                raise _Violation(TRUNCATED, f"block of {count} items exceeds the {self.left()} bytes left")
            for _ in range(count):
                try:
                    if is_map:
                        self.value("string", depth + 1)
                    self.value(item, depth + 1)
                except _Violation as v:
                    raise v.at(f"[{index}]") from None
                index += 1

    def min_size(self, s) -> int:
        if isinstance(s, list):
            return 1
        if isinstance(s, str):
            if s in self.names:
                return self.min_size(self.names[s])
            return _PRIMITIVE_MIN_SIZE.get(s, 1)
        t = s["type"]
        if t == "fixed":
            return s["size"]
        if t == "record":
            return sum(self.min_size(f["type"]) for f in s["fields"])
        if not isinstance(t, str) or t in self.names:
            return self.min_size(t)
        return _PRIMITIVE_MIN_SIZE.get(t, 1)

    def length(self, what: str) -> int:
        n = self.read_long()
        if n < 0:
            raise _Violation(CORRUPT_BODY, f"negative {what} length {n}")
        if n > self.left():
            raise _Violation(TRUNCATED, f"{what} length {n} exceeds the {self.left()} bytes left")
        return n

    def take(self, n: int, what: str) -> int:
        if n > self.left():
            raise _Violation(TRUNCATED, f"{what} needs {n} bytes, {self.left()} left")
        at = self.pos
        self.pos += n
        return at

    def read_int(self) -> int:
        v = self.varint(5, "int")
        if v >> 32:
            raise _Violation(CORRUPT_BODY, "int varint does not fit in 32 bits")
        return (v >> 1) ^ -(v & 1)

    def read_long(self) -> int:
        v = self.varint(10, "long")
        return (v >> 1) ^ -(v & 1)

    def varint(self, max_bytes: int, what: str) -> int:
        v = 0
        for i in range(max_bytes):
            if self.pos >= self.end:
                raise _Violation(TRUNCATED, f"{what} varint runs past the end")
            b = self.data[self.pos]
            self.pos += 1
            if i == 9 and b > 1:
                raise _Violation(CORRUPT_BODY, "long varint does not fit in 64 bits")
            v |= (b & 0x7F) << (7 * i)
            if not b & 0x80:
                return v
        raise _Violation(CORRUPT_BODY, f"{what} varint longer than {max_bytes} bytes")


def _validate_body(schema: dict, data: bytes, start: int) -> None:
    body = _Body(data, start)
    body.value(schema, 0)
    if body.pos != body.end:
        raise _Violation(TRAILING_BYTES, f"{body.left()} bytes left after the end of the record")


# --- plain JSON (the form of schemas/golden/wire-vectors.json) -----------------------------------


def from_plain_json(record_type: str, obj: dict) -> dict:
    """Plain JSON (timestamps as epoch millis, bytes as hex) to a value :func:`encode` takes and
    :func:`decode` returns (timestamps as UTC datetimes, bytes as bytes)."""
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
