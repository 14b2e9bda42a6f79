"""EmbSumConfig: every knob of the model in one dataclass (docs/design.md 4).

The backbone is a standard Hugging Face T5. `backbone` is either a size preset (random init,
since no weights can be downloaded here) or a *local* directory holding a HF T5 checkpoint
(`config.json` + weights), which is loaded with `from_pretrained(local_dir)` only: a hub name is
refused, so nothing is ever fetched from the network.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import Any

from transformers import T5Config

# The vocabulary is always t5-small's (32,128 = 32,100 sentencepiece ids + 28 padding rows), so the
# project's real tokenizer (models/t5-small-tokenizer) fits every preset and [SOS] = 32099 exists.
T5_VOCAB_SIZE = 32128


def _t5_shape(d_model: int, d_ff: int, layers: int, heads: int, dropout: float) -> dict[str, Any]:
    """T5Config fields of a backbone preset: d_kv = d_model / num_heads and as many decoder as
    encoder layers (as in t5-small), relative attention as in every T5."""
    return dict(
        d_model=d_model,
        d_kv=d_model // heads,
        d_ff=d_ff,
        num_layers=layers,
        num_decoder_layers=layers,
        num_heads=heads,
        relative_attention_num_buckets=32,
        relative_attention_max_distance=128,
        dropout_rate=dropout,
    )


# Backbone size presets. `tiny` is for unit tests; `small-demo` is the shipped demo bundle's shape
# (about 5.5M params: small enough to train on the MIND sample on a 2-core CPU and to keep the
# committed bundle under 60 MB); `base` is a mid-size CPU model; `t5-small` is the paper's backbone
# (61M params).
PRESETS: dict[str, dict[str, Any]] = {
    "tiny": _t5_shape(d_model=32, d_ff=64, layers=2, heads=4, dropout=0.0),
    "small-demo": _t5_shape(d_model=128, d_ff=512, layers=3, heads=4, dropout=0.1),
    "base": _t5_shape(d_model=256, d_ff=1024, layers=4, heads=4, dropout=0.1),
    "t5-small": _t5_shape(d_model=512, d_ff=2048, layers=6, heads=8, dropout=0.1),
}


@dataclass
class EmbSumConfig:
    # --- backbone ---------------------------------------------------------------------------
    backbone: str = "t5-small"  # a key of PRESETS, or a local HF T5 checkpoint directory
    dropout: float | None = None  # overrides the backbone's dropout_rate when set
    attn_implementation: str = "sdpa"  # "sdpa" or "eager" (HF attention kernel; same numbers)

    # --- heads (paper 2.3-2.5) ---------------------------------------------------------------
    m: int = 32  # UPE codes (user interest vectors); ablation: m = 1
    n: int = 4  # CPE codes (content vectors); forced to 1 when use_cpe=False
    poly_dim: int | None = None  # p, width of the poly-attention codes; None -> d_model
    lambda_sum: float = 0.05  # L = L_NCE + lambda_sum * L_sum; ablation: 0
    neg_ratio: int = 4  # sampled negatives per click (4 MIND, 2 Goodreads); data side

    # --- ablation switches (paper Table 2) -----------------------------------------------------
    use_cpe: bool = True  # False -> B = encoder state at position 0 ([SOS]), n = 1
    session_grouping: bool = True  # False -> p = 1 (each item its own session); data side
    session_items: int = 4  # p when session_grouping is on (text contract section 4)

    # --- special ids and limits (text contract section 1) -------------------------------------
    vocab_size: int = T5_VOCAB_SIZE
    sos_id: int = 32099  # [SOS] = <extra_id_0>, first token of every item
    eos_id: int = 1  # </s>: ends sessions, contents and summaries
    pad_id: int = 0  # <pad>: padding everywhere
    decoder_start_id: int = 0  # T5 starts decoding from <pad>
    max_summary_tokens: int = 128  # greedy decoding cap (new tokens, </s> included)

    def __post_init__(self) -> None:
        if self.vocab_size != T5_VOCAB_SIZE:
            raise ValueError(
                f"vocab_size must be {T5_VOCAB_SIZE} (the t5-small tokenizer), got {self.vocab_size}"
            )
        if self.m < 1 or self.n < 1:
            raise ValueError(f"m and n must be >= 1, got m={self.m} n={self.n}")

    # The number of content vectors actually produced: the no-CPE ablation has only the [SOS] one.
    @property
    def n_content(self) -> int:
        return self.n if self.use_cpe else 1

    # Items per session the data side must use (the "no session grouping" ablation is p = 1).
    @property
    def p(self) -> int:
        return self.session_items if self.session_grouping else 1

    @property
    def is_local_checkpoint(self) -> bool:
        return self.backbone not in PRESETS

    def t5_config(self) -> T5Config:
        """The HF T5Config of the backbone (preset, or the local checkpoint's config.json)."""
        if self.backbone in PRESETS:
            cfg = T5Config(
                vocab_size=self.vocab_size,
                pad_token_id=self.pad_id,
                eos_token_id=self.eos_id,
                decoder_start_token_id=self.decoder_start_id,
                **PRESETS[self.backbone],
            )
        elif os.path.isdir(self.backbone):
            cfg = T5Config.from_pretrained(self.backbone, local_files_only=True)
        else:
            # Checked here, not in __post_init__: a saved checkpoint carries its own T5Config and must
            # load even when the directory it was first built from is gone.
            raise ValueError(
                f"backbone {self.backbone!r} is neither a preset {sorted(PRESETS)} nor a local "
                "HF T5 checkpoint directory (hub names are never downloaded)"
            )
        return self.adjust_t5_config(cfg)

    def adjust_t5_config(self, cfg: T5Config) -> T5Config:
        """Apply this config's overrides (dropout, attention kernel) to a backbone config."""
        if cfg.vocab_size != self.vocab_size:
            raise ValueError(
                f"backbone vocab_size {cfg.vocab_size} != {self.vocab_size} (t5-small tokenizer)"
            )
        if self.dropout is not None:
            cfg.dropout_rate = self.dropout
        cfg._attn_implementation = self.attn_implementation
        return cfg

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any], **overrides: Any) -> "EmbSumConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{**{k: v for k, v in d.items() if k in known}, **overrides})
