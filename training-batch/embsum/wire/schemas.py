"""The records of the wire contract and their Avro schemas, read from the Java module's sources
so both languages share one definition:

- current schemas: ``schemas/src/main/avro/<Record>.avsc`` (what the codec writes);
- released copies: ``schemas/src/main/resources/avro/released/<version>/<Record>.avsc``
  (listed in ``versions.txt``); the codec accepts any of them as the writer schema.

Set ``EMBSUM_SCHEMAS_DIR`` to the ``schemas`` directory when the package is not run from the
repository. Mirrors Java's ``RecordTypes``, ``ReleasedSchemas`` and ``WireFormat.fingerprint``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from fastavro.schema import fingerprint as _fastavro_fingerprint
from fastavro.schema import to_parsing_canonical_form

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


def schemas_dir() -> Path:
    """The Java module's directory (``<repo>/schemas``) the .avsc files are read from."""
    env = os.environ.get("EMBSUM_SCHEMAS_DIR")
    # this file is <repo>/training-batch/embsum/wire/schemas.py
    return Path(env) if env else Path(__file__).resolve().parents[3] / "schemas"


def _load(path: Path) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _released_dir() -> Path:
    return schemas_dir() / "src" / "main" / "resources" / "avro" / "released"


def released_versions() -> list[str]:
    """Released version labels in release order, from ``versions.txt``."""
    lines = (_released_dir() / "versions.txt").read_text(encoding="utf-8").splitlines()
    return [v.strip() for v in lines if v.strip() and not v.strip().startswith("#")]


def current_schema(record_type: str) -> dict:
    """The record's current schema as JSON (not yet parsed by fastavro)."""
    return _load(schemas_dir() / "src" / "main" / "avro" / f"{record_type}.avsc")


def released_schemas(record_type: str) -> list[tuple[str, dict]]:
    """(version, schema JSON) of every released version that has this record, in release order."""
    out = []
    for version in released_versions():
        path = _released_dir() / version / f"{record_type}.avsc"
        if path.exists():
            out.append((version, _load(path)))
    return out


def fingerprint(schema: dict) -> bytes:
    """CRC-64-AVRO fingerprint of the schema's parsing canonical form, in wire (LE) order."""
    return bytes.fromhex(_fastavro_fingerprint(to_parsing_canonical_form(schema), "CRC-64-AVRO"))
