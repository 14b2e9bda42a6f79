"""Batch arithmetic (paper: batch 128)::

    batch_size (effective) = micro_batch_size x grad_accum x world_size

Any two of the three knobs (`--batch-size`, `--micro-batch-size`, `--grad-accum`; world_size
comes from torchrun) give the third; combinations that do not multiply out are refused with the
numbers that would.
"""

from __future__ import annotations

from embsum.train.errors import ConfigError


def split_batch(
    batch_size: int | None, micro_batch_size: int | None, grad_accum: int | None, world_size: int
) -> tuple[int, int, int]:
    """(micro_batch_size, grad_accum, effective batch) for `world_size` processes.

    Any two of batch_size / micro_batch_size / grad_accum determine the third; all three given
    must satisfy batch_size == micro x accum x world_size."""
    w = world_size
    b, mb, acc = batch_size, micro_batch_size, grad_accum
    if w < 1:
        raise ConfigError(f"world size must be >= 1, got {w}")
    if b is None:
        mb = mb or 1
        acc = acc or 1
        return mb, acc, mb * acc * w
    if mb is None and acc is None:
        mb = b // w if b % w == 0 else None
        if mb is None:
            raise ConfigError(
                f"--batch-size {b} is not divisible by the world size {w}: "
                f"use a multiple of {w} (e.g. {max(w, b // w * w)})"
            )
        return mb, 1, b
    if mb is None:
        if b % (acc * w):
            raise ConfigError(
                f"--batch-size {b} is not divisible by --grad-accum {acc} x world size {w} = {acc * w}; "
                f"choose --grad-accum among {_divisor_hint(b, w)} or another --batch-size"
            )
        return b // (acc * w), acc, b
    if acc is None:
        if b % (mb * w) and b % w:
            near = sorted({max(1, b // (mb * w)) * mb * w, -(-b // (mb * w)) * mb * w})
            raise ConfigError(
                f"--batch-size {b} cannot be split over world size {w} with --micro-batch-size {mb} "
                f"(effective batch = micro x accum x world): use --batch-size "
                f"{' or '.join(map(str, near))}"
            )
        if b % (mb * w):
            raise ConfigError(
                f"--batch-size {b} is not divisible by --micro-batch-size {mb} x world size {w} = {mb * w} "
                f"(effective batch = micro x accum x world); choose --micro-batch-size among "
                f"{_divisor_hint(b, w)}, or set --batch-size to a multiple of {mb * w}"
            )
        return mb, b // (mb * w), b
    if mb * acc * w != b:
        fix = (
            f"--grad-accum {b // (mb * w)}"
            if b % (mb * w) == 0
            else f"--batch-size {mb * acc * w}, or a --micro-batch-size among {_divisor_hint(b, w)}"
        )
        raise ConfigError(
            f"--micro-batch-size {mb} x --grad-accum {acc} x world size {w} = {mb * acc * w}, "
            f"but --batch-size is {b} (effective batch = micro x accum x world). Fix: give only two "
            f"of the three (the third is derived), e.g. {fix}"
        )
    return mb, acc, b


def _divisor_hint(b: int, w: int) -> str:
    per = b // w if b % w == 0 else 0
    divs = [d for d in range(1, per + 1) if per % d == 0] if per else []
    return (
        ", ".join(map(str, divs[:12]))
        if divs
        else f"(none: --batch-size must be a multiple of {w})"
    )
