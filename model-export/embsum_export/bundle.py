"""Write a model bundle (directory or .tar.gz) and verify one.

Export order: ONNX graphs -> tokenizer files -> golden vectors (PyTorch) -> ONNX Runtime parity on
the golden inputs (a bundle that fails is never written) -> manifest with every checksum ->
atomic rename (or tar) into place. Verification order: archive -> manifest fields -> every
checksum (nothing is loaded before its checksum passed) -> graphs load and match their manifest
signature -> golden texts/sessions re-derived with the bundle's tokenizer -> golden parity.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tarfile
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping

import onnxruntime as ort

from embsum.digest import sha256_file
from embsum.model import EmbSum
from embsum.text import TextConfig, TextTokenizer
from embsum.text.paths import TOKENIZER_DIR

from .check import check_model, check_text
from .errors import BundleError
from .golden import FILES, INDEX, build_golden
from .manifest import MANIFEST, build_manifest, check_model_version, file_table, validate_manifest
from .onnx_export import export_graphs, graph_signature
from .runtime import OnnxEmbSum

TOKENIZER_FILES = ("tokenizer.json", "spiece.model")
ARCHIVE_SUFFIXES = (".tar.gz", ".tgz")


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


# ------------------------------------------------------------------------------------------------
# Opening and verifying
# ------------------------------------------------------------------------------------------------
def is_archive(path: Path) -> bool:
    return path.name.endswith(ARCHIVE_SUFFIXES)


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
    if not path.exists():
        raise BundleError(
            str(path), "no such bundle (expected a bundle directory or a .tar.gz archive)"
        )
    if path.is_dir():
        yield path
        return
    if not is_archive(path):
        raise BundleError(
            path.name, "not a bundle: expected a directory or a file ending in .tar.gz / .tgz"
        )
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
    if not path.exists():
        raise BundleError(
            str(path), "no such bundle (expected a bundle directory or a .tar.gz archive)"
        )
    if not is_archive(path):
        raise BundleError(
            path.name, "not a bundle: expected a directory or a file ending in .tar.gz / .tgz"
        )
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
