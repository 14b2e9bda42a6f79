"""Reference user refresh on ONNX Runtime: the glue the Java runtime implements, in Python.

Only numpy and onnxruntime are used (no torch), in the same order of steps that
docs/model-bundle.md prescribes for Java:

    sessions (token ids + [SOS] offsets, per user)
      1. pad all sessions of the batch to one [S, L] int64 batch     -> session_encoder.onnx
      2. item vectors  = token_states[s, sos_position]               (gather, per user, oldest first)
      3. FiD memory    = each user's sessions' *valid* token states concatenated (oldest first),
                         users padded to the longest memory, memory_mask 1/0
      4. greedy decode = decoder_first.onnx, then decoder_step.onnx  -> summary ids, global vector
      5. Z             = [item vectors; global vector], z_mask       -> user_head.onnx -> UPE A
    contents: content ids [N, Lc] -> content_encoder.onnx -> CPE B and cpe_key
    scoring: score_all(A, B, cpe_key) below (plain numpy, as Java's scorer does it)

Step 3 differs on purpose from PyTorch's `fuse_sessions` (which keeps every session's padding
inside the memory and masks it): T5 cross-attention has no position bias, so dropping the
padding gives the same result, and the parity tests check that.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import onnxruntime as ort

MANIFEST = "manifest.json"


def _tokens(session: Any) -> Sequence[int]:
    return session["tokens"] if isinstance(session, Mapping) else session.tokens


def _sos(session: Any) -> Sequence[int]:
    return session["sos_positions"] if isinstance(session, Mapping) else session.sos_positions


def pad_rows(rows: Sequence[Sequence[int]], pad: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Token rows -> ids [N, Lmax] int64 (pad) and mask [N, Lmax] int64 (1 = token)."""
    width = max([len(r) for r in rows] + [1])
    ids = np.full((len(rows), width), pad, dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=np.int64)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = r
        mask[i, : len(r)] = 1
    return ids, mask


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    x = x - x.max(axis=axis, keepdims=True)
    e = np.exp(x)
    return e / e.sum(axis=axis, keepdims=True)


def score_all(a: np.ndarray, b: np.ndarray, cpe_key: np.ndarray) -> np.ndarray:
    """Every user against every content: A [U, m, d], B and cpe_key [N, n, d] -> scores [U, N].

    K = A B^T (m x n), W = softmax over the m*n entries of A cpe_key^T, s = sum(W * K).
    """
    a64, b64, k64 = (np.asarray(x, dtype=np.float64) for x in (a, b, cpe_key))
    k = np.einsum("umd,jnd->ujmn", a64, b64)
    w = np.einsum("umd,jnd->ujmn", a64, k64)
    u, n = k.shape[:2]
    w = softmax(w.reshape(u, n, -1), axis=-1)
    return (w * k.reshape(u, n, -1)).sum(-1).astype(np.float32)


@dataclass
class UserRefresh:
    """What one user refresh produces (one user's slice of a batch)."""

    upe: np.ndarray  # [m, d] float32, the user poly-embedding A
    summary_ids: list[int]  # greedy summary: tokens up to and including </s> (or cap tokens)
    global_vec: np.ndarray  # [d] float32
    item_vectors: np.ndarray  # [k, d] float32, encoder state at each history item's [SOS]


class OnnxEmbSum:
    """The five graphs of a bundle directory, with the Java glue in Python."""

    def __init__(
        self,
        bundle_dir: str | Path,
        manifest: Mapping[str, Any] | None = None,
        threads: int | None = None,
        providers: Sequence[str] | None = None,
    ):
        self.dir = Path(bundle_dir)
        if manifest is None:
            manifest = json.loads((self.dir / MANIFEST).read_text(encoding="utf-8"))
        self.manifest = manifest
        special = manifest["special_tokens"]
        self.eos_id = int(special["eos_id"])
        self.pad_id = int(special["pad_id"])
        self.decoder_start_id = int(special["decoder_start_id"])
        self.max_summary_tokens = int(manifest["max_summary_tokens"])
        self.layers = int(manifest["model"]["num_decoder_layers"])
        opts = ort.SessionOptions()
        if threads is not None:
            opts.intra_op_num_threads = threads
            opts.inter_op_num_threads = 1
        providers = list(providers or ["CPUExecutionProvider"])
        graphs = manifest["onnx"]["graphs"]
        self.sessions: dict[str, ort.InferenceSession] = {}
        for name, spec in graphs.items():
            self.sessions[name] = ort.InferenceSession(
                str(self.dir / spec["file"]), opts, providers=providers
            )

    # -- the graphs -------------------------------------------------------------------------
    def encode_sessions(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        # [S, L] int64 twice -> token_states [S, L, d]
        return self.sessions["session_encoder"].run(
            None, {"input_ids": ids, "attention_mask": mask}
        )[0]

    def content_embed(self, ids: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # [N, Lc] int64 twice -> cpe [N, n, d], cpe_key [N, n, d]
        b, key = self.sessions["content_encoder"].run(
            None, {"content_ids": ids, "content_mask": mask}
        )
        return b, key

    def user_head(self, z: np.ndarray, z_mask: np.ndarray) -> np.ndarray:
        # Z [B, K+1, d] float32, z_mask [B, K+1] int64 -> A [B, m, d]
        return self.sessions["user_head"].run(None, {"z": z, "z_mask": z_mask})[0]

    def greedy_summary(
        self, memory: np.ndarray, memory_mask: np.ndarray, max_new_tokens: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Greedy decoding with the KV cache, exactly `EmbSum.greedy_summary`'s rule.

        memory [B, M, d] float32, memory_mask [B, M] int64 -> summary ids [B, T'] int64 (a row
        that emitted </s> is padded with pad 0 after it) and global vector [B, d] (hidden state of
        the step whose argmax is </s>, or of the last step when the cap is hit).
        """
        cap = max_new_tokens or self.max_summary_tokens
        b = memory.shape[0]
        first, step = self.sessions["decoder_first"], self.sessions["decoder_step"]
        first_out = [o.name for o in first.get_outputs()]
        step_out = [o.name for o in step.get_outputs()]
        ids = np.full((b, 1), self.decoder_start_id, dtype=np.int64)
        res = dict(
            zip(
                first_out,
                first.run(None, {"input_ids": ids, "memory": memory, "memory_mask": memory_mask}),
            )
        )
        cross = {
            f"past.{i}.cross.{kv}": res[f"present.{i}.cross.{kv}"]
            for i in range(self.layers)
            for kv in ("key", "value")
        }
        done = np.zeros(b, dtype=bool)
        global_vec = np.zeros((b, memory.shape[2]), dtype=np.float32)
        out = []
        for t in range(cap):
            hidden, nxt = res["hidden"], res["next_id"].astype(np.int64)
            nxt = np.where(done, self.pad_id, nxt)
            emits_eos = nxt == self.eos_id
            take = ~done & (emits_eos | (t == cap - 1))
            global_vec[take] = hidden[take]
            done |= emits_eos
            out.append(nxt)
            if done.all() or t == cap - 1:
                break
            feed = {"input_ids": nxt[:, None], "memory_mask": memory_mask, **cross}
            for i in range(self.layers):
                for kv in ("key", "value"):
                    feed[f"past.{i}.self.{kv}"] = res[f"present.{i}.self.{kv}"]
            res = dict(zip(step_out, step.run(None, feed)))
        return np.stack(out, axis=1), global_vec

    # -- the glue ---------------------------------------------------------------------------
    def refresh(
        self, users: Sequence[Sequence[Any]], timings: dict[str, float] | None = None
    ) -> list[UserRefresh]:
        """One micro-batch of user refreshes.

        users[b] = user b's sessions, oldest first; a session has `tokens` (ending in </s>) and
        `sos_positions` (embsum.text.Session or a dict with those keys). Every user needs at
        least one session: a user with an empty history has no embedding. `timings`, if given,
        receives the milliseconds of each stage (encode, glue, decode, head).
        """
        clock = [time.perf_counter()]

        def lap(name: str) -> None:
            clock.append(time.perf_counter())
            if timings is not None:
                timings[name] = timings.get(name, 0.0) + (clock[-1] - clock[-2]) * 1000

        if not users:
            return []
        for b, sessions in enumerate(users):
            if not sessions:
                raise ValueError(f"user {b} has no sessions: an empty history has no embedding")
        flat = [s for sessions in users for s in sessions]
        ids, mask = pad_rows([_tokens(s) for s in flat], self.pad_id)  # 1. [S, L]
        states = self.encode_sessions(ids, mask)  # [S, L, d]
        lap("encode")
        d = states.shape[2]
        lengths = mask.sum(1)

        items, memories, s0 = [], [], 0
        for sessions in users:
            rows, mem = [], []
            for j, s in enumerate(sessions):
                st = states[s0 + j]
                rows += [st[p] for p in _sos(s)]  # 2. gather at [SOS]
                mem.append(st[: lengths[s0 + j]])  # 3. valid tokens only
            s0 += len(sessions)
            items.append(np.stack(rows) if rows else np.zeros((0, d), np.float32))
            memories.append(np.concatenate(mem, axis=0))

        bsz = len(users)
        m_len = max(len(m) for m in memories)
        memory = np.zeros((bsz, m_len, d), dtype=np.float32)
        memory_mask = np.zeros((bsz, m_len), dtype=np.int64)
        for b, mem in enumerate(memories):
            memory[b, : len(mem)] = mem
            memory_mask[b, : len(mem)] = 1

        lap("glue")
        summary, global_vec = self.greedy_summary(memory, memory_mask)  # 4.
        lap("decode")

        k_max = max(len(x) for x in items)
        z = np.zeros((bsz, k_max + 1, d), dtype=np.float32)  # 5. Z = [items; global]
        z_mask = np.zeros((bsz, k_max + 1), dtype=np.int64)
        for b, it in enumerate(items):
            z[b, : len(it)] = it
            z[b, len(it)] = global_vec[b]
            z_mask[b, : len(it) + 1] = 1
        upe = self.user_head(z, z_mask)
        lap("head")

        out = []
        for b in range(bsz):
            row = summary[b].tolist()
            ids_b = row[: row.index(self.eos_id) + 1] if self.eos_id in row else row
            out.append(UserRefresh(upe[b], ids_b, global_vec[b], items[b]))
        return out

    def embed_contents(self, contents: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
        """Content token rows ([SOS] + text + </s>) -> cpe [N, n, d], cpe_key [N, n, d]."""
        ids, mask = pad_rows(contents, self.pad_id)
        return self.content_embed(ids, mask)
