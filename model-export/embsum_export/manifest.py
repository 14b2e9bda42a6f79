"""manifest.json of a model bundle: what it holds, how to build it, how to check it.

The field list is docs/model-bundle.md's; docs/design.md 5 fixes the minimum. The manifest
holds the sha256 and byte size of every other file of the bundle.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping

import onnxruntime

from embsum.digest import sha256_file
from embsum.model import EmbSum
from embsum.text import TextConfig

from .errors import BundleError
from .golden import ABS_TOL, INDEX, N_ITEMS, N_USERS, REL_TOL
from .onnx_export import EXPORTER, OPSET, WEIGHTS

FORMAT = "embsum-model-bundle"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
TEACHER_KINDS = ("llm", "template", "none")
MODEL_VERSION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")

GRAPH_NAMES = {
    "session_encoder": "session_encoder.onnx",
    "decoder_first": "decoder_first.onnx",
    "decoder_step": "decoder_step.onnx",
    "user_head": "user_head.onnx",
    "content_encoder": "content_encoder.onnx",
}

# The symbolic dims of the graphs (shapes in the manifest use these names).
DIMS = {
    "S": "sessions in the encoder batch (all users of a micro-batch, flat)",
    "L": "session length in tokens, padded (<= l)",
    "B": "users in the decoder / user-head batch",
    "M": "FiD memory length: a user's sessions' token states concatenated, padded across users",
    "T": "decoder steps already taken (self-attention past length), >= 1 in decoder_step",
    "T_plus_1": "T + 1 (the past grown by this step)",
    "K_plus_1": "rows of Z: history items + 1 global vector, padded across users",
    "N": "contents in the CPE batch",
    "Lc": "content length in tokens, padded (<= item_max_tokens + 1)",
}


def check_model_version(version: str) -> str:
    if not isinstance(version, str) or not MODEL_VERSION_RE.match(version):
        raise ValueError(
            f"model version {version!r} must be 1-128 characters of A-Z a-z 0-9 . _ - "
            "starting with a letter or digit (it names the bundle directory / archive)"
        )
    return version


def file_table(bundle_dir: Path) -> dict[str, dict[str, Any]]:
    """{relative posix path: {sha256, bytes}} of every file except manifest.json, sorted."""
    out = {}
    for path in sorted(p for p in bundle_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(bundle_dir).as_posix()
        if rel != MANIFEST:
            out[rel] = {"sha256": sha256_file(path), "bytes": path.stat().st_size}
    return out


def build_manifest(
    *,
    model: EmbSum,
    model_version: str,
    text_cfg: TextConfig,
    graphs: Mapping[str, Mapping[str, Any]],
    untrained: bool,
    teacher_kind: str,
    training_data: Mapping[str, Any] | None,
    metrics: Mapping[str, Any] | None,
    checkpoint: Mapping[str, Any] | None,
    tokenizer_sha256: str,
    created_at: str | None = None,
) -> dict[str, Any]:
    """Everything but `files` and `export_check` (added once the bundle is complete)."""
    cfg = model.config
    t5 = model.t5.config
    if teacher_kind not in TEACHER_KINDS:
        raise ValueError(f"teacher kind {teacher_kind!r} must be one of {list(TEACHER_KINDS)}")
    by_file = {v: k for k, v in GRAPH_NAMES.items()}
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "model_version": check_model_version(model_version),
        "created_at": created_at or datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "untrained": bool(untrained),
        "model": {
            "embsum_config": cfg.to_dict(),
            "t5_config": json.loads(t5.to_json_string(use_diff=False)),
            "d_model": t5.d_model,
            "num_layers": t5.num_layers,
            "num_decoder_layers": t5.num_decoder_layers,
            "num_heads": t5.num_heads,
            "d_kv": t5.d_kv,
            "vocab_size": t5.vocab_size,
            "poly_dim": cfg.poly_dim or t5.d_model,
            "use_cpe": cfg.use_cpe,
        },
        "m": cfg.m,
        "n": cfg.n_content,
        "H": text_cfg.H,
        "p": text_cfg.p,
        "l": text_cfg.l,
        "text": text_cfg.to_dict(),
        "special_tokens": {
            "sos_id": cfg.sos_id,
            "eos_id": cfg.eos_id,
            "pad_id": cfg.pad_id,
            "decoder_start_id": cfg.decoder_start_id,
            "unk_id": text_cfg.unk_id,
        },
        "max_summary_tokens": cfg.max_summary_tokens,
        "tokenizer": {
            "file": "tokenizer.json",
            "spiece": "spiece.model",
            "sha256": tokenizer_sha256,
        },
        "onnx": {
            "opset": OPSET,
            "exporter": EXPORTER,
            "dims": DIMS,
            "graphs": {by_file[f]: {"file": f, **sig} for f, sig in graphs.items()},
        },
        "training": {
            "status": "untrained" if untrained else "trained",
            "checkpoint": dict(checkpoint) if checkpoint else None,
            "data": dict(training_data or {}),
            "metrics": dict(metrics or {}),
        },
        "teacher": {"kind": teacher_kind},
        "golden": {
            "index": INDEX,
            "users": N_USERS,
            "items": N_ITEMS,
            "tolerance": {"abs": ABS_TOL, "rel": REL_TOL},
        },
        "runtime": {"onnxruntime_tested": onnxruntime.__version__},
    }


def _need(manifest: Mapping[str, Any], key: str, kind, where: str = "") -> Any:
    path = f"{where}.{key}" if where else key
    if key not in manifest:
        raise BundleError(MANIFEST, f"field {path!r} is missing")
    value = manifest[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        want = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise BundleError(MANIFEST, f"field {path!r} must be {want}, got {type(value).__name__}")
    return value


def validate_manifest(manifest: Any) -> None:
    """Field presence, types and internal consistency (no file access)."""
    if not isinstance(manifest, dict):
        raise BundleError(MANIFEST, "must be a JSON object")
    if manifest.get("format") != FORMAT:
        raise BundleError(MANIFEST, f"format is {manifest.get('format')!r}, expected {FORMAT!r}")
    if _need(manifest, "format_version", int) != FORMAT_VERSION:
        raise BundleError(
            MANIFEST,
            f"format_version {manifest['format_version']} is not supported "
            f"(this tool reads {FORMAT_VERSION})",
        )
    try:
        check_model_version(_need(manifest, "model_version", str))
    except ValueError as e:
        raise BundleError(MANIFEST, str(e)) from None
    _need(manifest, "created_at", str)
    _need(manifest, "untrained", bool)
    model = _need(manifest, "model", dict)
    for k in ("d_model", "num_layers", "num_decoder_layers", "num_heads", "d_kv", "vocab_size"):
        _need(model, k, int, "model")
    _need(model, "embsum_config", dict, "model")
    _need(model, "t5_config", dict, "model")
    for k in ("m", "n", "H", "p", "l", "max_summary_tokens"):
        if _need(manifest, k, int) < 1:
            raise BundleError(MANIFEST, f"field {k!r} must be positive")
    text = _need(manifest, "text", dict)
    try:
        text_cfg = TextConfig.from_dict(text).validate()
    except (ValueError, KeyError, TypeError) as e:
        raise BundleError(MANIFEST, f"field 'text' is not a valid text config: {e}") from None
    special = _need(manifest, "special_tokens", dict)
    for k in ("sos_id", "eos_id", "pad_id", "decoder_start_id", "unk_id"):
        _need(special, k, int, "special_tokens")
    for k in ("H", "p", "l"):
        if manifest[k] != getattr(text_cfg, k):
            raise BundleError(
                MANIFEST, f"{k} = {manifest[k]} but text.{k} = {getattr(text_cfg, k)}"
            )
    for k in ("sos_id", "eos_id", "pad_id", "unk_id"):
        if special[k] != getattr(text_cfg, k):
            raise BundleError(
                MANIFEST, f"special_tokens.{k} = {special[k]} but text.{k} = {getattr(text_cfg, k)}"
            )
    tok = _need(manifest, "tokenizer", dict)
    _need(tok, "file", str, "tokenizer")
    _need(tok, "sha256", str, "tokenizer")
    onnx_ = _need(manifest, "onnx", dict)
    _need(onnx_, "opset", int, "onnx")
    graphs = _need(onnx_, "graphs", dict, "onnx")
    for name, file in GRAPH_NAMES.items():
        g = _need(graphs, name, dict, "onnx.graphs")
        if g.get("file") != file:
            raise BundleError(
                MANIFEST, f"onnx.graphs.{name}.file is {g.get('file')!r}, expected {file!r}"
            )
        for side in ("inputs", "outputs"):
            for v in _need(g, side, list, f"onnx.graphs.{name}"):
                if not (
                    isinstance(v, dict)
                    and isinstance(v.get("name"), str)
                    and isinstance(v.get("dtype"), str)
                    and isinstance(v.get("shape"), list)
                ):
                    raise BundleError(
                        MANIFEST, f"onnx.graphs.{name}.{side}: each entry needs name, dtype, shape"
                    )
    training = _need(manifest, "training", dict)
    status = _need(training, "status", str, "training")
    if status not in ("trained", "untrained") or (status == "untrained") != manifest["untrained"]:
        raise BundleError(
            MANIFEST,
            f"training.status {status!r} disagrees with untrained = {manifest['untrained']}",
        )
    _need(training, "data", dict, "training")
    _need(training, "metrics", dict, "training")
    teacher = _need(manifest, "teacher", dict)
    if _need(teacher, "kind", str, "teacher") not in TEACHER_KINDS:
        raise BundleError(
            MANIFEST, f"teacher.kind {teacher['kind']!r} must be one of {list(TEACHER_KINDS)}"
        )
    _need(_need(manifest, "golden", dict), "index", str, "golden")
    files = _need(manifest, "files", dict)
    for rel, entry in files.items():
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("sha256"), str)
            and isinstance(entry.get("bytes"), int)
        ):
            raise BundleError(MANIFEST, f"files[{rel!r}] needs sha256 (string) and bytes (integer)")
    for required in [tok["file"], manifest["golden"]["index"], WEIGHTS, *GRAPH_NAMES.values()]:
        if required not in files:
            raise BundleError(MANIFEST, f"files has no entry for {required!r}")
