"""The machine a benchmark ran on: CPU, cores, clock, vector units and their estimated
peak, GPU, library versions, and the load average (other processes competing for it).
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import platform
import shutil
import subprocess
from pathlib import Path
from typing import Any

FMA_PIPES = 2  # vector FMA units per core on current x86 server cores (Zen 2-4, Skylake-SP and later)
FLOP_PER_FMA = 2  # a fused multiply-add is a multiply and an add
VERSIONED = ("numpy", "onnxruntime", "torch", "librosa", "numba", "scipy", "livedual")
CPU_FLAGS = ("avx", "avx2", "fma", "avx512f", "avx512_bf16", "amx_tile")
NVIDIA_SMI_TIMEOUT_S = 10


def _cpuinfo() -> dict[str, str]:
    """The first processor's fields of /proc/cpuinfo (empty where there is none)."""
    path = Path("/proc/cpuinfo")
    if not path.is_file():
        return {}
    fields: dict[str, str] = {}
    for line in path.read_text().splitlines():
        if not line.strip():
            break
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    return fields


def _physical_cores() -> int | None:
    """Distinct (package, core) pairs of /proc/cpuinfo."""
    path = Path("/proc/cpuinfo")
    if not path.is_file():
        return None
    pairs, package = set(), ""
    for line in path.read_text().splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "physical id":
            package = value.strip()
        elif key.strip() == "core id":
            pairs.add((package, value.strip()))
    return len(pairs) or None


def peak_gflops(
    *, flags: set[str], vendor: str, cores: int, ghz: float
) -> tuple[float, str]:
    """Estimated fp32 peak of the CPU in GFLOP/s, and the assumption behind it.

    Two vector FMA pipes per core, each doing ``lanes`` fp32 FMAs per cycle: 16 lanes for
    AVX-512 on Intel, 8 for AVX2 (and for AVX-512 on AMD, whose Zen 4 splits a 512-bit
    operation over two 256-bit passes), 4 for SSE. The clock is the nominal one; boost
    clocks would raise the peak, so the share of peak reported is if anything too high.
    """
    if "avx512f" in flags and vendor == "GenuineIntel":
        lanes, isa = 16, "AVX-512"
    elif "avx2" in flags and "fma" in flags:
        lanes, isa = 8, "AVX2/FMA (256-bit)"
    else:
        lanes, isa = 4, "SSE"
    per_cycle = FMA_PIPES * lanes * FLOP_PER_FMA
    peak = per_cycle * cores * ghz
    assumption = (
        f"{isa}: {FMA_PIPES} FMA pipes x {lanes} fp32 lanes x {FLOP_PER_FMA} FLOP = {per_cycle} "
        f"FLOP/cycle/core x {cores} cores x {ghz:.2f} GHz (nominal clock) = {peak:.0f} GFLOP/s"
    )
    return peak, assumption


def _gpu() -> str | None:
    """The GPUs ``nvidia-smi -L`` lists, if it exists."""
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return None
    try:
        done = subprocess.run(
            [exe, "-L"],
            capture_output=True,
            text=True,
            timeout=NVIDIA_SMI_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None


def _versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in VERSIONED:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def describe_machine() -> dict[str, Any]:
    """CPU model, cores, clock, vector flags, estimated peak, GPU, and library versions."""
    info = _cpuinfo()
    flags = set(info.get("flags", "").split())
    cores = _physical_cores() or os.cpu_count() or 1
    ghz = float(info.get("cpu MHz", "0") or 0) / 1000.0
    peak, assumption = peak_gflops(
        flags=flags, vendor=info.get("vendor_id", ""), cores=cores, ghz=ghz
    )
    providers: list[str] = []
    with contextlib.suppress(ImportError):
        import onnxruntime

        providers = onnxruntime.get_available_providers()
    return {
        "cpu": info.get("model name") or platform.processor() or platform.machine(),
        "vendor": info.get("vendor_id", ""),
        "logical_cpus": os.cpu_count(),
        "physical_cores": cores,
        "mhz": ghz * 1000.0,
        "flags": sorted(flags.intersection(CPU_FLAGS)),
        "peak_gflops": peak if ghz > 0 else None,
        "peak_assumption": assumption if ghz > 0 else "unknown clock: no peak estimate",
        "gpu": _gpu(),
        "onnxruntime_providers": providers,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": _versions(),
    }


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages (empty where the OS has none)."""
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except OSError:
        return []
