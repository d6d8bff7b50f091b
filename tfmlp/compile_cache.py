"""XLA's compiled training programs, kept on disk so that a step's next run does not compile again.

XLA compiles a step's whole-epoch program at the start of every run: 0.27 s of the 0.94 s that 3
epochs of 10-1 took on 2 AMD EPYC cores, more for the deeper nets. TensorFlow can keep what it
compiled in a folder (`--tf_xla_persistent_cache_directory`) and load it when the same program
comes again: the same network, batch and optimizer, on the same TensorFlow and CPU. Compiled code
is specific to both, so each pair has a folder of its own under `~/.cache/tfmlp/xla`
(`$XDG_CACHE_HOME` where set); a run on another CPU compiles afresh instead of loading code its CPU
may lack instructions for. A loaded program is the one compiled before: the weights come out the same.
Nothing here imports TensorFlow.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
from pathlib import Path

from tfmlp.machine import cpu_description, cpu_flags

FLAG = "--tf_xla_persistent_cache_directory"


def compile_cache_dir() -> Path:
    """This TensorFlow's and this CPU's folder of compiled programs."""
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tfmlp" / "xla"
    cpu = hashlib.sha256(f"{cpu_description()} {' '.join(sorted(cpu_flags()))}".encode()).hexdigest()[:12]
    return root / f"tf-{importlib.metadata.version('tensorflow')}-cpu-{cpu}"


def use_compile_cache() -> None:
    """Has XLA keep and reuse its compiled programs in `compile_cache_dir()`, unless `TF_XLA_FLAGS`
    already names a folder. TensorFlow reads the flags when it first runs a graph, so
    `tfmlp.startup.start_tensorflow_quietly` calls this before importing it; where the folder
    cannot be made, XLA compiles as usual."""
    flags = os.environ.get("TF_XLA_FLAGS", "")
    if FLAG in flags:
        return
    directory = compile_cache_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:
        return
    os.environ["TF_XLA_FLAGS"] = f"{flags} {FLAG}={directory}".strip()
