"""Experiment: optimizers on the 10-3 network."""

import dataclasses

from labs import COMPARISON_OPTIONS, chart_title
from tfmlp.config import LabConfig, ModelConfig, TrainConfig

TITLE = "Optimizers on the 10-3 net: SGD, momentum, Adagrad, Adadelta, RMSprop, Adam, Adamax, Nadam"
ORIGINAL_ACCURACY = None
# The `cli.py lab` options it honours: all but --seeds and --resume (labs.COMPARISON_OPTIONS says why).
OPTIONS = COMPARISON_OPTIONS
LEARNING_RATES = {
    "sgd": 0.1,
    "momentum": 0.01,
    "adagrad": 0.01,
    "adadelta": 1.0,
    "rmsprop": 0.001,
    "adam": 0.001,
    "adamax": 0.002,
    "nadam": 0.001,
}
CONFIG = LabConfig(
    model=ModelConfig(widths=(256, 256), activation="relu", kernel_init="xavier", bias_init="zeros"),
    train=TrainConfig(epochs=5, learning_rate=0.001),
)


def run(config: LabConfig, options):
    """Train the 10-3 network with each optimizer on identical batches."""
    from tfmlp.compare import Variant, compare_variants
    from tfmlp.models import mlp_from_config

    scale = config.train.learning_rate / CONFIG.train.learning_rate
    variants = [
        Variant(
            name,
            lambda: mlp_from_config(config.model, name="nn_xavier"),
            dataclasses.replace(config.train, optimizer=name, learning_rate=rate * scale),
            {"model": dataclasses.asdict(config.model)},
        )
        for name, rate in LEARNING_RATES.items()
    ]
    return compare_variants("optimizers", variants, options, plots=("loss", "val_accuracy"), title=chart_title("optimizers"))
