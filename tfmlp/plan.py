"""How training runs on this machine, chosen from what the machine reports: devices, XLA, precision.

The choice is a pure function of a `Machine` (its CPU's flags, its GPUs, the cluster in `TF_CONFIG`)
and the training configuration, so it is tested on every kind of machine with the machine faked:
a CPU without bfloat16, a CPU with AMX, one GPU, several GPUs, a cluster. `tfmlp.training` turns the
plan into a `tf.distribute` strategy and a compiled model. Nothing here imports TensorFlow, except
`Machine.this()`, which asks it for the GPUs.

Measured on 2 cores (GFLOP/s of chained 100x512 by 512x512 products, the lab's batch):
    AMD EPYC (avx512_bf16, no AMX): float32 280 through oneDNN, 272 under XLA; bfloat16 350 through
        oneDNN, 182 under XLA.
    Intel Xeon (AMX): float32 166-358 either way; bfloat16 593-1,586 through oneDNN, 189-297 under XLA.
So bfloat16 pays where the CPU has AMX, and only through oneDNN (XLA does not use AMX); elsewhere a
whole epoch per XLA call in float32 is fastest.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Literal

from tfmlp.machine import cpu_flags

Distribution = Literal["one device", "mirrored", "multi-worker"]


@dataclass(frozen=True)
class Machine:
    """What the plan depends on, as the machine reports it."""

    cpu_flags: frozenset[str] = frozenset()
    gpus: tuple[str, ...] = ()  # device names, e.g. "NVIDIA H100"
    cluster_workers: int = 0  # workers named in TF_CONFIG

    @classmethod
    def this(cls) -> Machine:
        """This machine: /proc/cpuinfo's flags, TensorFlow's GPUs, the `TF_CONFIG` cluster."""
        import tensorflow as tf

        gpus = tuple(
            tf.config.experimental.get_device_details(gpu).get("device_name", "GPU") for gpu in tf.config.list_physical_devices("GPU")
        )
        return cls(cpu_flags(), gpus, cluster_workers())

    @property
    def multiplies_bfloat16_fast(self) -> bool:
        """AMX multiplies bfloat16 3-4x as fast as float32 through oneDNN; AVX512-BF16 alone, 1.2-1.8x."""
        return "amx_bf16" in self.cpu_flags


@dataclass(frozen=True)
class Plan:
    """Where and how one training runs."""

    distribution: Distribution
    devices: tuple[str, ...]  # mirrored over these; () for one device or a cluster
    xla: bool  # compile training with XLA ourselves (on a GPU Keras's "auto" still may)
    precision: Literal["float32", "bfloat16"]  # of the products; variables, logits and loss stay float32

    @property
    def whole_epochs(self) -> bool:
        """One compiled call trains a whole epoch (`tfmlp.epoch_step`): under XLA, on one device."""
        return self.xla and self.distribution == "one device"


def cluster_workers() -> int:
    """How many workers the cluster in `TF_CONFIG` names (0 without one)."""
    return len(json.loads(os.environ.get("TF_CONFIG", "{}")).get("cluster", {}).get("worker", []))


def choose_distribution(machine: Machine, devices: tuple[str, ...] | None = None) -> tuple[Distribution, tuple[str, ...]]:
    """A cluster in `TF_CONFIG` trains multi-worker; several GPUs (or devices named) mirrored; else one device."""
    if machine.cluster_workers > 1:
        return "multi-worker", ()
    if devices is None:
        devices = tuple(f"/gpu:{index}" for index in range(len(machine.gpus)))
    return ("mirrored", tuple(devices)) if len(devices) > 1 else ("one device", ())


def choose_plan(
    machine: Machine,
    precision: str = "auto",
    deterministic: bool = False,
    devices: tuple[str, ...] | None = None,
) -> Plan:
    """The plan for training on `machine`.

    Args:
        machine: what the machine reports (`Machine.this()`, or a fake one in tests).
        precision: one of `tfmlp.config.PRECISIONS` (`TrainConfig` checks it): "float32", "bfloat16", or "auto":
            bfloat16 products on a CPU with AMX (no GPU), float32 elsewhere.
        deterministic: op determinism, which XLA does not offer.
        devices: logical devices to mirror over; None picks the GPUs.

    Returns:
        XLA only on one CPU, in float32, without determinism: it compiles a whole epoch into one
        call there, and on a GPU Keras's own "auto" decides.
    """
    distribution, mirrored = choose_distribution(machine, devices)
    if precision == "auto":
        precision = "bfloat16" if machine.multiplies_bfloat16_fast and not machine.gpus else "float32"
    xla = distribution == "one device" and not machine.gpus and precision == "float32" and not deterministic
    return Plan(distribution, mirrored, xla, precision)  # type: ignore[arg-type]
