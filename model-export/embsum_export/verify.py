"""Verify a model bundle. Order: archive -> manifest fields -> every checksum (nothing is loaded
before its checksum passed) -> graphs load and match their manifest signature -> golden
texts/sessions re-derived with the bundle's tokenizer -> golden parity on ONNX Runtime.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import onnxruntime as ort

from embsum.digest import sha256_file
from embsum.text import TextConfig, TextTokenizer

from .bundle_reader import check_files, is_archive, opened_bundle, read_manifest
from .check import check_model, check_text
from .errors import BundleError
from .golden import FILES, INDEX
from .manifest import MANIFEST
from .onnx_export import graph_signature
from .runtime import OnnxEmbSum


def _same_signature(
    name: str,
    file: str,
    want: Mapping[str, Any],
    session: ort.InferenceSession,
    stored: Mapping[str, Any],
) -> None:
    for side in ("inputs", "outputs"):
        exp = [(v["name"], v["dtype"], v["shape"]) for v in want[side]]
        got = [(v["name"], v["dtype"], v["shape"]) for v in stored[side]]
        if exp != got:
            raise BundleError(
                file, f"{side} {got} differ from manifest.json onnx.graphs.{name}.{side} {exp}"
            )
    ort_in = [i.name for i in session.get_inputs()]
    if ort_in != [v["name"] for v in want["inputs"]]:
        raise BundleError(
            file,
            f"onnxruntime sees inputs {ort_in}, manifest.json lists "
            f"{[v['name'] for v in want['inputs']]}",
        )


@dataclass
class VerifyReport:
    model_version: str
    untrained: bool
    manifest_sha256: str
    files_checked: int
    graphs: list[str]
    max_abs_diff: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def verify_bundle(
    path: str | Path, threads: int | None = None, manifest_sha256: str | None = None
) -> VerifyReport:
    """Raise BundleError (naming the file) unless the bundle is complete, intact and reproduces
    its golden vectors on ONNX Runtime. manifest_sha256: also require manifest.json to have this
    sha256 (ModelRelease.bundle_sha256)."""
    archive = Path(path)
    with opened_bundle(archive) as bundle_dir:
        manifest = read_manifest(bundle_dir, manifest_sha256)
        if is_archive(archive) and bundle_dir.name != manifest["model_version"]:
            raise BundleError(
                archive.name,
                f"top directory {bundle_dir.name!r} is not the model_version "
                f"{manifest['model_version']!r}",
            )
        n_files = check_files(bundle_dir, manifest)

        tok_file = manifest["tokenizer"]["file"]
        if manifest["tokenizer"]["sha256"] != manifest["files"][tok_file]["sha256"]:
            raise BundleError(MANIFEST, "tokenizer.sha256 disagrees with files[tokenizer.json]")
        tokenizer = TextTokenizer(bundle_dir / tok_file)
        text_cfg = TextConfig.from_dict(manifest["text"]).validate()

        graphs = manifest["onnx"]["graphs"]
        opts = ort.SessionOptions()
        for name, spec in graphs.items():
            file = spec["file"]
            try:
                sess = ort.InferenceSession(
                    str(bundle_dir / file), opts, providers=["CPUExecutionProvider"]
                )
            except Exception as e:  # onnxruntime raises its own exception types
                raise BundleError(
                    file, f"onnxruntime cannot load it ({type(e).__name__}: {e})"
                ) from None
            _same_signature(name, file, spec, sess, graph_signature(bundle_dir / file))
            del sess

        index_rel = manifest["golden"]["index"]
        golden = {index_rel: _load_json(bundle_dir, index_rel)}
        for rel in golden[index_rel]["files"].values():
            if rel not in manifest["files"]:
                raise BundleError(
                    rel, "golden file named in golden/index.json is not listed in manifest.json"
                )
            golden[rel] = _load_json(bundle_dir, rel)
        if set(golden[index_rel]["files"].values()) != set(FILES.values()):
            raise BundleError(INDEX, f"files must be {sorted(FILES.values())}")
        check_text(golden, tokenizer, text_cfg)
        try:
            rt = OnnxEmbSum(bundle_dir, manifest, threads=threads)
        except Exception as e:
            raise BundleError(
                MANIFEST, f"cannot build the runtime ({type(e).__name__}: {e})"
            ) from None
        diffs = check_model(rt, golden)
        return VerifyReport(
            manifest["model_version"],
            manifest["untrained"],
            sha256_file(bundle_dir / MANIFEST),
            n_files,
            sorted(graphs),
            diffs,
        )


def _load_json(bundle_dir: Path, rel: str) -> Any:
    path = bundle_dir / rel
    if not path.is_file():
        raise BundleError(rel, "missing from the bundle")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise BundleError(rel, f"not valid JSON ({e})") from None
