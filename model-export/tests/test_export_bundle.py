"""The exported bundle: verify passes, manifest contents, golden coverage, tar + random init."""

from __future__ import annotations

import json

import onnxruntime as ort

from embsum.text import TextConfig
from embsum_export import verify_bundle
from embsum_export.cli import main as cli_main
from embsum_export.manifest import file_table
from export_fixtures import CAP, RANDOM_VERSION, VERSION, export_trained

GRAPHS = {"session_encoder", "decoder_first", "decoder_step", "user_head", "content_encoder"}


def test_verify_passes_on_the_exported_directory(bundle, capsys):
    report = verify_bundle(bundle)
    assert report.model_version == VERSION and not report.untrained
    assert set(report.graphs) == GRAPHS
    assert set(report.max_abs_diff) == {
        "item_vectors",
        "global_vec",
        "upe",
        "cpe",
        "cpe_key",
        "scores",
    }
    assert all(v < 1e-4 for v in report.max_abs_diff.values()), report.max_abs_diff
    assert cli_main(["verify", str(bundle)]) == 0
    assert f"OK {VERSION}" in capsys.readouterr().out


def test_manifest_fields(bundle, manifest):
    assert manifest["format"] == "embsum-model-bundle" and manifest["format_version"] == 1
    assert manifest["model_version"] == VERSION and manifest["created_at"].endswith("Z")
    assert manifest["untrained"] is False and manifest["training"]["status"] == "trained"
    assert manifest["teacher"]["kind"] == "template"
    assert manifest["training"]["data"]["users"] == 8 and manifest["training"]["metrics"] == {}
    assert manifest["training"]["checkpoint"]["step"] == 45
    assert (manifest["m"], manifest["n"], manifest["H"], manifest["p"], manifest["l"]) == (
        4,
        3,
        60,
        4,
        512,
    )
    assert manifest["max_summary_tokens"] == CAP
    assert manifest["text"] == TextConfig().to_dict()
    assert manifest["special_tokens"] == {
        "sos_id": 32099,
        "eos_id": 1,
        "pad_id": 0,
        "decoder_start_id": 0,
        "unk_id": 2,
    }
    assert (
        manifest["model"]["t5_config"]["d_model"] == 32
        and manifest["model"]["num_decoder_layers"] == 2
    )
    assert manifest["onnx"]["opset"] == 17
    assert manifest["files"] == file_table(bundle)  # every other file, sha256 + size
    assert {"tokenizer.json", "spiece.model", "weights.bin", "golden/index.json"} <= set(
        manifest["files"]
    )
    graphs = manifest["onnx"]["graphs"]
    assert set(graphs) == GRAPHS
    enc = graphs["session_encoder"]
    assert enc["inputs"] == [
        {"name": "input_ids", "dtype": "int64", "shape": ["S", "L"]},
        {"name": "attention_mask", "dtype": "int64", "shape": ["S", "L"]},
    ]
    assert enc["outputs"] == [{"name": "token_states", "dtype": "float32", "shape": ["S", "L", 32]}]
    step = {v["name"]: v for v in graphs["decoder_step"]["inputs"]}
    assert step["past.1.self.key"]["shape"] == ["B", 4, "T", 8]
    assert step["past.1.cross.value"]["shape"] == ["B", 4, "M", 8]
    outs = {v["name"]: v for v in graphs["decoder_step"]["outputs"]}
    assert outs["logits"]["shape"] == ["B", 32128] and outs["next_id"]["dtype"] == "int64"
    assert outs["present.0.self.key"]["shape"] == ["B", 4, "T_plus_1", 8]
    assert graphs["user_head"]["outputs"][0]["shape"] == ["B", 4, 32]
    assert [v["name"] for v in graphs["content_encoder"]["outputs"]] == ["cpe", "cpe_key"]
    named = {
        d
        for g in graphs.values()
        for side in ("inputs", "outputs")
        for v in g[side]
        for d in v["shape"]
        if isinstance(d, str)
    }
    assert named <= set(manifest["onnx"]["dims"]), named  # every symbolic dim is documented
    # what onnxruntime itself reports agrees with the manifest
    for name, g in graphs.items():
        sess = ort.InferenceSession(str(bundle / g["file"]), providers=["CPUExecutionProvider"])
        assert [i.name for i in sess.get_inputs()] == [v["name"] for v in g["inputs"]]
        assert [o.name for o in sess.get_outputs()] == [v["name"] for v in g["outputs"]]


def test_golden_covers_real_mind_users_items_and_both_greedy_endings(golden):
    index = golden["golden/index.json"]
    users = golden["golden/users.json"]["users"]
    assert len(index["user_ids"]) == len(users) == 8 and len(index["item_ids"]) == 32
    assert all(u["user_id"].startswith("U") for u in users)
    assert all(i.startswith("N") for i in index["item_ids"])
    n_items = [len(u["entries"]) for u in users]
    assert 1 in n_items and 60 in n_items  # one click .. a full window
    assert any(len(u["engagements"]) > 60 for u in users)  # the window slid
    lengths = [len(u["summary_ids"]) for u in users]
    ended = [u for u in users if u["summary_ends_with_eos"]]
    # early </s> at several different steps, and at least one user cut at the cap
    assert len({len(u["summary_ids"]) for u in ended}) >= 3 and any(
        len(u["summary_ids"]) > 2 for u in ended
    )
    assert any(n == CAP and not u["summary_ends_with_eos"] for n, u in zip(lengths, users))
    assert all(u["min_top2_logit_margin"] > 1e-3 for u in users)
    scores = golden["golden/scores.json"]["scores"]
    assert len(scores) == 8 and all(len(r) == 32 for r in scores)


def test_random_init_tar_is_marked_untrained_and_verifies(random_tar, capsys):
    assert random_tar.name == f"{RANDOM_VERSION}.tar.gz"
    report = verify_bundle(random_tar)
    assert report.untrained and report.model_version == RANDOM_VERSION
    assert cli_main(["verify", str(random_tar)]) == 0
    assert "(UNTRAINED)" in capsys.readouterr().out
    import tarfile

    with tarfile.open(random_tar) as tf:
        manifest = json.load(tf.extractfile(f"{RANDOM_VERSION}/manifest.json"))
        names = tf.getnames()
    assert all(n == RANDOM_VERSION or n.startswith(RANDOM_VERSION + "/") for n in names)
    assert names[:2] == [RANDOM_VERSION, f"{RANDOM_VERSION}/manifest.json"]  # checksums come first
    assert manifest["untrained"] is True and manifest["training"]["status"] == "untrained"
    assert manifest["training"]["data"]["random_init"] == {"preset": "tiny", "seed": 3}
    assert manifest["training"]["metrics"] == {} and manifest["teacher"]["kind"] == "none"
    assert (manifest["m"], manifest["n"], manifest["max_summary_tokens"]) == (2, 2, 6)


def test_export_is_reproducible_file_for_file(bundle, checkpoint, training_json, tmp_path):
    # scripts/build-demo-bundle.sh promises a deterministic rebuild: the same checkpoint exports
    # to the same bytes (graphs, weights.bin, golden/), only manifest.json's created_at may differ
    assert export_trained(checkpoint, training_json, tmp_path) == 0
    first = json.loads((bundle / "manifest.json").read_text())
    again = json.loads((tmp_path / VERSION / "manifest.json").read_text())
    assert again["files"] == first["files"]
    assert {k: v for k, v in again.items() if k != "created_at"} == {
        k: v for k, v in first.items() if k != "created_at"
    }
