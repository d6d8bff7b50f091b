"""Lab 10-6: batch normalization, side by side with the same network without it.

The original notebook trains two small networks, 784-32-32-10 with ReLU, on the very same batches
(batch 32, Adam with a large learning rate of 0.01, 10 epochs): one plain, one with batch
normalization between each hidden layer's weights and its ReLU. Batch norm rescales each unit's
pre-activations to zero mean and unit variance over the batch (then lets the network learn a scale
and shift back), so every layer sees inputs of a steady scale however the layers below change. The
normalized network tolerates the large learning rate better and generalizes better: compare the two
validation curves.

What this step keeps: per-epoch validation accuracy of both (printed), both runs in TensorBoard
(the runs `…/plain` and `…/batch_norm` overlay), and four plots (training and validation loss and
accuracy) in the run directory.
"""

from labs import COMPARISON_OPTIONS
from tfmlp.config import LabConfig, ModelConfig, TrainConfig

TITLE = "Batch normalization vs none, 784-32-32-10, side by side"
ORIGINAL_ACCURACY = None
# The `cli.py lab` options it honours: all but --seeds and --resume (labs.COMPARISON_OPTIONS says why).
OPTIONS = COMPARISON_OPTIONS
CONFIG = LabConfig(
    model=ModelConfig(widths=(32, 32), activation="relu", kernel_init="xavier", bias_init="zeros", batch_norm=True),
    train=TrainConfig(epochs=10, batch_size=32, learning_rate=0.01),
)


def build_model(model: ModelConfig):
    """784 -> 32 -> 32 -> 10 logits, with or without batch norm as `model` says."""
    from tfmlp.models import mlp_from_config  # imported here so listing labs never loads TensorFlow

    return mlp_from_config(model, name="batch_norm" if model.batch_norm else "plain")


def run(config: LabConfig, options):
    """Train the plain and the batch-normalized network on identical batches and compare them."""
    from tfmlp.compare import compare_variants, sweep

    variants = sweep(config, build_model, "batch_norm", [False, True], names=["plain", "batch_norm"])
    return compare_variants(
        "10-6", variants, options, plots=("loss", "val_loss", "accuracy", "val_accuracy"), title="Lab 10-6: batch norm vs none"
    )
