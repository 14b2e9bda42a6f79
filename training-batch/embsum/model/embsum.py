"""EmbSum (RecSys 2024, arXiv 2405.11441) on a standard Hugging Face T5 (docs/design.md 4).

The forward pass is split into the pieces the ONNX exporter and the streaming runtime need:

    encode_sessions(ids, mask)                -> token states            [S, L, d]
    item_vectors / fuse_sessions (sessions.py) -> items [B, K, d], FiD memory [B, G*L, d]
    decode_global(memory, mask, labels)       -> global [B, d] + L_sum   (teacher forcing, training)
    greedy_summary(memory, mask)              -> summary ids, global     (inference)
    user_head(Z, mask)                        -> A [B, m, d]             (UPE)
    content_embed(ids, mask)                  -> B [N, n, d], cpe_key    (CPE)
    score(A, B, cpe_key) / score_all(...)     -> [U, C] / [U, N]

The backbone is `self.t5`, a plain `T5ForConditionalGeneration`, so its state-dict keys are those
of a HF T5 checkpoint under the prefix `t5.` (shared, encoder, decoder, lm_head).

Global vector rule: the decoder stack's output (after its final layer norm and dropout, i.e.
HF's `decoder(...).last_hidden_state`, before the d_model**-0.5 rescale that tied-embedding T5
applies in front of lm_head) at the step that emits `</s>`: in teacher forcing the position
whose *target* label is `</s>`; in greedy decoding the step whose argmax is `</s>` (or the last
step if the cap is hit).
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn
from transformers import T5Config, T5ForConditionalGeneration

from .batch import TrainBatch, UserInputs
from .config import EmbSumConfig
from .loss import EmbSumLoss, nce_loss, summary_loss
from .poly import PolyAttention
from .score import score_all_pairs, score_pairwise
from .sessions import build_z, fuse_sessions, item_vectors


class TeacherForced(NamedTuple):
    global_vec: torch.Tensor  # [B, d]
    loss: torch.Tensor  # L_sum (scalar)
    logits: torch.Tensor  # [B, T, V]


class UserEmbedding(NamedTuple):
    a: torch.Tensor  # [B, m, d] user poly-embedding
    global_vec: torch.Tensor  # [B, d]
    summary_ids: (
        torch.Tensor | None
    )  # [B, T'] greedy summary (incl. </s>, then pad 0); None if teacher forced


class EmbSumOutput(NamedTuple):
    loss: EmbSumLoss
    scores: torch.Tensor  # [B, C] (padded candidates: -inf-masked only inside the loss)
    a: torch.Tensor  # [B, m, d]
    global_vec: torch.Tensor  # [B, d]


def summary_eos_positions(labels: torch.Tensor, eos_id: int, pad_id: int) -> torch.Tensor:
    """Index of the step that emits </s> for each teacher summary.

    labels: [B, T] -> [B]. First position whose label is </s>; if a row has none (a summary cut
    at the cap), its last real label position (mirrors greedy's "last step if the cap is hit");
    a row with no label at all -> 0 (the first decoder step).
    """
    t = labels.shape[1]
    steps = torch.arange(t, device=labels.device).expand_as(labels)
    is_eos = labels == eos_id
    first_eos = torch.where(is_eos, steps, t).min(dim=1).values
    valid = (labels != -100) & (labels != pad_id)
    last_valid = torch.where(valid, steps, 0).max(dim=1).values
    return torch.where(is_eos.any(dim=1), first_eos, last_valid)


class EmbSum(nn.Module):
    def __init__(self, config: EmbSumConfig, t5_config: T5Config | None = None):
        """Preset backbone -> random init; local checkpoint dir -> its pretrained weights.

        `t5_config` given -> random-init backbone of exactly that shape (load_checkpoint uses this
        and then loads the saved weights; the original directory need not exist any more).
        """
        super().__init__()
        self.config = config
        if t5_config is not None:
            self.t5 = T5ForConditionalGeneration(config.adjust_t5_config(t5_config))
        elif config.is_local_checkpoint:
            t5_cfg = config.t5_config()  # validates vocab, applies dropout/attention overrides
            self.t5 = T5ForConditionalGeneration.from_pretrained(
                config.backbone,
                config=t5_cfg,
                local_files_only=True,
                attn_implementation=config.attn_implementation,
            )
        else:
            self.t5 = T5ForConditionalGeneration(config.t5_config())
        d = self.t5.config.d_model
        p = config.poly_dim or d
        self.upe = PolyAttention(d, config.m, p)  # codes c_a, W^f
        self.cpe = PolyAttention(d, config.n, p) if config.use_cpe else None  # codes b_a, W^o
        self.w_s = nn.Linear(d, d, bias=False)  # W^s of eq. 4

    @property
    def d_model(self) -> int:
        return self.t5.config.d_model

    # ------------------------------------------------------------------------------------------
    # Encoder side
    # ------------------------------------------------------------------------------------------
    def encode(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        # ids, mask: [N, L] -> token states [N, L, d]. Shared by sessions and contents (the paper
        # uses the same T5 encoder for both).
        return self.t5.encoder(input_ids=ids, attention_mask=mask.long()).last_hidden_state

    def encode_sessions(
        self, session_ids: torch.Tensor, session_mask: torch.Tensor
    ) -> torch.Tensor:
        # [S, L] -> [S, L, d]; each session independently (rows never attend to each other).
        return self.encode(session_ids, session_mask)

    # ------------------------------------------------------------------------------------------
    # Decoder side (fusion-in-decoder over the concatenated session states)
    # ------------------------------------------------------------------------------------------
    def lm_logits(self, hidden: torch.Tensor) -> torch.Tensor:
        # [..., d] -> [..., V]. Original T5 (tied embeddings) rescales by d**-0.5 before lm_head;
        # the global vector is taken *before* this rescale.
        if getattr(self.t5.config, "scale_decoder_outputs", True):
            hidden = hidden * (self.d_model**-0.5)
        return self.t5.lm_head(hidden)

    def decoder_hidden(
        self,
        decoder_ids: torch.Tensor,
        memory: torch.Tensor,
        memory_mask: torch.Tensor,
        past_key_values=None,
        use_cache: bool = False,
    ):
        # decoder_ids [B, t], memory [B, M, d], memory_mask [B, M] -> (hidden [B, t, d], cache)
        out = self.t5.decoder(
            input_ids=decoder_ids,
            encoder_hidden_states=memory,
            encoder_attention_mask=memory_mask.long(),
            past_key_values=past_key_values,
            use_cache=use_cache,
        )
        return out.last_hidden_state, out.past_key_values

    def decode_global(
        self, memory: torch.Tensor, memory_mask: torch.Tensor, summary_labels: torch.Tensor | None
    ) -> TeacherForced:
        """Teacher forcing on the summary: global vector + L_sum.

        summary_labels: [B, T] = summary ids followed by </s>, padded with 0 or -100. The decoder
        input is the labels shifted right behind decoder_start (pad 0). None -> one decoder step
        from decoder_start only (a "no summary" mode for lambda_sum = 0 without teacher
        summaries; greedy_summary(max_new_tokens=1) gives the same global vector), L_sum = 0.
        """
        cfg = self.config
        b = memory.shape[0]
        if summary_labels is None:
            summary_labels = torch.full((b, 1), -100, dtype=torch.long, device=memory.device)
        labels = summary_labels.masked_fill(summary_labels == cfg.pad_id, -100)
        dec_in = torch.full_like(labels, cfg.decoder_start_id)
        dec_in[:, 1:] = labels[:, :-1]
        dec_in = dec_in.masked_fill(dec_in == -100, cfg.pad_id)  # [B, T]
        # Causal self-attention: positions after </s> (padding) cannot change earlier ones, so no
        # decoder attention mask is needed.
        hidden, _ = self.decoder_hidden(dec_in, memory, memory_mask)  # [B, T, d]
        pos = summary_eos_positions(labels, cfg.eos_id, cfg.pad_id)  # [B]
        global_vec = hidden[torch.arange(b, device=hidden.device), pos]  # [B, d]
        logits = self.lm_logits(hidden)  # [B, T, V]
        return TeacherForced(global_vec, summary_loss(logits, labels, cfg.pad_id), logits)

    @torch.no_grad()
    def greedy_summary(
        self,
        memory: torch.Tensor,
        memory_mask: torch.Tensor,
        max_new_tokens: int | None = None,
        use_cache: bool = True,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Greedy decoding from decoder_start; returns (summary_ids [B, T'], global [B, d]).

        summary_ids hold the generated tokens including </s>; a row that finished early is padded
        with 0. global = decoder hidden state at the step whose argmax is </s>, or at the last
        step (step max_new_tokens - 1) for a row that never emitted it. use_cache=False re-runs
        the whole prefix every step (reference for the KV-cache path; same result).
        """
        cfg = self.config
        t_max = max_new_tokens or cfg.max_summary_tokens
        b = memory.shape[0]
        dev = memory.device
        prefix = torch.full((b, 1), cfg.decoder_start_id, dtype=torch.long, device=dev)
        done = torch.zeros(b, dtype=torch.bool, device=dev)
        global_vec = memory.new_zeros(b, self.d_model)
        cache = None
        out = []
        for t in range(t_max):
            if use_cache:
                hidden, cache = self.decoder_hidden(
                    prefix[:, -1:], memory, memory_mask, past_key_values=cache, use_cache=True
                )
            else:
                hidden, _ = self.decoder_hidden(prefix, memory, memory_mask)
            h = hidden[:, -1]  # [B, d]
            nxt = self.lm_logits(h).argmax(-1)  # [B]
            nxt = torch.where(done, torch.full_like(nxt, cfg.pad_id), nxt)
            emits_eos = nxt == cfg.eos_id
            take = ~done & (emits_eos | (t == t_max - 1))
            global_vec = torch.where(take[:, None], h, global_vec)
            done = done | emits_eos
            out.append(nxt)
            prefix = torch.cat([prefix, nxt[:, None]], dim=1)
            if bool(done.all()):
                break
        return torch.stack(out, dim=1), global_vec

    # ------------------------------------------------------------------------------------------
    # Heads
    # ------------------------------------------------------------------------------------------
    def user_head(self, z: torch.Tensor, z_mask: torch.Tensor) -> torch.Tensor:
        # UPE: Z [B, K+1, d], mask [B, K+1] -> A [B, m, d]
        return self.upe(z, z_mask)

    def content_embed(
        self, ids: torch.Tensor, mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """CPE: content tokens [N, Lc] ([SOS] + text + </s>) -> (B [N, n, d], cpe_key [N, n, d]).

        cpe_key = gelu(B W^s) is the content-only half of eq. 4, cached alongside B. With
        use_cpe=False, B is the encoder state at position 0 ([SOS]) only (n = 1).
        """
        states = self.encode(ids, mask)  # [N, Lc, d]
        if self.cpe is not None:
            b = self.cpe(states, mask.to(torch.bool))  # [N, n, d]
        else:
            b = states[:, :1]  # [N, 1, d]
        return b, nn.functional.gelu(self.w_s(b))

    def score(self, a: torch.Tensor, b: torch.Tensor, cpe_key: torch.Tensor) -> torch.Tensor:
        # pairwise: A [U, m, d] vs its own candidates B, cpe_key [U, C, n, d] -> [U, C]
        return score_pairwise(a, b, cpe_key)

    def score_all(self, a: torch.Tensor, b: torch.Tensor, cpe_key: torch.Tensor) -> torch.Tensor:
        # all pairs: A [U, m, d] vs B, cpe_key [N, n, d] -> [U, N]
        return score_all_pairs(a, b, cpe_key)

    # ------------------------------------------------------------------------------------------
    # Composites
    # ------------------------------------------------------------------------------------------
    def _user_memory(self, users: UserInputs):
        states = self.encode_sessions(users.session_ids, users.session_mask)
        items, item_mask = item_vectors(states, users.item_session, users.item_pos)
        memory, memory_mask = fuse_sessions(states, users.session_mask, users.user_sessions)
        return items, item_mask, memory, memory_mask

    def embed_users(
        self, users: UserInputs, summary_labels: torch.Tensor | None = None, greedy: bool = True
    ) -> UserEmbedding:
        """User poly-embedding A. greedy=True: global vector from greedy_summary (inference);
        greedy=False: from teacher forcing on summary_labels (training / evaluation with teacher
        summaries)."""
        items, item_mask, memory, memory_mask = self._user_memory(users)
        if greedy:
            summary_ids, global_vec = self.greedy_summary(memory, memory_mask)
        else:
            summary_ids, global_vec = (
                None,
                self.decode_global(memory, memory_mask, summary_labels).global_vec,
            )
        a = self.user_head(*build_z(items, item_mask, global_vec))
        return UserEmbedding(a, global_vec, summary_ids)

    def forward(self, batch: TrainBatch) -> EmbSumOutput:
        """Training step: L = L_NCE + lambda_sum * L_sum (candidate 0 = the click)."""
        items, item_mask, memory, memory_mask = self._user_memory(batch.users)
        tf = self.decode_global(memory, memory_mask, batch.summary_labels)
        a = self.user_head(*build_z(items, item_mask, tf.global_vec))  # [B, m, d]
        bsz, c, lc = batch.cand_ids.shape
        b, key = self.content_embed(
            batch.cand_ids.reshape(bsz * c, lc), batch.cand_mask.reshape(bsz * c, lc)
        )
        b = b.reshape(bsz, c, *b.shape[1:])  # [B, C, n, d]
        key = key.reshape(bsz, c, *key.shape[1:])
        scores = self.score(a, b, key)  # [B, C]
        nce = nce_loss(scores, batch.cand_mask.to(torch.bool).any(-1))
        total = nce + self.config.lambda_sum * tf.loss
        return EmbSumOutput(EmbSumLoss(total, nce, tf.loss), scores, a, tf.global_vec)

    # ------------------------------------------------------------------------------------------
    # Persistence (see checkpoint.py)
    # ------------------------------------------------------------------------------------------
    def save_checkpoint(
        self, path, optimizer=None, step: int | None = None, extra: dict | None = None
    ) -> None:
        from .checkpoint import save_checkpoint

        save_checkpoint(self, path, optimizer=optimizer, step=step, extra=extra)

    @classmethod
    def load_checkpoint(cls, path, map_location="cpu", **config_overrides) -> "EmbSum":
        # model only; checkpoint.load_checkpoint also returns step / optimizer state / extra
        from .checkpoint import load_checkpoint

        return load_checkpoint(path, map_location=map_location, **config_overrides).model

    @classmethod
    def from_hf_t5(cls, local_dir, **config_overrides) -> "EmbSum":
        from .checkpoint import from_hf_t5

        return from_hf_t5(local_dir, **config_overrides)
