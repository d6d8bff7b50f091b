"""Experiment: activation functions in a deep network, and the vanishing gradient."""

from labs import COMPARISON_OPTIONS, chart_title
from tfmlp.config import LabConfig, ModelConfig, TrainConfig

TITLE = "Activations in a 6 x 256 net: sigmoid, tanh, ReLU, leaky ReLU, ELU, SELU"
ORIGINAL_ACCURACY = None
# The `cli.py lab` options it honours: all but --seeds and --resume (labs.COMPARISON_OPTIONS says why).
OPTIONS = COMPARISON_OPTIONS
ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu")
CONFIG = LabConfig(
    model=ModelConfig(widths=(256,) * 6, activation="relu", kernel_init="xavier", bias_init="zeros"),
    train=TrainConfig(epochs=5),
)


def run(config: LabConfig, options):
    """Train the 6 x 256 network once per activation on identical batches; compare accuracy and gradient flow."""
    from tfmlp.compare import compare_variants, sweep
    from tfmlp.models import mlp_from_config

    variants = sweep(config, lambda model: mlp_from_config(model, name=f"deep_{model.activation}"), "activation", ACTIVATIONS)
    return compare_variants("activations", variants, options, plots=("val_accuracy",), title=chart_title("activations"))
