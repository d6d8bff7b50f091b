"""Lab 10-3: the same network with Xavier initialization.

What changed from 10-2: only the weights' initializer. Xavier (Glorot) uniform draws each weight
from +-sqrt(6 / (fan_in + fan_out)), which keeps the variance of signals and gradients roughly the
same from layer to layer. The first epoch's cost starts near 0.3 instead of 140, and the same
784-256-256-10 network gains three points of accuracy. Biases still start from random normal, as
the original's did.

Hyperparameters: 15 epochs, batch 100, Adam with learning rate 0.001.
Original accuracy: 0.9783.
"""

from tfmlp.config import LabConfig, ModelConfig
from tfmlp.expected import (
    AMD_CAPPED_AT_AVX2,
    AMD_CAPPED_AT_AVX512,
    AMD_EPYC,
    AMD_WITHOUT_ONEDNN,
    INTEL_XEON,
    ExpectedAccuracy,
    Measured,
)

TITLE = "NN 784-256-256-10, Xavier init"
ORIGINAL_ACCURACY = 0.9783
EXPECTED = ExpectedAccuracy(  # measured; its accuracy test asserts band()
    command="python cli.py lab 10-3 --seeds 8",
    runs=(
        Measured(AMD_EPYC, 777, (0.9764, 0.9790, 0.9795, 0.9774, 0.9791, 0.9799, 0.9792, 0.9766)),
        Measured(INTEL_XEON, 777, (0.9764, 0.9790, 0.9795, 0.9774, 0.9791, 0.9799, 0.9792, 0.9766)),
        Measured(AMD_CAPPED_AT_AVX2, 777, (0.9776,)),
        Measured(AMD_CAPPED_AT_AVX512, 777, (0.9764,)),
        Measured(AMD_WITHOUT_ONEDNN, 777, (0.9764,)),
    ),
)
CONFIG = LabConfig(model=ModelConfig(widths=(256, 256), activation="relu", kernel_init="xavier", bias_init="normal"))


def build_model(model: ModelConfig):
    """784 -> 256 -> 256 -> 10 logits, Glorot uniform weights."""
    from tfmlp.models import mlp_from_config  # imported here so listing labs never loads TensorFlow

    return mlp_from_config(model, name="nn_xavier")
