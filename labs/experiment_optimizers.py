"""Experiment: optimizers on the 10-3 network.

The same 784-256-256-10 Xavier network trained on identical batches by eight optimizers, each at a
learning rate usual for it (the learning rate is part of the optimizer's choice; `--learning-rate`
scales them all by the same factor against Adam's 0.001):

    SGD 0.1, SGD + momentum 0.9 at 0.01, Adagrad 0.01, Adadelta 1.0, RMSprop 0.001,
    Adam 0.001, Adamax 0.002, Nadam 0.001

SGD at 0.1 and momentum at 0.01 (whose velocity makes an effective step of 0.1) move alike;
Adagrad's steps shrink as it sums squared gradients forever, so it falls behind; the methods that
keep moving averages instead (RMSprop, Adadelta, Adam and its kin) reach the lowest loss first. The
loss curves (loss.png) show it.
"""

import dataclasses

from labs import COMPARISON_OPTIONS
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


def build_model(model: ModelConfig):
    """The 10-3 network."""
    from tfmlp.models import mlp_from_config  # imported here so listing labs never loads TensorFlow

    return mlp_from_config(model, name="nn_xavier")


def run(config: LabConfig, options):
    """Train the same network with each optimizer on identical batches."""
    from tfmlp.compare import Variant, compare_variants

    scale = config.train.learning_rate / CONFIG.train.learning_rate
    variants = [
        Variant(
            name,
            lambda: build_model(config.model),
            dataclasses.replace(config.train, optimizer=name, learning_rate=rate * scale),
            {"model": dataclasses.asdict(config.model)},
        )
        for name, rate in LEARNING_RATES.items()
    ]
    return compare_variants("optimizers", variants, options, plots=("loss", "val_accuracy"), title="Optimizers, 784-256-256-10")
