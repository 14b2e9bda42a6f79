"""ONNX-friendly views of a trained EmbSum: one small torch module per exported graph.

Why not trace HF's `T5Stack` directly: its decoder keeps past key/values in a `Cache` object
and builds masks with `transformers.masking_utils`, neither of which has a stable tensor-only
form in a traced graph. The modules here compute exactly the same function (the parity tests
prove it against `EmbSum` itself) but with plain tensors in and out:

- they **reuse the model's own submodules and weights** (embeddings, q/k/v/o, T5LayerNorm,
  T5LayerFF, the EmbSum heads); only the attention arithmetic and the position bias are
  written out here;
- the T5 relative-position bucket is precomputed into a constant lookup table (with HF's own
  `_relative_position_bucket`), so no `log` runs inside the graph and ONNX Runtime cannot land
  in a different bucket than PyTorch at a bucket boundary. Clipping the relative position to
  `±relative_attention_max_distance` before the lookup is exact: every position at or beyond
  that distance is in the last bucket;
- masks are additive `(1 - mask) * float32.min`, as in HF's eager T5.

Graph inputs and outputs (names, dtypes, symbolic dims) are listed in `GRAPH_SPECS` and written
to the bundle manifest; docs/model-bundle.md explains them for the Java runtime.
"""

from __future__ import annotations

import torch
from torch import nn
from transformers.models.t5.modeling_t5 import T5Attention

from embsum.model import EmbSum

NEG = torch.finfo(torch.float32).min


def bucket_table(num_buckets: int, max_distance: int, bidirectional: bool) -> torch.Tensor:
    """T5 bucket of every relative position the graphs can look up.

    bidirectional (encoder): index r + R for r = memory - query in [-R, R].
    unidirectional (decoder): index d = query - memory in [0, R] (future keys never occur).
    """
    r = max_distance
    rel = torch.arange(-r, r + 1) if bidirectional else -torch.arange(0, r + 1)
    return T5Attention._relative_position_bucket(
        rel, bidirectional=bidirectional, num_buckets=num_buckets, max_distance=max_distance
    )


class RelativeBias(nn.Module):
    """Position bias [1, H, q, k] from relative positions, through a constant bucket table."""

    def __init__(self, attention: T5Attention, bidirectional: bool):
        super().__init__()
        self.emb = attention.relative_attention_bias  # the model's own nn.Embedding(buckets, H)
        self.bidirectional = bidirectional
        self.max_distance = attention.relative_attention_max_distance
        self.register_buffer(
            "buckets",
            bucket_table(
                attention.relative_attention_num_buckets, self.max_distance, bidirectional
            ),
            persistent=False,
        )

    def forward(self, rel: torch.Tensor) -> torch.Tensor:
        # rel [q, k] = memory_position - query_position (long)
        r = self.max_distance
        if self.bidirectional:
            idx = rel.clamp(-r, r) + r
        else:
            idx = (-rel).clamp(0, r)
        return self.emb(self.buckets[idx]).permute(2, 0, 1).unsqueeze(0)


def additive_mask(mask: torch.Tensor) -> torch.Tensor:
    # [N, K] (1 = valid, any int/bool dtype) -> [N, 1, 1, K] float: 0 or float32.min
    return ((1.0 - mask.to(torch.float32)) * NEG)[:, None, None, :]


def split_heads(x: torch.Tensor, heads: int, d_kv: int) -> torch.Tensor:
    # [N, T, H*dk] -> [N, H, T, dk]
    return x.reshape(x.shape[0], -1, heads, d_kv).transpose(1, 2)


def merge_heads(x: torch.Tensor) -> torch.Tensor:
    # [N, H, T, dk] -> [N, T, H*dk]
    return x.transpose(1, 2).reshape(x.shape[0], x.shape[2], -1)


def self_attention_qkv(att, h: torch.Tensor, heads: int, d_kv: int):
    # T5Attention projections of h [N, T, d] -> q, k, v each [N, H, T, dk]
    return (
        split_heads(att.q(h), heads, d_kv),
        split_heads(att.k(h), heads, d_kv),
        split_heads(att.v(h), heads, d_kv),
    )


def attend(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    # T5 attention: no 1/sqrt(dk) scaling; bias = position bias and/or additive mask
    scores = torch.matmul(q, k.transpose(-1, -2)) + bias
    return torch.matmul(torch.softmax(scores, dim=-1), v)


def positions(n_like: torch.Tensor) -> torch.Tensor:
    # 0..n-1 as int64, n = size of dim 0 of n_like; written with cumsum instead of arange so the
    # legacy tracer keeps n symbolic through every path.
    return torch.ones_like(n_like, dtype=torch.long).cumsum(0) - 1


class EncoderGraph(nn.Module):
    """T5 encoder: input_ids, attention_mask [S, L] int64 -> token_states [S, L, d]."""

    def __init__(self, model: EmbSum):
        super().__init__()
        enc = model.t5.encoder
        cfg = model.t5.config
        self.heads, self.d_kv = cfg.num_heads, cfg.d_kv
        self.embed = enc.embed_tokens
        self.blocks = enc.block
        self.final_layer_norm = enc.final_layer_norm
        self.bias = RelativeBias(enc.block[0].layer[0].SelfAttention, bidirectional=True)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        x = self.embed(input_ids)  # [S, L, d]
        pos = positions(input_ids[0])  # [L]
        bias = self.bias(pos[None, :] - pos[:, None]) + additive_mask(
            attention_mask
        )  # [S, H, L, L]
        for block in self.blocks:
            sa = block.layer[0]
            att = sa.SelfAttention
            h = sa.layer_norm(x)
            q, k, v = self_attention_qkv(att, h, self.heads, self.d_kv)
            x = x + att.o(merge_heads(attend(q, k, v, bias)))
            x = block.layer[-1](x)  # T5LayerFF: x + FF(LN(x))
        return self.final_layer_norm(x)


class DecoderCore(nn.Module):
    """One greedy decoding step of the T5 decoder with explicit past key/values."""

    def __init__(self, model: EmbSum):
        super().__init__()
        dec = model.t5.decoder
        cfg = model.t5.config
        self.heads, self.d_kv, self.layers = cfg.num_heads, cfg.d_kv, len(dec.block)
        self.embed = dec.embed_tokens
        self.blocks = dec.block
        self.final_layer_norm = dec.final_layer_norm
        self.bias = RelativeBias(dec.block[0].layer[0].SelfAttention, bidirectional=False)
        self.lm_head = model.t5.lm_head
        # A zero bias makes the exporter emit Gemm(transB=1) on the (tied) lm_head weight itself;
        # without it, it stores a transposed copy of the 32128 x d matrix in the graph.
        self.register_buffer("lm_bias", torch.zeros(self.lm_head.out_features), persistent=False)
        # EmbSum.lm_logits: tied-embedding T5 rescales by d**-0.5 in front of lm_head
        self.scale = (model.d_model**-0.5) if getattr(cfg, "scale_decoder_outputs", True) else None

    def cross_kv(self, memory: torch.Tensor) -> list[tuple[torch.Tensor, torch.Tensor]]:
        out = []
        for block in self.blocks:
            att = block.layer[1].EncDecAttention
            out.append(
                (
                    split_heads(att.k(memory), self.heads, self.d_kv),
                    split_heads(att.v(memory), self.heads, self.d_kv),
                )
            )
        return out

    def step(self, input_ids, memory_mask, self_past, cross):
        """input_ids [B, 1]; memory_mask [B, M]; self_past: per layer (K, V) [B, H, T, dk] or None
        (first step, T = 0); cross: per layer (K, V) [B, H, M, dk].
        -> logits [B, V], hidden [B, d], next_id [B], present self (K, V) [B, H, T+1, dk]."""
        x = self.embed(input_ids)  # [B, 1, d]
        present = []
        keys_pos = None
        cross_bias = additive_mask(memory_mask)  # [B, 1, 1, M]
        for i, block in enumerate(self.blocks):
            sa = block.layer[0]
            att = sa.SelfAttention
            h = sa.layer_norm(x)
            q, k, v = self_attention_qkv(att, h, self.heads, self.d_kv)
            if self_past is not None:
                k = torch.cat([self_past[i][0], k], dim=2)
                v = torch.cat([self_past[i][1], v], dim=2)
            present.append((k, v))
            if keys_pos is None:
                # query = the newest position T; keys 0..T; rel = key - query in [-T, 0]
                keys_pos = positions(k[0, 0, :, 0])
                self_bias = self.bias((keys_pos - keys_pos[-1:])[None, :])  # [1, H, 1, T+1]
            x = x + att.o(merge_heads(attend(q, k, v, self_bias)))
            ca = block.layer[1]
            catt = ca.EncDecAttention
            qc = split_heads(catt.q(ca.layer_norm(x)), self.heads, self.d_kv)
            x = x + catt.o(merge_heads(attend(qc, cross[i][0], cross[i][1], cross_bias)))
            x = block.layer[-1](x)
        hidden = self.final_layer_norm(x)[:, 0]  # [B, d] the global-vector candidate
        scaled = hidden * self.scale if self.scale is not None else hidden
        logits = nn.functional.linear(scaled, self.lm_head.weight, self.lm_bias)  # [B, V]
        return logits, hidden, torch.argmax(logits, dim=-1), present


class DecoderFirst(nn.Module):
    """Step 0: (input_ids [B,1], memory [B,M,d], memory_mask [B,M]) -> logits, hidden, next_id,
    present self K/V per layer [B,H,1,dk], cross K/V per layer [B,H,M,dk]."""

    def __init__(self, core: DecoderCore):
        super().__init__()
        self.core = core

    def forward(self, input_ids, memory, memory_mask):
        cross = self.core.cross_kv(memory)
        logits, hidden, next_id, present = self.core.step(input_ids, memory_mask, None, cross)
        flat = []
        for (k, v), (ck, cv) in zip(present, cross):
            flat += [k, v, ck, cv]
        return (logits, hidden, next_id, *flat)


class DecoderStep(nn.Module):
    """Step t >= 1: (input_ids [B,1], memory_mask [B,M], then per layer past self K, self V
    [B,H,T,dk], cross K, cross V [B,H,M,dk]) -> logits, hidden, next_id, present self K/V [B,H,T+1,dk]."""

    def __init__(self, core: DecoderCore):
        super().__init__()
        self.core = core

    def forward(self, input_ids, memory_mask, *past):
        n = self.core.layers
        self_past = [(past[4 * i], past[4 * i + 1]) for i in range(n)]
        cross = [(past[4 * i + 2], past[4 * i + 3]) for i in range(n)]
        logits, hidden, next_id, present = self.core.step(input_ids, memory_mask, self_past, cross)
        flat = []
        for k, v in present:
            flat += [k, v]
        return (logits, hidden, next_id, *flat)


class UserHeadGraph(nn.Module):
    """UPE: z [B, K+1, d] float32, z_mask [B, K+1] int64 -> A [B, m, d]."""

    def __init__(self, model: EmbSum):
        super().__init__()
        self.upe = model.upe

    def forward(self, z, z_mask):
        return self.upe(z, z_mask.to(torch.bool))


class ContentGraph(nn.Module):
    """CPE: content_ids, content_mask [N, Lc] int64 -> cpe [N, n, d], cpe_key = gelu(cpe W^s) [N, n, d]."""

    def __init__(self, model: EmbSum, encoder: EncoderGraph):
        super().__init__()
        self.encoder = encoder
        self.cpe = model.cpe
        self.w_s = model.w_s

    def forward(self, content_ids, content_mask):
        states = self.encoder(content_ids, content_mask)
        if self.cpe is not None:
            b = self.cpe(states, content_mask.to(torch.bool))
        else:
            b = states[:, 0].unsqueeze(1)  # = states[:, :1], with a static dim of 1 in the graph
        return b, nn.functional.gelu(self.w_s(b))
