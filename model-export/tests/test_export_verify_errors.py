"""A damaged bundle is refused with an error that names the file (CLI exit code 2)."""

from __future__ import annotations

import json
import shutil
import tarfile

import pytest

from embsum.digest import sha256_file
from embsum_export import BundleError, ParityError, verify_bundle
from embsum_export.cli import main as cli_main


def refused(path, file: str, capsys, match: str = "", sha: str | None = None) -> BundleError:
    with pytest.raises(BundleError) as err:
        verify_bundle(path, manifest_sha256=sha)
    assert err.value.file == file and str(err.value).startswith(f"{file}: ")
    assert match in str(err.value)
    assert cli_main(["verify", str(path)] + (["--manifest-sha256", sha] if sha else [])) == 2
    assert file in capsys.readouterr().err
    return err.value


def flip_byte(path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    "file", ["decoder_step.onnx", "weights.bin", "tokenizer.json", "golden/scores.json"]
)
def test_tampered_file(bundle_copy, capsys, file):
    path = bundle_copy / file
    flip_byte(path, path.stat().st_size // 2)
    refused(bundle_copy, file, capsys, "sha256")


def test_missing_file(bundle_copy, capsys):
    (bundle_copy / "session_encoder.onnx").unlink()
    refused(bundle_copy, "session_encoder.onnx", capsys, "missing")


def test_truncated_file(bundle_copy, capsys):
    path = bundle_copy / "weights.bin"
    path.write_bytes(path.read_bytes()[:1000])
    refused(bundle_copy, "weights.bin", capsys, "truncated")


def test_unlisted_file(bundle_copy, capsys):
    (bundle_copy / "golden" / "extra.json").write_text("{}")
    refused(bundle_copy, "golden/extra.json", capsys, "not listed")


def test_manifest_sha_mismatch(bundle_copy, capsys):
    m = json.loads((bundle_copy / "manifest.json").read_text())
    m["files"]["spiece.model"]["sha256"] = "0" * 64
    (bundle_copy / "manifest.json").write_text(json.dumps(m))
    refused(bundle_copy, "spiece.model", capsys, "does not match manifest.json")


def test_missing_manifest(bundle_copy, capsys):
    (bundle_copy / "manifest.json").unlink()
    refused(bundle_copy, "manifest.json", capsys, "missing")


@pytest.mark.parametrize(
    "edit, match",
    [
        (lambda m: m.pop("max_summary_tokens"), "'max_summary_tokens' is missing"),
        (lambda m: m.update(format_version=99), "not supported"),
        (lambda m: m["special_tokens"].update(sos_id=5), "special_tokens.sos_id"),
        (lambda m: m["teacher"].update(kind="gpt"), "teacher.kind"),
        (lambda m: m["onnx"]["graphs"].pop("user_head"), "user_head"),
    ],
)
def test_bad_manifest_fields(bundle_copy, capsys, edit, match):
    m = json.loads((bundle_copy / "manifest.json").read_text())
    edit(m)
    (bundle_copy / "manifest.json").write_text(json.dumps(m))
    refused(bundle_copy, "manifest.json", capsys, match)


def test_manifest_not_json(bundle_copy, capsys):
    (bundle_copy / "manifest.json").write_text('{"format": ')
    refused(bundle_copy, "manifest.json", capsys, "not valid JSON")


def test_golden_value_changed_with_matching_checksum(bundle_copy, capsys):
    """Checksums alone do not make a bundle right: parity with the golden vectors is checked."""
    users = json.loads((bundle_copy / "golden/users.json").read_text())
    users["users"][3]["upe"][1][2] += 0.01
    (bundle_copy / "golden/users.json").write_text(json.dumps(users))
    m = json.loads((bundle_copy / "manifest.json").read_text())
    path = bundle_copy / "golden/users.json"
    m["files"]["golden/users.json"] = {"sha256": sha256_file(path), "bytes": path.stat().st_size}
    (bundle_copy / "manifest.json").write_text(json.dumps(m))
    err = refused(bundle_copy, "golden/users.json", capsys, "upe")
    assert isinstance(err, ParityError) and users["users"][3]["user_id"] in str(err)


def test_truncated_tar(random_tar, tmp_path, capsys):
    bad = tmp_path / random_tar.name
    bad.write_bytes(random_tar.read_bytes()[: random_tar.stat().st_size // 2])
    refused(bad, bad.name, capsys, "truncated or corrupt")


def test_tar_with_tampered_member(random_tar, tmp_path, capsys):
    work = tmp_path / "x"
    with tarfile.open(random_tar) as tf:
        tf.extractall(work, filter="data")
    version = random_tar.name[: -len(".tar.gz")]
    flip_byte(work / version / "decoder_first.onnx", 100)
    bad = tmp_path / random_tar.name
    with tarfile.open(bad, "w:gz") as tf:
        tf.add(work / version, arcname=version)
    refused(bad, "decoder_first.onnx", capsys, "sha256")


def test_tar_with_two_top_directories(random_tar, tmp_path, capsys):
    work = tmp_path / "x"
    with tarfile.open(random_tar) as tf:
        tf.extractall(work, filter="data")
    version = random_tar.name[: -len(".tar.gz")]
    shutil.copytree(work / version, work / "other")
    bad = tmp_path / "two.tar.gz"
    with tarfile.open(bad, "w:gz") as tf:
        tf.add(work / version, arcname=version)
        tf.add(work / "other", arcname="other")
    refused(bad, "two.tar.gz", capsys, "exactly one top directory")


def test_not_a_bundle(tmp_path, capsys):
    refused(tmp_path / "nope", str(tmp_path / "nope"), capsys, "no such bundle")
    (tmp_path / "model.zip").write_bytes(b"PK")
    refused(tmp_path / "model.zip", "model.zip", capsys, "not a bundle")


def test_expected_manifest_sha256(bundle, capsys):
    """ModelRelease.bundle_sha256 = sha256(manifest.json): export prints it, verify checks it."""
    sha = sha256_file(bundle / "manifest.json")
    assert verify_bundle(bundle, manifest_sha256=sha).manifest_sha256 == sha
    assert cli_main(["verify", str(bundle), "--manifest-sha256", sha.upper()]) == 0
    assert sha in capsys.readouterr().out
    refused(bundle, "manifest.json", capsys, "ModelRelease.bundle_sha256", sha="ab" * 32)
