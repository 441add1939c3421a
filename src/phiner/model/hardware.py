"""What the machine can run fast: bf16 support and the device, detected once, never assumed."""

from __future__ import annotations

import functools
import platform


@functools.lru_cache(maxsize=None)
def cpu_flags() -> frozenset[str]:
    """The CPU feature flags Linux reports (empty elsewhere)."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def cuda() -> bool:
    import torch

    return torch.cuda.is_available()


@functools.lru_cache(maxsize=None)
def bf16_native() -> bool:
    """True where bf16 matrix multiplies run in hardware: a CUDA card that supports them, or a CPU with
    AVX512-BF16 or AMX. Elsewhere bf16 is emulated and slower than fp32, so ``auto`` picks fp32."""
    import torch

    if torch.cuda.is_available():
        return torch.cuda.is_bf16_supported()
    return bool({"avx512_bf16", "amx_bf16"} & cpu_flags()) and torch.ops.mkldnn._is_mkldnn_bf16_supported()


def threads() -> int:
    """Threads for inference runtimes: ``OMP_NUM_THREADS`` where set, else torch's count."""
    import os

    import torch

    return int(os.environ.get("OMP_NUM_THREADS", 0)) or torch.get_num_threads()


def resolve_precision(precision: str) -> str:
    """``auto`` → ``bf16`` where native, else ``fp32``; ``fp32``/``bf16`` as given."""
    if precision == "auto":
        return "bf16" if bf16_native() else "fp32"
    return precision


def resolve_attention(attention: str, fast_dropout: bool, max_length: int = 256) -> str:
    """``auto`` → ``eager`` on a CPU with fast dropout and windows of at most 256 tokens, ``flash`` on a CPU
    above that, ``sdpa`` on a GPU.

    ``flash`` is sdpa without dropout on the attention weights: with dropout, PyTorch's CPU sdpa falls back to
    its unfused path, which keeps every layer's weights, masks and copies for the backward pass, so in long
    windows it needs the most memory of the three and ``flash`` the least. On a CPU, eager is the faster at
    short windows and sdpa at long ones (benchmarks/RESULTS.md: the speed tables and "Memory and kernel time of CPU training"
    have the figures)."""
    if attention == "auto":
        if cuda():
            return "sdpa"
        return "eager" if fast_dropout and max_length <= 256 else "flash"
    return attention


def describe() -> dict:
    """The machine, for benchmark and run records."""
    import os

    import torch

    info = {
        "cpu": _cpu_name(),
        "cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "machine": platform.machine(),
        "bf16_native": bf16_native(),
        "cpu_flags": sorted(f for f in cpu_flags() if f.startswith(("avx512", "amx", "avx2"))),
    }
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
    return info


def device_name() -> str:
    """What a run trained on, for its card: the GPU's name, or the CPU's model name and core count."""
    import os

    import torch

    if cuda():
        return torch.cuda.get_device_name(0)
    return f"{_cpu_name()}, {os.cpu_count()} cores"


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_MAX = -1, -2, -4
"""glibc's ``mallopt`` parameters (malloc.h)."""


def keep_freed_memory() -> bool:
    """Tell glibc's malloc to keep freed memory in the process instead of handing it back to the kernel.

    On the CPU, PyTorch allocates and frees every activation with malloc; glibc serves each block over 32 MB
    with a fresh ``mmap`` and gives it back on ``free``, and trims the heap above 128 KB, so the kernel zeroes
    the same gigabytes again at every step. Kept in the process, freed blocks are used again without that, at
    the cost of a higher memory peak (benchmarks/RESULTS.md, "Memory and kernel time of CPU training", has the figures).
    The same as ``GLIBC_TUNABLES=glibc.malloc.mmap_max=0:
    glibc.malloc.trim_threshold=2147483647:glibc.malloc.top_pad=268435456``, set from inside the process.
    Returns False (and changes nothing) where the C library is not glibc.
    """
    import ctypes
    import ctypes.util

    if platform.system() != "Linux":
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    done = [mallopt(M_MMAP_MAX, 0), mallopt(M_TRIM_THRESHOLD, 2**31 - 1), mallopt(M_TOP_PAD, 256 * 2**20)]
    return all(done)
