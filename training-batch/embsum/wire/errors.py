"""The one error a decode raises for bad bytes, with the same ``kind`` names and rules as Java's
``dev.embsum.serde.MalformedRecordException`` (``schemas/golden/wire-vectors.json`` holds shared
cases)."""

from __future__ import annotations

from embsum.wire.schemas import NAMESPACE

# MalformedRecordError.kind values, as in Java's MalformedRecordException.Kind.
EMPTY = "EMPTY"  # None or zero bytes
TRUNCATED = "TRUNCATED"  # ends before the header, a value or a declared length is complete
BAD_MAGIC = "BAD_MAGIC"  # does not start with c3 01
UNKNOWN_SCHEMA = "UNKNOWN_SCHEMA"  # fingerprint of no known version of any record
WRONG_TYPE = "WRONG_TYPE"  # fingerprint of a known schema of another record type
CORRUPT_BODY = "CORRUPT_BODY"  # invalid for the writer schema
TRAILING_BYTES = "TRAILING_BYTES"  # bytes left after the record
KINDS = (EMPTY, TRUNCATED, BAD_MAGIC, UNKNOWN_SCHEMA, WRONG_TYPE, CORRUPT_BODY, TRAILING_BYTES)


class MalformedRecordError(ValueError):
    """The only error :func:`embsum.wire.single_object.decode` raises for bad bytes; ``kind``
    says what was wrong."""

    def __init__(self, kind: str, record_type: str, length: int, detail: str):
        size = "None" if length < 0 else f"{length} bytes"
        super().__init__(f"{kind}: cannot decode {NAMESPACE}.{record_type} from {size}: {detail}")
        self.kind = kind
        self.record_type = record_type
        self.length = length
