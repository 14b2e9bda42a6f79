"""Write a model bundle (directory or .tar.gz).

Export order: ONNX graphs -> tokenizer files -> golden vectors (PyTorch) -> ONNX Runtime parity on
the golden inputs (a bundle that fails is never written) -> manifest with every checksum ->
atomic rename (or tar) into place. Reading and verifying a bundle: bundle_reader.py, verify.py.
"""

from __future__ import annotations

import json
import os
import shutil
import tarfile
import tempfile
from pathlib import Path
from typing import Any, Mapping

from embsum.model import EmbSum
from embsum.text import TextConfig, TextTokenizer
from embsum.text.paths import TOKENIZER_DIR

from .check import check_model, check_text
from .golden import build_golden
from .manifest import MANIFEST, build_manifest, check_model_version, file_table
from .onnx_export import export_graphs
from .runtime import OnnxEmbSum

TOKENIZER_FILES = ("tokenizer.json", "spiece.model")


def _write_json(path: Path, doc: Any) -> None:
    """Compact JSON, one top-level key per line and one list element per line (readable diffs)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["{"]
    keys = list(doc)
    for i, k in enumerate(keys):
        v = doc[k]
        comma = "," if i < len(keys) - 1 else ""
        if isinstance(v, list) and v and isinstance(v[0], dict):
            inner = ",\n".join(
                "  " + json.dumps(x, ensure_ascii=False, separators=(",", ":")) for x in v
            )
            lines.append(f"{json.dumps(k)}: [\n{inner}\n]{comma}")
        else:
            lines.append(
                f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False, separators=(',', ':'))}{comma}"
            )
    lines.append("}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def default_text_config(model: EmbSum) -> TextConfig:
    cfg = model.config
    return TextConfig(sos_id=cfg.sos_id, eos_id=cfg.eos_id, pad_id=cfg.pad_id, p=cfg.p).validate()


def export_bundle(
    model: EmbSum,
    out_dir: str | Path,
    model_version: str,
    *,
    untrained: bool,
    teacher_kind: str,
    training_data: Mapping[str, Any] | None = None,
    metrics: Mapping[str, Any] | None = None,
    checkpoint: Mapping[str, Any] | None = None,
    text_cfg: TextConfig | None = None,
    tar: bool = False,
    force: bool = False,
    tokenizer_dir: Path = TOKENIZER_DIR,
    threads: int | None = None,
) -> Path:
    """Export `model` as bundle `out_dir/<model_version>` (or `<model_version>.tar.gz`); returns its path."""
    check_model_version(model_version)
    model = model.eval()
    text_cfg = (text_cfg or default_text_config(model)).validate()
    if text_cfg.p != model.config.p:
        raise ValueError(
            f"text config p = {text_cfg.p} but the model was built for p = {model.config.p}"
        )
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / (model_version + (".tar.gz" if tar else ""))
    if target.exists() and not force:
        raise FileExistsError(
            f"{target} already exists; pick another --model-version or pass --force"
        )
    staging = Path(tempfile.mkdtemp(prefix=f".{model_version}.partial-", dir=out_dir))
    staging.chmod(0o755)  # mkdtemp makes it 0700
    try:
        graphs = export_graphs(model, staging)
        for name in TOKENIZER_FILES:
            shutil.copyfile(tokenizer_dir / name, staging / name)
        tokenizer = TextTokenizer(staging / "tokenizer.json")
        golden = build_golden(model, text_cfg, tokenizer)
        for rel, doc in golden.items():
            _write_json(staging / rel, doc)
        manifest = build_manifest(
            model=model,
            model_version=model_version,
            text_cfg=text_cfg,
            graphs=graphs,
            untrained=untrained,
            teacher_kind=teacher_kind,
            training_data=training_data,
            metrics=metrics,
            checkpoint=checkpoint,
            tokenizer_sha256=tokenizer.sha256(),
        )
        check_text(golden, tokenizer, text_cfg)
        diffs = check_model(OnnxEmbSum(staging, manifest, threads=threads), golden)
        manifest["export_check"] = {"max_abs_diff": diffs, "summary_ids": "identical"}
        manifest["files"] = file_table(staging)
        (staging / MANIFEST).write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False, allow_nan=False) + "\n",
            encoding="utf-8",
        )
        if tar:
            tmp = out_dir / f".{model_version}.tar.gz.partial"
            # the top directory, manifest.json first (a streaming reader learns every checksum
            # before the files arrive), then everything else in sorted order
            paths = [staging, staging / MANIFEST] + sorted(
                p for p in staging.rglob("*") if p != staging / MANIFEST
            )
            with tarfile.open(tmp, "w:gz") as tf:
                for path in paths:
                    rel = path.relative_to(staging).as_posix()
                    tf.add(
                        path,
                        arcname=model_version if rel == "." else f"{model_version}/{rel}",
                        recursive=False,
                    )
            os.replace(tmp, target)
        else:
            if target.exists():
                shutil.rmtree(target)
            os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target
