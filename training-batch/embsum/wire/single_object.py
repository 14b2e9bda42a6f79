"""Encode and decode one record in Avro single-object encoding (Java ``SingleObjectCodec``).

Encoding always writes the current schema. Decoding reads the writer fingerprint from the
header and resolves it against every schema this checkout knows (the current one and the
released copies, :mod:`embsum.wire.schemas`), so no schema registry is needed. The body is
checked by :mod:`embsum.wire.body_validator` before fastavro decodes it, and bad input raises
:class:`~embsum.wire.errors.MalformedRecordError` only.

Values are plain dicts as fastavro reads and writes them: enum symbols are ``str``, bytes are
``bytes``, nullable fields may be ``None``, and timestamp-millis fields decode to timezone-aware
UTC ``datetime`` (encode accepts such a datetime, a naive one taken as UTC, or an ``int`` of
epoch milliseconds). A timestamp outside ``datetime``'s years 1..9999 cannot be decoded in
Python and is reported as ``CORRUPT_BODY``; Java accepts it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import lru_cache

import fastavro
import fastavro.validation

from embsum.wire.body_validator import Violation, validate_body
from embsum.wire.errors import (
    BAD_MAGIC,
    CORRUPT_BODY,
    EMPTY,
    TRUNCATED,
    UNKNOWN_SCHEMA,
    WRONG_TYPE,
    MalformedRecordError,
)
from embsum.wire.schemas import (
    NAMESPACE,
    RECORD_TYPES,
    current_schema,
    fingerprint,
    released_schemas,
)

MAGIC = b"\xc3\x01"
HEADER_LENGTH = 10


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
        self.schema = fastavro.parse_schema(current_schema(record_type))
        self.fingerprint = fingerprint(self.schema)
        self.writers: dict[bytes, _Writer] = {self.fingerprint: _Writer("current", self.schema)}
        for version, schema in released_schemas(record_type):
            self.add_writer_schema(schema, version)

    def add_writer_schema(self, schema: dict, label: str = "extra") -> None:
        """Also accept ``schema`` (another version of this record) as a writer schema."""
        parsed = fastavro.parse_schema(schema)
        if parsed["name"] != f"{NAMESPACE}.{self.record_type}":
            raise ValueError(f"{parsed['name']} is not a version of {NAMESPACE}.{self.record_type}")
        fp = fingerprint(parsed)
        same = self.writers.get(fp)
        self.writers[fp] = (
            _Writer(f"{same.label}={label}", same.schema) if same else _Writer(label, parsed)
        )

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
        except (
            fastavro.validation.ValidationError,
            TypeError,
            ValueError,
            KeyError,
            AttributeError,
        ) as e:
            raise ValueError(f"cannot encode {self.record_type}: {e}") from e
        return out.getvalue()

    def decode(self, data: bytes | bytearray | memoryview | None) -> dict:
        """Decodes one record; raises :class:`MalformedRecordError` for anything else."""
        if data is None or len(data) == 0:
            raise self._malformed(
                EMPTY, data, "input is None" if data is None else "input is empty"
            )
        data = bytes(data)
        if len(data) < HEADER_LENGTH:
            raise self._malformed(TRUNCATED, data, "shorter than the 10-byte single-object header")
        if data[:2] != MAGIC:
            raise self._malformed(
                BAD_MAGIC,
                data,
                f"starts with {data[0]:02x} {data[1]:02x}, not the single-object marker c3 01",
            )
        fp = data[2:HEADER_LENGTH]
        writer = self.writers.get(fp)
        if writer is None:
            other = _record_of_fingerprint().get(fp)
            if other is not None:
                raise self._malformed(
                    WRONG_TYPE,
                    data,
                    f"writer fingerprint {fp.hex()} is a schema of {NAMESPACE}.{other}, "
                    f"not {NAMESPACE}.{self.record_type}",
                )
            known = ", ".join(f"{w.label}={f.hex()}" for f, w in self.writers.items())
            raise self._malformed(
                UNKNOWN_SCHEMA,
                data,
                f"writer fingerprint {fp.hex()} is none of the known {self.record_type} schemas [{known}]",
            )
        where = f"writer {writer.label} fingerprint {fp.hex()}"
        try:
            validate_body(writer.schema, data, HEADER_LENGTH)
        except Violation as v:
            raise self._malformed(v.kind, data, f"{v.describe()} ({where})") from None
        try:
            reader = None if writer.schema is self.schema else self.schema
            return fastavro.schemaless_reader(
                io.BytesIO(data[HEADER_LENGTH:]), writer.schema, reader
            )
        except Exception as e:  # noqa: BLE001 - any failure here is bad data (e.g. a year > 9999)
            raise self._malformed(
                CORRUPT_BODY, data, f"cannot decode the body: {e!r} ({where})"
            ) from e

    def _malformed(self, kind: str, data, detail: str) -> MalformedRecordError:
        return MalformedRecordError(
            kind, self.record_type, -1 if data is None else len(data), detail
        )


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
    """Which record each known fingerprint belongs to (Java's FingerprintIndex), so a decode can
    say WRONG_TYPE instead of UNKNOWN_SCHEMA."""
    return {fp: name for name in RECORD_TYPES for fp in codec(name).writers}
