"""Avro single-object encoding of the embsum-stream records: the Python side of ``schemas/``.

Wire format (docs/design.md 2): ``c3 01``, the writer schema's CRC-64-AVRO fingerprint (8
bytes, little-endian), then the Avro binary body. One concept per module, as the Java classes
in ``schemas/src/main/java/dev/embsum/serde/`` that they mirror:

- :mod:`embsum.wire.schemas`: the record types and their ``.avsc`` files, current and released,
  and schema fingerprints (Java ``RecordTypes``, ``ReleasedSchemas``, ``WireFormat``);
- :mod:`embsum.wire.errors`: :class:`~embsum.wire.errors.MalformedRecordError` and its kinds
  (Java ``MalformedRecordException``);
- :mod:`embsum.wire.single_object`: ``encode`` / ``decode`` of one record (Java
  ``SingleObjectCodec``);
- :mod:`embsum.wire.body_validator`: the bounded walk over a body before fastavro decodes it
  (Java ``BodyValidator``);
- :mod:`embsum.wire.plain_json`: the JSON form of ``schemas/golden/wire-vectors.json``
  (timestamps as epoch millis, bytes as hex; Java's test helper ``PlainJson``).
"""
