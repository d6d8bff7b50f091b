"""Lab 10-6: batch normalization, side by side with the same network without it."""

from labs import COMPARISON_OPTIONS, chart_title
from tfmlp.config import LabConfig, ModelConfig, TrainConfig

TITLE = "Batch normalization vs none, 784-32-32-10, side by side"
ORIGINAL_ACCURACY = None
# The `cli.py lab` options it honours: all but --seeds and --resume (labs.COMPARISON_OPTIONS says why).
OPTIONS = COMPARISON_OPTIONS
CONFIG = LabConfig(
    model=ModelConfig(widths=(32, 32), activation="relu", kernel_init="xavier", bias_init="zeros", batch_norm=True),
    train=TrainConfig(epochs=10, batch_size=32, learning_rate=0.01),
)


def run(config: LabConfig, options):
    """Train the plain and the batch-normalized network on identical batches and compare them."""
    from tfmlp.compare import compare_variants, sweep
    from tfmlp.models import mlp_from_config

    def network(model: ModelConfig):
        return mlp_from_config(model, name="batch_norm" if model.batch_norm else "plain")

    variants = sweep(config, network, "batch_norm", [False, True], names=["plain", "batch_norm"])
    return compare_variants("10-6", variants, options, plots=("loss", "val_loss", "accuracy", "val_accuracy"), title=chart_title("10-6"))
