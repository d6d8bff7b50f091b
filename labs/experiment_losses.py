"""Experiment: the cost function, softmax with cross-entropy against mean squared error, on the 10-3 net."""

# The three variants differ only in `TrainConfig.loss` (`tfmlp.losses`): the network outputs the same
# logits; the cost squashes them (softmax, or a sigmoid per class) and measures them against the label.
import dataclasses

from labs import COMPARISON_OPTIONS, chart_title
from tfmlp.config import LabConfig, ModelConfig, TrainConfig

TITLE = "Costs on the 10-3 net: softmax cross-entropy vs softmax + MSE vs sigmoid + MSE"
ORIGINAL_ACCURACY = None
# The `cli.py lab` options it honours: the comparisons' (labs.COMPARISON_OPTIONS) and --seeds, since
# its claim is a gap between variants that must stand out of what the seeds alone move.
OPTIONS = (*COMPARISON_OPTIONS, "seeds")
SEEDS = 5  # each variant from seeds 777 ... 781 unless --seeds says otherwise
LOSSES = ("cross_entropy", "softmax_mse", "sigmoid_mse")
CONFIG = LabConfig(
    model=ModelConfig(widths=(256, 256), activation="relu", kernel_init="xavier", bias_init="normal"),  # 10-3's network
    train=TrainConfig(epochs=10),
)


def variants(config: LabConfig) -> list:
    """The 10-3 network once per cost, everything else as `config` says."""
    from tfmlp.compare import Variant
    from tfmlp.models import mlp_from_config

    return [
        Variant(
            loss,
            lambda: mlp_from_config(config.model, name="nn_xavier"),
            dataclasses.replace(config.train, loss=loss),
            {"model": dataclasses.asdict(config.model)},
        )
        for loss in LOSSES
    ]


def run(config: LabConfig, options):
    """Train the 10-3 network with each cost on identical batches, each from `SEEDS` seeds."""
    from tfmlp.compare import compare_variants

    return compare_variants(
        "losses", variants(config), options, plots=("accuracy", "val_accuracy"), title=chart_title("losses"), seeds=options.seeds or SEEDS
    )
