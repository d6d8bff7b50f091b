"""tfmlp: lab 10 of "Deep Learning Zero To All" (MNIST multi-layer perceptrons) on TensorFlow 2 / Keras 3.

The public API is importable from here; the TensorFlow-backed parts load on first use, so that
importing `tfmlp` (or listing the labs) costs nothing until a model is needed.

    from tfmlp import load_mnist, mlp, fit_and_evaluate, TrainConfig
"""

from __future__ import annotations

import importlib
from typing import Any

from tfmlp.config import LabConfig, ModelConfig, TrainConfig

_LAZY_EXPORTS = {
    "load_mnist": "tfmlp.data",
    "read_mnist": "tfmlp.data",
    "make_datasets": "tfmlp.data",
    "MnistDataError": "tfmlp.data",
    "mlp": "tfmlp.models",
    "mlp_from_config": "tfmlp.models",
    "softmax_regression": "tfmlp.models",
    "residual_mlp": "tfmlp.models",
    "split_merge_mlp": "tfmlp.models",
    "ensemble": "tfmlp.models",
    "fit_and_evaluate": "tfmlp.training",
    "place": "tfmlp.training",
    "TrainResult": "tfmlp.training",
    "TrainingDiverged": "tfmlp.training",
    "seed_globally": "tfmlp.seeding",
    "create_run_dir": "tfmlp.runs",
    "load_run_model": "tfmlp.run_models",
    "predict_digits": "tfmlp.inference",
}

__all__ = ["LabConfig", "ModelConfig", "TrainConfig", *_LAZY_EXPORTS]


def __getattr__(name: str) -> Any:
    if name not in _LAZY_EXPORTS:
        raise AttributeError(f"module 'tfmlp' has no attribute {name!r}")
    return getattr(importlib.import_module(_LAZY_EXPORTS[name]), name)
