"""Experiment: weight initialization, from the symmetry problem to He."""

from labs import COMPARISON_OPTIONS, chart_title
from tfmlp.config import LabConfig, ModelConfig, TrainConfig

TITLE = "Initializers on the 10-3 net: zeros, normal, 0.01 x normal, Xavier, He"
ORIGINAL_ACCURACY = None
# The `cli.py lab` options it honours: all but --seeds and --resume (labs.COMPARISON_OPTIONS says why).
OPTIONS = COMPARISON_OPTIONS
INITIALIZERS = ("zeros", "normal", "small_normal", "xavier", "he")
CONFIG = LabConfig(
    model=ModelConfig(widths=(256, 256), activation="relu", kernel_init="xavier", bias_init="zeros"),
    train=TrainConfig(epochs=5),
)


def run(config: LabConfig, options):
    """Train the 10-3 network once per weight initializer on identical batches."""
    from tfmlp.compare import compare_variants, sweep
    from tfmlp.models import mlp_from_config

    variants = sweep(config, lambda model: mlp_from_config(model, name=f"nn_{model.kernel_init}"), "kernel_init", INITIALIZERS)
    return compare_variants("initializers", variants, options, plots=("loss",), title=chart_title("initializers"))
