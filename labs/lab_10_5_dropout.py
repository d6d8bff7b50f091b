"""Lab 10-5: dropout against overfitting.

What changed from 10-4: after every hidden layer, dropout. In training each unit is kept with
probability 0.7 (the original's `keep_prob`; Keras names the other side, `Dropout(0.3)`) and scaled by
1 / 0.7, so no unit can rely on any other; at test time every unit is kept. The original fed
`keep_prob: 0.7` to train and `1.0` to test by hand; Keras switches dropout off outside training by
itself. The epoch cost is higher than 10-4's (the network trains with a handicap), the test
accuracy is the best of the lab.

Hyperparameters: 15 epochs, batch 100, Adam with learning rate 0.001, dropout rate 0.3.
Original accuracy: 0.9804.
"""

from tfmlp.config import LabConfig, ModelConfig
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

TITLE = "Deep NN 784-512x4-10, Xavier init, dropout 0.3"
ORIGINAL_ACCURACY = 0.9804
EXPECTED = ExpectedAccuracy(  # measured; its accuracy test asserts band()
    command="python cli.py lab 10-5 --seeds 8",
    runs=(
        Measured(AMD_EPYC, 777, (0.9837, 0.9821, 0.9806, 0.9831, 0.9816, 0.9842, 0.9816, 0.9802)),
        Measured(AMD_EPYC + MASKS_OF_XLA_PHILOX, 777, (0.9775, 0.9799, 0.9809, 0.9828, 0.9823, 0.9827, 0.9810, 0.9797)),
        Measured(AMD_EPYC + MASKS_WITHOUT_XLA, 777, (0.9800, 0.9821, 0.9831, 0.9822, 0.9813, 0.9793, 0.9834, 0.9824)),
        Measured(INTEL_XEON + MASKS_WITHOUT_XLA, 777, (0.9800, 0.9821, 0.9831, 0.9822, 0.9813, 0.9793, 0.9834, 0.9824)),
        Measured(AMD_CAPPED_AT_AVX2 + MASKS_WITHOUT_XLA, 777, (0.9816,)),
        Measured(AMD_CAPPED_AT_AVX512 + MASKS_WITHOUT_XLA, 777, (0.9800,)),
        Measured(AMD_WITHOUT_ONEDNN + MASKS_WITHOUT_XLA, 777, (0.9828,)),
    ),
)
CONFIG = LabConfig(
    model=ModelConfig(widths=(512, 512, 512, 512), activation="relu", kernel_init="xavier", bias_init="normal", dropout_rate=0.3)
)


def build_model(model: ModelConfig):
    """784 -> (512, dropout) x 4 -> 10 logits."""
    from tfmlp.models import mlp_from_config  # imported here so listing labs never loads TensorFlow

    return mlp_from_config(model, name="deep_nn_dropout")
