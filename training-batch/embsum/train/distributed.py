"""Process group set-up for `torchrun` (DDP) and the few collectives the trainer needs.

`torchrun --nproc_per_node=N -m embsum.train ...` sets RANK / WORLD_SIZE / LOCAL_RANK /
MASTER_ADDR / MASTER_PORT; a plain `python -m embsum.train` has none of them and runs as a
single process (world size 1, no process group). Backend: nccl when the device is CUDA, gloo on
CPU. Only rank 0 writes files (metrics.jsonl, checkpoints) and shows a progress bar.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class DistEnv:
    rank: int
    world_size: int
    local_rank: int
    device: torch.device

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1


def pick_device(kind: str, local_rank: int = 0) -> torch.device:
    if kind == "cpu":
        return torch.device("cpu")
    if kind == "cuda" or (kind == "auto" and torch.cuda.is_available()):
        if not torch.cuda.is_available():
            raise RuntimeError(
                "--device cuda was asked for but torch sees no CUDA device; use --device cpu"
            )
        return torch.device("cuda", local_rank)
    return torch.device("cpu")


def setup(device_kind: str = "auto") -> DistEnv:
    """Initialise the process group when launched by torchrun (WORLD_SIZE > 1)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    device = pick_device(device_kind, local_rank)
    if world > 1 and not dist.is_initialized():
        backend = "nccl" if device.type == "cuda" else "gloo"
        if device.type == "cuda":
            torch.cuda.set_device(device)
        dist.init_process_group(backend=backend, rank=rank, world_size=world)
    return DistEnv(rank, world, local_rank, device)


def teardown(env: DistEnv) -> None:
    if env.distributed and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def barrier(env: DistEnv) -> None:
    if env.distributed:
        dist.barrier()


def all_reduce_sum(values: list[float], env: DistEnv) -> list[float]:
    """Element-wise sum over ranks (float64 on the collective's device)."""
    if not env.distributed:
        return list(values)
    dev = env.device if dist.get_backend() == "nccl" else torch.device("cpu")
    t = torch.tensor(values, dtype=torch.float64, device=dev)
    dist.all_reduce(t)
    return t.tolist()


def gather_objects(obj, env: DistEnv) -> list:
    """[obj of rank 0, obj of rank 1, ...] on every rank."""
    if not env.distributed:
        return [obj]
    out = [None] * env.world_size
    dist.all_gather_object(out, obj)
    return out


def broadcast_object(obj, env: DistEnv):
    """Rank 0's obj on every rank."""
    if not env.distributed:
        return obj
    box = [obj]
    dist.broadcast_object_list(box, src=0)
    return box[0]
