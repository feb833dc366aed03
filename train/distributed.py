"""Process group set-up for ``torchrun`` (DDP): gloo on CPU, NCCL on GPU; one process otherwise."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist

from livedual.errors import ParameterError

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class DistInfo:
    """Where this process stands: its rank among ``world_size`` and its device."""

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


def _pick_device(preference: str, local_rank: int) -> torch.device:
    if preference == "cuda" and not torch.cuda.is_available():
        raise ParameterError(
            "device 'cuda' was asked for but CUDA is not available; use --device cpu."
        )
    if preference == "cpu" or not torch.cuda.is_available():
        return torch.device("cpu")
    torch.cuda.set_device(local_rank)
    return torch.device("cuda", local_rank)


def init_distributed(device: str = "auto") -> DistInfo:
    """Join the ``torchrun`` process group if there is one (``WORLD_SIZE`` > 1).

    ``device`` is "auto" (CUDA when available), "cpu" or "cuda"; each process takes the GPU
    of its ``LOCAL_RANK``.
    """
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    chosen = _pick_device(device, local_rank)
    if world_size > 1 and not dist.is_initialized():
        dist.init_process_group(backend="nccl" if chosen.type == "cuda" else "gloo")
    rank = dist.get_rank() if world_size > 1 else 0
    _LOGGER.debug("process %d of %d on %s", rank, world_size, chosen)
    return DistInfo(
        rank=rank, world_size=world_size, local_rank=local_rank, device=chosen
    )


def shutdown(info: DistInfo) -> None:
    """Leave the process group (if this process joined one)."""
    if info.distributed and dist.is_initialized():
        dist.destroy_process_group()


def gather(obj: Any, info: DistInfo) -> list[Any]:
    """``obj`` of every rank, in rank order (every rank must call this)."""
    if not info.distributed:
        return [obj]
    gathered: list[Any] = [None] * info.world_size
    dist.all_gather_object(gathered, obj)
    return gathered
