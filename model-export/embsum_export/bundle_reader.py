"""Open a model bundle (a directory, or a .tar.gz extracted safely) and read its manifest.json:
the one bundle reader (the verifier and the retrain store use it). Nothing is loaded before its
checksum passed: `check_files` holds every file to manifest.json's size and sha256."""

from __future__ import annotations

import contextlib
import hashlib
import json
import tarfile
import tempfile
import zlib
from pathlib import Path
from typing import Any, Iterator, Mapping

from embsum.digest import sha256_file

from .errors import BundleError
from .manifest import MANIFEST, validate_manifest

ARCHIVE_SUFFIXES = (".tar.gz", ".tgz")


def is_archive(path: Path) -> bool:
    return path.name.endswith(ARCHIVE_SUFFIXES)


def _check_archive_path(path: Path) -> None:
    """A path that is not a directory must be an existing .tar.gz / .tgz file."""
    if not path.exists():
        raise BundleError(
            str(path), "no such bundle (expected a bundle directory or a .tar.gz archive)"
        )
    if not is_archive(path):
        raise BundleError(
            path.name, "not a bundle: expected a directory or a file ending in .tar.gz / .tgz"
        )


def _extract(archive: Path, dest: Path) -> Path:
    """Safe extraction: regular files and directories under one top directory, nothing else."""
    name = archive.name
    try:
        with tarfile.open(archive, "r:gz") as tf:
            members = tf.getmembers()
            tops = set()
            for m in members:
                parts = Path(m.name).parts
                if m.name.startswith("/") or ".." in parts or not parts:
                    raise BundleError(name, f"archive member {m.name!r} has an unsafe path")
                if not (m.isfile() or m.isdir()):
                    raise BundleError(
                        name, f"archive member {m.name!r} is not a regular file or directory"
                    )
                tops.add(parts[0])
            if len(tops) != 1:
                raise BundleError(
                    name,
                    f"archive must hold exactly one top directory (the model version), "
                    f"found {sorted(tops) or 'nothing'}",
                )
            tf.extractall(dest, filter="data")
    except BundleError:
        raise
    except (tarfile.TarError, EOFError, zlib.error, OSError) as e:
        raise BundleError(
            name, f"cannot read the archive, it is truncated or corrupt ({type(e).__name__}: {e})"
        ) from None
    return dest / tops.pop()


@contextlib.contextmanager
def opened_bundle(path: str | Path) -> Iterator[Path]:
    """A bundle directory for `path` (a directory, or a .tar.gz extracted to a temporary one)."""
    path = Path(path)
    if path.is_dir():
        yield path
        return
    _check_archive_path(path)
    with tempfile.TemporaryDirectory(prefix="embsum-bundle-") as tmp:
        yield _extract(path, Path(tmp))


def manifest_bytes(path: str | Path) -> bytes:
    """The bytes of a bundle's manifest.json, from a bundle directory or from a .tar.gz without
    extracting the rest (read only: not parsed, not validated, no checksum checked)."""
    path = Path(path)
    if path.is_dir():
        if not (path / MANIFEST).is_file():
            raise BundleError(MANIFEST, f"missing in {path}")
        return (path / MANIFEST).read_bytes()
    _check_archive_path(path)
    try:
        with tarfile.open(path, "r:gz") as tf:
            for member in tf:
                parts = Path(member.name).parts
                if len(parts) == 2 and parts[1] == MANIFEST and member.isfile():
                    return tf.extractfile(member).read()
    except (tarfile.TarError, EOFError, zlib.error, OSError) as e:
        raise BundleError(path.name, f"cannot read the archive ({type(e).__name__}: {e})") from None
    raise BundleError(MANIFEST, f"missing in {path.name}")


def manifest_sha256(path: str | Path) -> str:
    """sha256 of a bundle's manifest.json (directory or archive): ModelRelease.bundle_sha256."""
    return hashlib.sha256(manifest_bytes(path)).hexdigest()


def read_bundle_manifest(path: str | Path) -> dict[str, Any]:
    """A bundle's manifest.json (directory or archive), parsed but not validated: for a look at
    what a bundle says about itself (model_version, training.checkpoint) before verifying it.
    read_manifest is the validating reader of an opened bundle."""
    try:
        return json.loads(manifest_bytes(path).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise BundleError(MANIFEST, f"not valid JSON ({e})") from None


def read_manifest(bundle_dir: Path, expected_sha256: str | None = None) -> dict[str, Any]:
    """Parse and validate manifest.json; with expected_sha256 (ModelRelease.bundle_sha256) its
    bytes must have that sha256 first."""
    path = bundle_dir / MANIFEST
    if not path.is_file():
        raise BundleError(MANIFEST, f"missing in {bundle_dir}")
    if expected_sha256 is not None:
        digest = sha256_file(path)
        if digest != expected_sha256.lower():
            raise BundleError(
                MANIFEST,
                f"sha256 {digest} is not the expected {expected_sha256.lower()} "
                "(ModelRelease.bundle_sha256): wrong or modified bundle",
            )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise BundleError(MANIFEST, f"not valid JSON ({e})") from None
    validate_manifest(manifest)
    return manifest


def check_files(bundle_dir: Path, manifest: Mapping[str, Any]) -> int:
    """Every listed file exists with its size and sha256; no unlisted file. Returns the count."""
    files = manifest["files"]
    for rel, entry in files.items():
        path = bundle_dir / rel
        if Path(rel).is_absolute() or ".." in Path(rel).parts:
            raise BundleError(MANIFEST, f"files lists an unsafe path {rel!r}")
        if path.is_symlink() or not path.is_file():
            raise BundleError(rel, "missing from the bundle (listed in manifest.json)")
        size = path.stat().st_size
        if size != entry["bytes"]:
            raise BundleError(
                rel,
                f"size {size} bytes, manifest.json says {entry['bytes']} (truncated or modified)",
            )
        digest = sha256_file(path)
        if digest != entry["sha256"]:
            raise BundleError(
                rel,
                f"sha256 {digest} does not match manifest.json ({entry['sha256']}): "
                "the file was modified or the manifest is wrong",
            )
    for path in sorted(bundle_dir.rglob("*")):
        rel = path.relative_to(bundle_dir).as_posix()
        if path.is_symlink() or (path.is_file() and rel != MANIFEST and rel not in files):
            raise BundleError(rel, "is in the bundle but not listed in manifest.json files")
    return len(files)
