"""What this machine is: the CPU that every figure is measured on, and the memory a network may take.

Other CPUs take other kernels, round differently and train to other figures at the same seed, so a
run names its CPU (model and the instruction sets that choose the kernels) beside its results. And a
network too large for this machine's memory is refused, naming its size, before TensorFlow tries
to allocate it. Nothing here imports TensorFlow.
"""

from __future__ import annotations

import functools
import os
import platform
from pathlib import Path

from tfmlp.config import IMAGE_PIXELS, NUM_CLASSES, TEST_SIZE, TRAIN_SIZE, VALIDATION_SIZE, ConfigError, LabConfig
from tfmlp.language import message

# The instruction sets that decide which kernels oneDNN, Eigen and XLA run, and so the rounding.
KERNEL_FLAGS = ("avx512f", "avx512_bf16", "amx_bf16")
FLOAT_BYTES = 4
GIGABYTE = 1e9


@functools.cache
def _cpuinfo() -> dict[str, str]:
    """The first processor's entries of /proc/cpuinfo (empty where there is none, e.g. macOS)."""
    first = _read_text("/proc/cpuinfo").split("\n\n")[0]
    return {key.strip(): value.strip() for key, _, value in (line.partition(":") for line in first.splitlines())}


def cpu_flags() -> frozenset[str]:
    """The CPU's instruction-set flags, as /proc/cpuinfo lists them (none where it does not exist)."""
    return frozenset(_cpuinfo().get("flags", "").split())


def cpu_description() -> str:
    """The CPU as results name it: "AMD EPYC, 2 cores, avx512f avx512_bf16, no amx_bf16"."""
    model = _cpuinfo().get("model name") or platform.processor() or platform.machine()
    flags = cpu_flags()
    present = " ".join(flag for flag in KERNEL_FLAGS if flag in flags)
    absent = " ".join(flag for flag in KERNEL_FLAGS if flag not in flags)
    return ", ".join(part for part in (model, f"{os.cpu_count()} cores", present, absent and f"no {absent}") if part)


def available_memory_bytes() -> int:
    """Memory free for a new allocation: Linux's MemAvailable, else all physical memory."""
    for line in _read_text("/proc/meminfo").splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def _read_text(path: str) -> str:
    """A file of Linux's /proc, or "" where there is none (macOS, Windows)."""
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def training_memory_bytes(config: LabConfig) -> int:
    """About what training `config` takes at its peak, an estimate made before anything is built.

    The weights four times (themselves, their gradients, Adam's two moments); every layer's outputs
    for the largest batch (the test set goes through in one batch of 10,000) at each of a hidden
    layer's four stages (dense, batch norm, activation, dropout); and MNIST in memory twice (the
    arrays and TensorFlow's copy).
    """
    rows = max(config.train.batch_size, TEST_SIZE)
    units = sum(config.model.widths) + NUM_CLASSES
    weights = 4 * config.model.parameter_count()
    outputs = 4 * rows * units
    images = 2 * (TRAIN_SIZE + VALIDATION_SIZE + TEST_SIZE) * IMAGE_PIXELS
    return FLOAT_BYTES * (weights + outputs + images)


def require_memory(config: LabConfig, what: str | None = None) -> None:
    """Refuses (ConfigError) a configuration that would not fit in this machine's free memory.

    Raises:
        ConfigError: the estimate of `training_memory_bytes` exceeds `available_memory_bytes`;
            the message gives both and the network's size.
    """
    needed, available = training_memory_bytes(config), available_memory_bytes()
    if needed > available:
        raise ConfigError(
            message(
                "config.too_large",
                what=what or message("config.the_network"),
                needed=f"{needed / GIGABYTE:.1f}",
                parameters=f"{config.model.parameter_count():,}",
                widths=list(config.model.widths),
                available=f"{available / GIGABYTE:.1f}",
            )
        )
