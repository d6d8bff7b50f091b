"""The machine: the CPU named beside every figure, and networks too large for memory refused unbuilt."""

from __future__ import annotations

from pathlib import Path

import pytest

from tfmlp.config import ConfigError, LabConfig, ModelConfig
from tfmlp.machine import KERNEL_FLAGS, available_memory_bytes, cpu_description, require_memory, training_memory_bytes


def test_the_cpu_is_named_with_the_flags_that_choose_its_kernels() -> None:
    description = cpu_description()
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    if "model name" in cpuinfo:
        model = next(line for line in cpuinfo.splitlines() if line.startswith("model name")).partition(":")[2].strip()
        assert description.startswith(model)
    for flag in KERNEL_FLAGS:  # each said present or absent, never left out
        assert flag in description


def test_memory_grows_with_the_network_and_the_lab_networks_fit() -> None:
    small, large = (LabConfig(ModelConfig(widths=widths)) for widths in ((256, 256), (512,) * 4))
    assert 0 < training_memory_bytes(small) < training_memory_bytes(large) < available_memory_bytes()
    require_memory(large)


def test_a_network_too_large_for_memory_is_refused_naming_its_size() -> None:
    huge = LabConfig(ModelConfig(widths=(1_000_000,) * 3))  # 2 x 10^12 weights: 32 TB to train, on any machine
    assert huge.model.parameter_count() == 784 * 10**6 + 2 * 10**12 + 10**7 + 3 * 10**6 + 10
    with pytest.raises(ConfigError, match=r"^the network needs about 3\d{4}\.\d GB to train \(2,000,797,000,010 parameters"):
        require_memory(huge)
