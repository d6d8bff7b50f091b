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

TITLE = "Deep NN 784-512x4-10, batch norm + dropout + Xavier, lr 0.01"
ORIGINAL_ACCURACY = 0.9826
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
