"""The bundle store: where released bundles live, with the PyTorch weights they came from.

A bundle holds ONNX graphs and one shared `weights.bin`, but no PyTorch checkpoint, and the
verifier refuses any file that manifest.json does not list. Warm starts and the gate need the
PyTorch weights, so the store keeps the checkpoint *beside* the bundle, named by the
manifest::

    <store>/
      <model_version>/                    the bundle, exactly as exported and verified
      <model_version>.checkpoint.pt       the EmbSum checkpoint it was exported from
      <model_version>.release.json        the ModelRelease announced for it

manifest.json `training.checkpoint` = {file: "<model_version>.checkpoint.pt", sha256, step}:
the checkpoint of a bundle at `<dir>/<model_version>` (or `<dir>/<model_version>.tar.gz`) is
`<dir>/<training.checkpoint.file>`, and its sha256 must be the recorded one. A bundle made
elsewhere (e.g. models/demo, exported from a best.pt that is not kept beside it) has no such
file: pass its checkpoint explicitly (`--serving-checkpoint`), checked against the same sha256.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from embsum.digest import sha256_file
from embsum_export.bundle_reader import ARCHIVE_SUFFIXES, read_bundle_manifest
from embsum_export.errors import BundleError

CHECKPOINT_SUFFIX = ".checkpoint.pt"
RELEASE_SUFFIX = ".release.json"


class StoreError(ValueError):
    """A bundle, its checkpoint or the store is not as expected; the message says what to do."""


def checkpoint_name(model_version: str) -> str:
    return model_version + CHECKPOINT_SUFFIX


def _bundle_stem(bundle: Path) -> Path:
    """`<dir>/<name>` without the archive suffix."""
    for suffix in ARCHIVE_SUFFIXES:
        if bundle.name.endswith(suffix):
            return bundle.with_name(bundle.name[: -len(suffix)])
    return bundle


@dataclass(frozen=True)
class ServingModel:
    bundle: Path
    model_version: str
    checkpoint: Path
    checkpoint_sha256: str
    manifest_metrics: dict[str, Any]  # training.metrics as recorded at export (for the report)


def serving_model(
    bundle: str | os.PathLike, checkpoint: str | os.PathLike | None = None
) -> ServingModel:
    """The serving bundle and the checkpoint it was exported from (module docstring)."""
    bundle = Path(bundle)
    try:
        manifest = read_bundle_manifest(bundle)
    except BundleError as e:
        raise StoreError(f"serving bundle {bundle} is not a readable model bundle: {e}") from None
    version = manifest.get("model_version", "?")
    training = manifest.get("training") or {}
    recorded = training.get("checkpoint") or {}
    want_sha = recorded.get("sha256")
    if checkpoint is None:
        if manifest.get("untrained") or not recorded.get("file"):
            raise StoreError(
                f"serving bundle {bundle} ({version}) records no checkpoint (manifest.json "
                "training.checkpoint is empty: an untrained or hand-made bundle), so there are no "
                "PyTorch weights to evaluate or warm-start from: pass --serving-checkpoint PATH, or "
                "--serving-bundle none to release without a comparison"
            )
        path = _bundle_stem(bundle).parent / recorded["file"]
        if not path.is_file():
            raise StoreError(
                f"serving bundle {bundle} ({version}) was exported from {recorded['file']} (sha256 "
                f"{want_sha}), which is not beside it at {path}. Bundles released by embsum_retrain "
                "keep it there; for another bundle pass --serving-checkpoint PATH (e.g. the run's "
                "best.pt), or --serving-bundle none to release without a comparison"
            )
    else:
        path = Path(checkpoint)
        if not path.is_file():
            raise StoreError(f"--serving-checkpoint {path}: no such file")
    digest = sha256_file(path)
    if want_sha and digest != want_sha:
        raise StoreError(
            f"{path} (sha256 {digest}) is not the checkpoint serving bundle {bundle} ({version}) was "
            f"exported from (manifest.json training.checkpoint.sha256 {want_sha}): gating against "
            "other weights would compare the wrong model"
        )
    return ServingModel(bundle, version, path, digest, dict(training.get("metrics") or {}))


@dataclass(frozen=True)
class StoredRelease:
    bundle: Path
    checkpoint: Path
    release_json: Path


def store_paths(store: Path, model_version: str) -> StoredRelease:
    return StoredRelease(
        store / model_version,
        store / checkpoint_name(model_version),
        store / (model_version + RELEASE_SUFFIX),
    )


def check_free(store: Path, model_version: str) -> None:
    """Refuse (before any work) a model_version the store already has."""
    dest = store_paths(store, model_version)
    taken = [p for p in (dest.bundle, dest.checkpoint, dest.release_json) if p.exists()]
    if taken:
        raise StoreError(
            f"the bundle store already has {taken[0]}: model_version {model_version!r} is taken; "
            "choose another --model-version (or leave it out for a timestamped one)"
        )


def put(store: Path, bundle_dir: Path, checkpoint: Path) -> StoredRelease:
    """Copy a verified bundle directory and its checkpoint into the store. Each lands under its
    final name by a rename, so a reader never sees half a bundle; the checkpoint goes first, so a
    bundle in the store always has its weights beside it."""
    version = bundle_dir.name
    store.mkdir(parents=True, exist_ok=True)
    check_free(store, version)
    dest = store_paths(store, version)
    tmp_ckpt = store / f".{dest.checkpoint.name}.partial"
    tmp_dir = store / f".{version}.partial"
    try:
        shutil.copyfile(checkpoint, tmp_ckpt)
        os.replace(tmp_ckpt, dest.checkpoint)
        if tmp_dir.exists():
            shutil.rmtree(tmp_dir)
        shutil.copytree(bundle_dir, tmp_dir)
        os.replace(tmp_dir, dest.bundle)
    finally:
        tmp_ckpt.unlink(missing_ok=True)
        shutil.rmtree(tmp_dir, ignore_errors=True)
    return dest
