"""Test models for the exporter: a tiny EmbSum whose decoder was briefly trained to emit short
summaries for the golden users, so greedy decoding ends with </s> at different steps (and one
user runs into the cap). A random-init model would emit arbitrary tokens up to the cap for
every user, leaving the early-</s> path of the greedy loop untested."""

from __future__ import annotations

from pathlib import Path

import torch

from embsum.model import EmbSum, EmbSumConfig, fuse_sessions
from embsum.text import EngagementHistory, TextConfig, TextTokenizer, group_sessions, item_tokens
from embsum.text.paths import MIND_DIR
from embsum.text.samples import read_mind_news
from embsum_export.cli import main as cli_main
from embsum_export.golden import _read_rows, _user_inputs, select_users

VERSION = "tiny-test.1"
RANDOM_VERSION = "tiny-random.1"
CAP = 16
# Summary length (before </s>) per golden user; 20 > CAP: that user's summary is cut at the cap.
LENGTHS = (2, 5, 1, 7, 3, 20, 4, 6)


def export_trained(checkpoint: Path, training_json: Path, out: Path) -> int:
    """`export` of the test checkpoint into `out` through the CLI, as the `bundle` fixture does
    it (one thread); the exit code."""
    return cli_main(
        [
            "export",
            "--checkpoint",
            str(checkpoint),
            "--out",
            str(out),
            "--model-version",
            VERSION,
            "--teacher-kind",
            "template",
            "--training-data",
            str(training_json),
            "--threads",
            "1",
        ]
    )


def tiny_config(**kw) -> EmbSumConfig:
    return EmbSumConfig(**{"backbone": "tiny", "m": 4, "n": 3, "max_summary_tokens": CAP, **kw})


def golden_user_memory(model: EmbSum, cfg: TextConfig | None = None):
    """(memory, memory_mask, labels) for the golden users: labels = the first LENGTHS[b] tokens
    of the title of user b's newest item (repeated if short) + </s> (none for the capped user)."""
    cfg = cfg or TextConfig()
    tok = TextTokenizer()
    news = read_mind_news(MIND_DIR / "news.tsv")
    users = select_users(_read_rows(MIND_DIR / "behaviors.tsv"), cfg.p)
    sessions, labels = [], []
    for (row, _), n in zip(users, LENGTHS):
        hist = EngagementHistory.from_engagements(row.history, cfg.H)
        tokens_of = {
            i: item_tokens(tok, cfg, "news", news[i].title, news[i].abstract, news[i].category)
            for i in hist.item_ids
        }
        sessions.append(group_sessions(hist.entries, tokens_of, cfg))
        title = tok.encode(news[hist.item_ids[-1]].title)
        labels.append((title * n)[:n] + ([cfg.eos_id] if n < CAP else []))
    u = _user_inputs(sessions, cfg.pad_id)
    with torch.no_grad():
        states = model.encode_sessions(u.session_ids, u.session_mask)
        memory, mask = fuse_sessions(states, u.session_mask, u.user_sessions)
    lab = torch.full((len(labels), max(map(len, labels))), -100, dtype=torch.long)
    for i, row in enumerate(labels):
        lab[i, : len(row)] = torch.tensor(row)
    return memory, mask, lab


def short_summary_model(seed: int = 0, steps: int = 45) -> EmbSum:
    """Tiny model (seeded); only the decoder blocks are trained (teacher forcing, Adam), so the
    encoder and the tied embedding / lm_head keep their random init and the memory is fixed."""
    torch.manual_seed(seed)
    model = EmbSum(tiny_config())
    memory, mask, labels = golden_user_memory(model)
    params = [p for n, p in model.t5.decoder.named_parameters() if "embed_tokens" not in n]
    opt = torch.optim.Adam(params, lr=1e-2)
    model.train()
    for _ in range(steps):
        loss = model.decode_global(memory, mask, labels).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model.eval()
