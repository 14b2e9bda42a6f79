"""TrainConfig: every knob of a training run in one flat dataclass (the trainer's EmbSumConfig).

Flat on purpose: the CLI (cli.py) is generated from these fields, so a field, its default, its
help text and its `--flag` can never drift apart. The model-shape fields (`model`, `m`, `n`,
`lambda_sum`, ...) are turned into an :class:`~embsum.model.EmbSumConfig` by
:meth:`TrainConfig.model_config`.

The batch arithmetic (effective batch = micro_batch_size x grad_accum x world_size; any two of
the three knobs give the third) is batch_arithmetic.py's: :meth:`TrainConfig.resolve_batch`.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

from embsum.model import PRESETS, EmbSumConfig
from embsum.train.batch_arithmetic import split_batch
from embsum.train.errors import ConfigError

DATASETS = ("mind", "goodreads", "archive", "synthetic")
TEACHERS = ("template", "llm", "none")
SCHEDULES = ("cosine", "linear", "constant")
PRECISIONS = ("auto", "fp32", "bf16")
DEVICES = ("auto", "cpu", "cuda")
EVAL_GLOBALS = ("greedy", "teacher")


def _f(default, help: str, **kw):
    return field(default=default, metadata={"help": help, **kw})


@dataclass
class TrainConfig:
    # --- data -------------------------------------------------------------------------------
    dataset: str = _f(
        "mind",
        "dataset kind: mind | goodreads | archive (the event archive of the Kafka topics, "
        "split by day: newest day = dev, no test) | synthetic (random ids: tests and "
        "step/s benchmarks only; its metrics mean nothing)",
        choices=DATASETS,
    )
    data_dir: str | None = _f(
        None,
        "dataset directory (default: data/mind or data/goodreads in the repo; "
        "--dataset archive: the archive directory, required)",
    )
    cache_dir: str | None = _f(
        None, "item-token cache directory (default: $EMBSUM_CACHE_DIR or build/token-cache)"
    )
    neg_ratio: int | None = _f(
        None, "sampled negatives per click (default: 4 for MIND, 2 for Goodreads)"
    )
    teacher: str = _f(
        "template",
        "teacher summaries for L_sum: template (offline, deterministic) | "
        "llm (EMBSUM_TEACHER_* endpoint) | none (no L_sum: needs --lambda-sum 0)",
        choices=TEACHERS,
    )
    teacher_cache: str = _f("runs/teacher-cache", "teacher summary cache directory")
    teacher_workers: int = _f(4, "parallel teacher requests (llm teacher)")
    skip_empty_history: bool = _f(
        True,
        "leave out training examples whose history has no known item (they "
        "read one zero memory token; kept out until their gradients are "
        "re-measured, docs/training.md). Evaluation keeps them",
    )
    synthetic_examples: int = _f(
        256, "synthetic dataset: training examples (dev/test get a quarter each)"
    )

    # --- model ------------------------------------------------------------------------------
    model: str = _f(
        "t5-small", f"backbone: a preset {sorted(PRESETS)} or a local HF T5 checkpoint directory"
    )
    # (flags --upe-codes / --cpe-codes: torchrun would take a bare --m / --n for its own options)
    m: int = _f(32, "UPE codes m (user interest vectors); ablation: 1", flag="upe-codes")
    n: int = _f(4, "CPE codes n (content vectors)", flag="cpe-codes")
    lambda_sum: float = _f(0.05, "L = L_NCE + lambda_sum * L_sum; ablation: 0")
    use_cpe: bool = _f(True, "poly-attention content embeddings (off: [SOS] state only, ablation)")
    session_grouping: bool = _f(
        True, "group p=4 history items per encoder session (off: one item each, ablation)"
    )
    dropout: float | None = _f(None, "override the backbone's dropout rate")
    max_summary_tokens: int = _f(
        128, "teacher summary length cap (tokens, </s> included) and greedy decoding cap"
    )
    init_from: str | None = _f(
        None,
        "warm start: initialise the weights from this EmbSum checkpoint (best.pt, last.pt "
        "or a released <model_version>.checkpoint.pt); optimizer, schedule and step "
        "start fresh. The model-shape flags must match the checkpoint's",
    )

    # --- optimisation (paper 3: AdamW, lr 5e-4, batch 128, 10 epochs) ----------------------------
    lr: float = _f(5e-4, "peak learning rate (AdamW)")
    weight_decay: float = _f(
        0.01, "AdamW weight decay (matrices only; layer-norm scales are not decayed)"
    )
    beta1: float = _f(0.9, "AdamW beta1")
    beta2: float = _f(0.999, "AdamW beta2")
    eps: float = _f(1e-8, "AdamW epsilon")
    schedule: str = _f(
        "cosine",
        "after warmup: cosine | linear decay to min_lr_ratio*lr, or constant",
        choices=SCHEDULES,
    )
    warmup_steps: int | None = _f(None, "linear warmup steps (default: warmup_ratio of the total)")
    warmup_ratio: float = _f(
        0.05, "warmup as a fraction of the total optimizer steps (when warmup_steps is unset)"
    )
    min_lr_ratio: float = _f(0.1, "final learning rate as a fraction of lr (cosine/linear)")
    max_grad_norm: float = _f(1.0, "clip the global gradient norm (0 = off)")
    batch_size: int | None = _f(
        128,
        "effective batch = micro_batch_size x grad_accum x world_size (impressions per optimizer step)",
    )
    micro_batch_size: int | None = _f(16, "impressions per forward/backward on one process")
    grad_accum: int | None = _f(
        None, "micro-batches accumulated per optimizer step (default: derived)"
    )
    epochs: int = _f(10, "passes over the training examples")
    max_steps: int | None = _f(None, "cap on optimizer steps (also the LR schedule's length)")
    stop_after: int | None = _f(
        None,
        "stop this invocation after this many optimizer steps in total (saves last.pt; "
        "the LR schedule is unchanged, so --resume continues it)",
    )
    seed: int = _f(0, "seed of model init, data order, negatives and dropout")

    # --- evaluation ---------------------------------------------------------------------------
    eval_every: int = _f(
        0, "also evaluate on dev every N optimizer steps (0 = at the end of each epoch only)"
    )
    eval_each_epoch: bool = _f(True, "evaluate on dev at the end of each epoch")
    eval_batch_size: int = _f(32, "impressions per evaluation batch")
    eval_max_impressions: int | None = _f(
        None, "evaluate on the first N dev impressions only (fast checks)"
    )
    eval_global: str = _f(
        "greedy",
        "global vector at evaluation: greedy (deployment path: greedy summary) | "
        "teacher (teacher-forced on the teacher summary)",
        choices=EVAL_GLOBALS,
    )
    rouge_users: int = _f(
        32, "dev users whose greedy summary is scored with ROUGE against the teacher (0 = off)"
    )
    test_at_end: bool = _f(True, "evaluate best.pt on the test split when training finishes")

    # --- run / system -------------------------------------------------------------------------
    output_dir: str = _f("runs/embsum", "run directory: metrics.jsonl, last.pt, best.pt")
    resume: str | None = _f(None, "checkpoint to resume from ('last' = OUTPUT_DIR/last.pt)")
    save_every: int = _f(0, "also write last.pt every N optimizer steps (0 = at epoch ends only)")
    device: str = _f("auto", "auto | cpu | cuda (torchrun: cuda:LOCAL_RANK)", choices=DEVICES)
    precision: str = _f(
        "auto",
        "auto (bf16 autocast on CUDA, fp32 on CPU) | fp32 | bf16 (CUDA only)",
        choices=PRECISIONS,
    )
    num_workers: int = _f(2, "DataLoader worker processes per rank")
    threads: int | None = _f(None, "torch intra-op threads (default: torch's choice)")
    progress: bool = _f(True, "tqdm progress bar (only on a TTY, rank 0)")
    log_every: int = _f(1, "write a train record to metrics.jsonl every N optimizer steps")

    # ------------------------------------------------------------------------------------------
    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> "TrainConfig":
        """Checks that need no runtime information (world size is checked in resolve_batch)."""

        def need(ok: bool, msg: str) -> None:
            if not ok:
                raise ConfigError(msg)

        for name in ("dataset", "teacher", "schedule", "precision", "device", "eval_global"):
            choices = _FIELDS[name].metadata["choices"]
            need(
                getattr(self, name) in choices,
                f"--{_flag(name)} must be one of {', '.join(choices)}; got {getattr(self, name)!r}",
            )
        need(self.lr > 0, f"--lr must be > 0, got {self.lr}")
        need(
            0 <= self.beta1 < 1 and 0 <= self.beta2 < 1,
            f"--beta1/--beta2 must be in [0, 1), got {self.beta1}, {self.beta2}",
        )
        need(self.weight_decay >= 0, f"--weight-decay must be >= 0, got {self.weight_decay}")
        need(
            0 <= self.min_lr_ratio <= 1,
            f"--min-lr-ratio must be in [0, 1], got {self.min_lr_ratio}",
        )
        need(
            0 <= self.warmup_ratio < 1, f"--warmup-ratio must be in [0, 1), got {self.warmup_ratio}"
        )
        need(
            self.warmup_steps is None or self.warmup_steps >= 0,
            f"--warmup-steps must be >= 0, got {self.warmup_steps}",
        )
        need(
            self.max_grad_norm >= 0,
            f"--max-grad-norm must be >= 0 (0 = no clipping), got {self.max_grad_norm}",
        )
        need(self.epochs >= 1, f"--epochs must be >= 1, got {self.epochs}")
        for name in (
            "max_steps",
            "stop_after",
            "batch_size",
            "micro_batch_size",
            "grad_accum",
            "neg_ratio",
        ):
            v = getattr(self, name)
            need(v is None or v >= 1, f"--{_flag(name)} must be >= 1 (or left unset), got {v}")
        need(
            self.batch_size is not None or self.micro_batch_size is not None,
            "set --batch-size or --micro-batch-size (the effective batch needs one of them)",
        )
        for name in ("eval_every", "save_every", "rouge_users", "num_workers", "teacher_workers"):
            need(
                getattr(self, name) >= 0, f"--{_flag(name)} must be >= 0, got {getattr(self, name)}"
            )
        need(
            self.eval_batch_size >= 1, f"--eval-batch-size must be >= 1, got {self.eval_batch_size}"
        )
        need(self.log_every >= 1, f"--log-every must be >= 1, got {self.log_every}")
        need(
            self.eval_max_impressions is None or self.eval_max_impressions >= 1,
            f"--eval-max-impressions must be >= 1, got {self.eval_max_impressions}",
        )
        need(
            self.synthetic_examples >= 1,
            f"--synthetic-examples must be >= 1, got {self.synthetic_examples}",
        )
        need(
            self.max_summary_tokens >= 1,
            f"--max-summary-tokens must be >= 1, got {self.max_summary_tokens}",
        )
        need(
            self.m >= 1 and self.n >= 1,
            f"--upe-codes and --cpe-codes must be >= 1, got {self.m}, {self.n}",
        )
        need(self.lambda_sum >= 0, f"--lambda-sum must be >= 0, got {self.lambda_sum}")
        need(
            self.dropout is None or 0 <= self.dropout < 1,
            f"--dropout must be in [0, 1), got {self.dropout}",
        )
        need(
            self.teacher != "none" or self.lambda_sum == 0,
            f"--teacher none gives no summaries, so L_sum cannot be trained with --lambda-sum {self.lambda_sum}: "
            "pass --lambda-sum 0 (the paper's 'wo L_sum' ablation) or choose --teacher template|llm",
        )
        need(
            self.dataset != "archive" or bool(self.data_dir),
            "--dataset archive needs --data-dir ARCHIVE (the directory holding clicks/, impressions/ and content/)",
        )
        need(
            not (self.teacher == "none" and self.eval_global == "teacher"),
            "--eval-global teacher needs teacher summaries: use --teacher template|llm or --eval-global greedy",
        )
        return self

    # ------------------------------------------------------------------------------------------
    def resolve_batch(self, world_size: int = 1) -> tuple[int, int, int]:
        """(micro_batch_size, grad_accum, effective batch) for `world_size` processes
        (batch_arithmetic.split_batch)."""
        return split_batch(self.batch_size, self.micro_batch_size, self.grad_accum, world_size)

    def model_config(self) -> EmbSumConfig:
        return EmbSumConfig(
            backbone=self.model,
            m=self.m,
            n=self.n,
            lambda_sum=self.lambda_sum,
            use_cpe=self.use_cpe,
            session_grouping=self.session_grouping,
            dropout=self.dropout,
            max_summary_tokens=self.max_summary_tokens,
            neg_ratio=self.effective_neg_ratio,
        )

    @property
    def effective_neg_ratio(self) -> int:
        if self.neg_ratio is not None:
            return self.neg_ratio
        return 2 if self.dataset == "goodreads" else 4

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any], **overrides: Any) -> "TrainConfig":
        return cls(**{**{k: v for k, v in d.items() if k in _FIELDS}, **overrides})

    # Fields that must match when resuming: they change what the checkpoint's numbers mean.
    RESUME_FIXED = (
        "dataset",
        "data_dir",
        "neg_ratio",
        "teacher",
        "model",
        "m",
        "n",
        "lambda_sum",
        "use_cpe",
        "session_grouping",
        "dropout",
        "max_summary_tokens",
        "lr",
        "weight_decay",
        "beta1",
        "beta2",
        "eps",
        "schedule",
        "warmup_steps",
        "warmup_ratio",
        "min_lr_ratio",
        "max_grad_norm",
        "batch_size",
        "micro_batch_size",
        "grad_accum",
        "epochs",
        "max_steps",
        "seed",
        "synthetic_examples",
        "skip_empty_history",
    )

    def resume_mismatches(self, saved: dict[str, Any]) -> list[str]:
        return [
            f"{k}: checkpoint {saved.get(k)!r} vs now {getattr(self, k)!r}"
            for k in self.RESUME_FIXED
            if k in saved and saved[k] != getattr(self, k)
        ]


def _flag(name: str) -> str:
    """The CLI flag (without --) of a TrainConfig field."""
    f = _FIELDS.get(name)
    return (
        f.metadata.get("flag", name.replace("_", "-")) if f is not None else name.replace("_", "-")
    )


_FIELDS = {f.name: f for f in dataclasses.fields(TrainConfig)}


def schedule_warmup(cfg: TrainConfig, total_steps: int) -> int:
    """Warmup length in optimizer steps for a run of `total_steps`."""
    if cfg.warmup_steps is not None:
        return min(cfg.warmup_steps, total_steps)
    return min(int(math.ceil(cfg.warmup_ratio * total_steps)), total_steps)
