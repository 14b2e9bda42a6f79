"""EmbSum model core (docs/design.md 4).

See docs/model.md for the API, shapes and the global-vector rule.
"""

from .batch import TrainBatch, UserInputs
from .checkpoint import (
    LoadedCheckpoint,
    from_hf_t5,
    load_checkpoint,
    read_checkpoint,
    restore_checkpoint,
    save_checkpoint,
)
from .config import PRESETS, T5_VOCAB_SIZE, EmbSumConfig
from .embsum import EmbSum, EmbSumOutput, TeacherForced, UserEmbedding, summary_eos_positions
from .loss import EmbSumLoss, nce_loss, summary_loss
from .poly import PolyAttention, masked_softmax
from .score import score_all_pairs, score_pairwise
from .sessions import build_z, fuse_sessions, item_vectors

__all__ = [
    "EmbSum",
    "EmbSumConfig",
    "EmbSumLoss",
    "EmbSumOutput",
    "LoadedCheckpoint",
    "PRESETS",
    "PolyAttention",
    "T5_VOCAB_SIZE",
    "TeacherForced",
    "TrainBatch",
    "UserEmbedding",
    "UserInputs",
    "build_z",
    "from_hf_t5",
    "fuse_sessions",
    "item_vectors",
    "load_checkpoint",
    "masked_softmax",
    "nce_loss",
    "read_checkpoint",
    "restore_checkpoint",
    "save_checkpoint",
    "score_all_pairs",
    "score_pairwise",
    "summary_eos_positions",
    "summary_loss",
]
