"""Lab 10-7: batch normalization, dropout and Xavier together, with a ten times larger learning rate.

What changed from 10-5: every hidden layer is now Dense (no bias) -> batch norm -> ReLU -> dropout,
as the original built it with `tf.contrib.layers` (`normalizer_fn=batch_norm`, decay 0.9). Batch
norm makes the network insensitive to the scale of its weights, so Adam can take steps of 0.01
instead of 0.001. A bias before batch norm would be cancelled by the normalization, so there is none.
The original also normalized the output layer's logits; we keep the output plain, as is usual.

Hyperparameters: 15 epochs, batch 100, Adam with learning rate 0.01, dropout rate 0.3,
batch norm momentum 0.9.
Original accuracy: 0.9826.
"""

from tfmlp.config import LabConfig, ModelConfig, TrainConfig
from tfmlp.expected import (
    AMD_CAPPED_AT_AVX2,
    AMD_CAPPED_AT_AVX512,
    AMD_EPYC,
    AMD_WITHOUT_ONEDNN,
    INTEL_XEON,
    MASKS_OF_XLA_PHILOX,
    MASKS_WITHOUT_XLA,
    ExpectedAccuracy,
    Measured,
)

TITLE = "Deep NN 784-512x4-10, batch norm + dropout + Xavier, lr 0.01"
ORIGINAL_ACCURACY = 0.9826
EXPECTED = ExpectedAccuracy(  # measured; its accuracy test asserts band()
    command="python cli.py lab 10-7 --seeds 8",
    runs=(
        Measured(AMD_EPYC, 777, (0.9830, 0.9832, 0.9806, 0.9833, 0.9834, 0.9831, 0.9823, 0.9836)),
        Measured(AMD_EPYC + MASKS_OF_XLA_PHILOX, 777, (0.9839, 0.9820, 0.9838, 0.9807, 0.9841, 0.9823, 0.9823, 0.9835)),
        Measured(AMD_EPYC + MASKS_WITHOUT_XLA, 777, (0.9835, 0.9835, 0.9833, 0.9837, 0.9843, 0.9828, 0.9825, 0.9828)),
        Measured(INTEL_XEON + MASKS_WITHOUT_XLA, 777, (0.9797, 0.9827, 0.9842, 0.9819, 0.9836, 0.9824, 0.9815, 0.9835)),
        Measured(AMD_CAPPED_AT_AVX2 + MASKS_WITHOUT_XLA, 777, (0.9835, 0.9828)),
        Measured(AMD_CAPPED_AT_AVX512 + MASKS_WITHOUT_XLA, 777, (0.9835, 0.9835)),
        Measured(AMD_WITHOUT_ONEDNN + MASKS_WITHOUT_XLA, 777, (0.9837, 0.9808)),
    ),
)
CONFIG = LabConfig(
    model=ModelConfig(
        widths=(512, 512, 512, 512),
        activation="relu",
        kernel_init="xavier",
        bias_init="zeros",
        dropout_rate=0.3,
        batch_norm=True,
        batch_norm_momentum=0.9,
    ),
    train=TrainConfig(learning_rate=0.01),
)


def build_model(model: ModelConfig):
    """784 -> (512, batch norm, ReLU, dropout) x 4 -> 10 logits."""
    from tfmlp.models import mlp_from_config  # imported here so listing labs never loads TensorFlow

    return mlp_from_config(model, name="deep_nn_batch_norm")
