"""Walk an Avro binary body against its writer schema before fastavro decodes it (Java
``BodyValidator``, with the same rules, so both sides reject the same bytes).

fastavro, like Avro, trusts length prefixes and allocates what they declare, so every declared
length must fit in the bytes that are left: a garbage length prefix never makes the decoder
allocate what it claims.
"""

from __future__ import annotations

from typing import Any

from embsum.wire.errors import CORRUPT_BODY, TRAILING_BYTES, TRUNCATED

MAX_DEPTH = 256  # as Java's BodyValidator
MAX_ZERO_SIZE_ITEMS = 1_000_000


class Violation(Exception):
    """A rule violation; the codec turns it into a MalformedRecordError of its kind."""

    def __init__(self, kind: str, detail: str):
        super().__init__(detail)
        self.kind = kind
        self.path = ""

    def at(self, step: str) -> "Violation":
        self.path = (
            step + self.path
            if not self.path or self.path.startswith("[")
            else f"{step}.{self.path}"
        )
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
            raise Violation(CORRUPT_BODY, f"nesting deeper than {MAX_DEPTH}")
        if isinstance(s, list):
            i = self.read_int()
            if i < 0 or i >= len(s):
                raise Violation(CORRUPT_BODY, f"union branch {i} out of range ({len(s)} branches)")
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
                raise Violation(CORRUPT_BODY, f"boolean byte is {self.data[b]}, not 0 or 1")
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
                raise Violation(CORRUPT_BODY, f"string of {n} bytes is not valid UTF-8") from None
        elif t == "enum":
            i = self.read_int()
            if i < 0 or i >= len(s["symbols"]):
                name = s["name"].rsplit(".", 1)[-1]
                raise Violation(
                    CORRUPT_BODY,
                    f"enum index {i} out of range for {name} ({len(s['symbols'])} symbols)",
                )
        elif t == "array":
            self.blocks(s["items"], False, depth)
        elif t == "map":
            self.blocks(s["values"], True, depth)
        elif t == "record":
            for f in s["fields"]:
                try:
                    self.value(f["type"], depth + 1)
                except Violation as v:
                    raise v.at(f["name"]) from None
        else:
            raise Violation(CORRUPT_BODY, f"unsupported schema type {t!r}")

    def blocks(self, item, is_map: bool, depth: int) -> None:
        zero_size = not is_map and self.min_size(item) == 0
        index = 0
        while True:
            count = self.read_long()
            if count == 0:
                return
            if count < 0:
                if count == -(1 << 63):
                    raise Violation(CORRUPT_BODY, f"block count {count}")
                count = -count
                size = self.read_long()
                if size < 0:
                    raise Violation(CORRUPT_BODY, f"negative block size {size}")
                if size > self.left():
                    raise Violation(
                        TRUNCATED, f"block size {size} exceeds the {self.left()} bytes left"
                    )
            if zero_size:
                self.zero_size_items += count
                if self.zero_size_items > MAX_ZERO_SIZE_ITEMS:
                    raise Violation(
                        CORRUPT_BODY, f"more than {MAX_ZERO_SIZE_ITEMS} zero-size items"
                    )
            elif count > self.left():
                raise Violation(
                    TRUNCATED, f"block of {count} items exceeds the {self.left()} bytes left"
                )
            for _ in range(count):
                try:
                    if is_map:
                        self.value("string", depth + 1)
                    self.value(item, depth + 1)
                except Violation as v:
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
            raise Violation(CORRUPT_BODY, f"negative {what} length {n}")
        if n > self.left():
            raise Violation(TRUNCATED, f"{what} length {n} exceeds the {self.left()} bytes left")
        return n

    def take(self, n: int, what: str) -> int:
        if n > self.left():
            raise Violation(TRUNCATED, f"{what} needs {n} bytes, {self.left()} left")
        at = self.pos
        self.pos += n
        return at

    def read_int(self) -> int:
        v = self.varint(5, "int")
        if v >> 32:
            raise Violation(CORRUPT_BODY, "int varint does not fit in 32 bits")
        return (v >> 1) ^ -(v & 1)

    def read_long(self) -> int:
        v = self.varint(10, "long")
        return (v >> 1) ^ -(v & 1)

    def varint(self, max_bytes: int, what: str) -> int:
        v = 0
        for i in range(max_bytes):
            if self.pos >= self.end:
                raise Violation(TRUNCATED, f"{what} varint runs past the end")
            b = self.data[self.pos]
            self.pos += 1
            if i == 9 and b > 1:
                raise Violation(CORRUPT_BODY, "long varint does not fit in 64 bits")
            v |= (b & 0x7F) << (7 * i)
            if not b & 0x80:
                return v
        raise Violation(CORRUPT_BODY, f"{what} varint longer than {max_bytes} bytes")


def validate_body(schema: dict, data: bytes, start: int) -> None:
    body = _Body(data, start)
    body.value(schema, 0)
    if body.pos != body.end:
        raise Violation(TRAILING_BYTES, f"{body.left()} bytes left after the end of the record")
