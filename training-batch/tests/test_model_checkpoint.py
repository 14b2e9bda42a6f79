"""Checkpoint round trip, and loading a real (tiny, locally saved) Hugging Face T5 checkpoint."""

import shutil

import pytest
import torch
from transformers import T5Config, T5ForConditionalGeneration

from embsum.model import EmbSum, from_hf_t5, load_checkpoint, restore_checkpoint
from model_fixtures import (
    build_batch,
    one_torch_thread,  # noqa: F401  (autouse fixture)
    rand_batch,
    tiny_model,
)


def _outputs(model, batch):
    model.eval()
    with torch.no_grad():
        out = model(batch)
        emb = model.embed_users(batch.users)
    return out, emb


def test_checkpoint_round_trip(tmp_path):
    batch = build_batch(*rand_batch(seed=21, n_items=(4, 2), n_cands=3, p=2))
    model = tiny_model(seed=3, m=2, n=2).train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(2):  # non-trivial weights and optimizer state
        opt.zero_grad()
        model(batch).loss.total.backward()
        opt.step()
    path = tmp_path / "ckpt.pt"
    model.save_checkpoint(path, optimizer=opt, step=7, extra={"epoch": 1})
    loaded = load_checkpoint(path)
    assert loaded.step == 7 and loaded.extra == {"epoch": 1}
    assert loaded.model.config == model.config
    o1, e1 = _outputs(model, batch)
    o2, e2 = _outputs(loaded.model, batch)
    assert torch.equal(o1.scores, o2.scores) and torch.equal(o1.a, o2.a)
    assert all(torch.equal(x, y) for x, y in zip(o1.loss, o2.loss))
    assert torch.equal(e1.summary_ids, e2.summary_ids) and torch.equal(e1.a, e2.a)
    # optimizer state restores into an optimizer built over the loaded model
    opt2 = torch.optim.Adam(loaded.model.parameters(), lr=1e-3)
    opt2.load_state_dict(loaded.optimizer_state)
    s1, s2 = opt.state_dict()["state"], opt2.state_dict()["state"]
    assert s1.keys() == s2.keys() and all(
        torch.equal(s1[k]["exp_avg"], s2[k]["exp_avg"]) for k in s1
    )
    # restore into existing objects (resume), and the classmethod shortcut
    fresh = tiny_model(seed=9, m=2, n=2)
    opt3 = torch.optim.Adam(fresh.parameters(), lr=1e-3)
    assert restore_checkpoint(fresh, path, opt3) == 7
    assert torch.equal(_outputs(fresh, batch)[0].scores, o1.scores)
    assert torch.equal(_outputs(EmbSum.load_checkpoint(path), batch)[0].scores, o1.scores)
    assert not (tmp_path / "ckpt.pt.tmp").exists()


def test_load_rejects_other_files(tmp_path):
    torch.save({"state_dict": {}}, tmp_path / "x.pt")
    with pytest.raises(ValueError, match="not an EmbSum checkpoint"):
        load_checkpoint(tmp_path / "x.pt")


def _tiny_hf_t5(seed=0):
    torch.manual_seed(seed)
    cfg = T5Config(
        vocab_size=32128,
        d_model=32,
        d_kv=8,
        d_ff=64,
        num_layers=2,
        num_decoder_layers=3,
        num_heads=4,
        relative_attention_num_buckets=16,
        relative_attention_max_distance=64,
        dropout_rate=0.0,
        decoder_start_token_id=0,
    )
    return T5ForConditionalGeneration(cfg).eval()


def test_from_hf_t5_loads_backbone(tmp_path):
    hf = _tiny_hf_t5()
    hf_dir = tmp_path / "hf-t5"
    hf.save_pretrained(hf_dir)
    model = from_hf_t5(hf_dir, m=3, n=2).eval()
    assert (
        model.t5.config.num_decoder_layers == 3
        and model.t5.config.relative_attention_num_buckets == 16
    )
    ref = hf.state_dict()
    got = {k[len("t5.") :]: v for k, v in model.state_dict().items() if k.startswith("t5.")}
    assert got.keys() == ref.keys()
    assert all(torch.equal(got[k], ref[k]) for k in ref)
    # same backbone outputs: encoder states, and logits/loss of a teacher-forced decode
    batch = build_batch(*rand_batch(seed=22, n_items=(3, 2), n_cands=2, p=2))
    u = batch.users
    with torch.no_grad():
        enc_ref = hf.encoder(
            input_ids=u.session_ids, attention_mask=u.session_mask
        ).last_hidden_state
        enc = model.encode_sessions(u.session_ids, u.session_mask)
        assert torch.equal(enc, enc_ref)
        mem = enc[:1]
        mm = u.session_mask[:1].bool()
        labels = batch.summary_labels[:1]
        ref_out = hf(encoder_outputs=(mem,), attention_mask=mm.long(), labels=labels)
        tf = model.decode_global(mem, mm, labels)
    torch.testing.assert_close(tf.logits, ref_out.logits, atol=1e-6, rtol=0)
    torch.testing.assert_close(tf.loss, ref_out.loss, atol=1e-6, rtol=0)
    # a checkpoint of the HF-initialised model loads after the HF directory is gone
    model.save_checkpoint(tmp_path / "m.pt")
    shutil.rmtree(hf_dir)
    again = load_checkpoint(tmp_path / "m.pt").model
    o1, _ = _outputs(model, batch)
    o2, _ = _outputs(again, batch)
    assert torch.equal(o1.scores, o2.scores)


def test_from_hf_t5_refuses_hub_names_and_other_vocab(tmp_path):
    with pytest.raises(ValueError, match="never downloaded"):
        from_hf_t5("google-t5/t5-small")
    cfg = T5Config(vocab_size=100, d_model=16, d_kv=4, d_ff=32, num_layers=1, num_heads=4)
    T5ForConditionalGeneration(cfg).save_pretrained(tmp_path / "small-vocab")
    with pytest.raises(ValueError, match="vocab_size"):
        from_hf_t5(tmp_path / "small-vocab")
