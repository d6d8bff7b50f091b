"""Experiment: activation functions in a deep network, and the vanishing gradient.

The same 6 x 256 network (Xavier weights, zero biases, Adam 0.001) with six activations: sigmoid,
tanh, ReLU, leaky ReLU (slope 0.01), ELU and SELU, on identical batches. The sigmoid's derivative
never exceeds 0.25, so each sigmoid layer shrinks the gradient flowing back at least fourfold: by
the first layer of six it has all but vanished, and that layer barely learns. The table's
"grad 1st layer" column (measured at initialization on 1,000 validation images) shows it as a
number; ReLU and its relatives pass the gradient through unchanged where they are active.
`python cli.py plot activations` draws the functions and their derivatives.
"""

from labs import COMPARISON_OPTIONS
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


def build_model(model: ModelConfig):
    """The 6 x 256 network with `model.activation`."""
    from tfmlp.models import mlp_from_config  # imported here so listing labs never loads TensorFlow

    return mlp_from_config(model, name=f"deep_{model.activation}")


def run(config: LabConfig, options):
    """Train one network per activation on identical batches; compare accuracy and gradient flow."""
    from tfmlp.compare import compare_variants, sweep

    variants = sweep(config, build_model, "activation", ACTIVATIONS)
    return compare_variants("activations", variants, options, plots=("val_accuracy",), title="Activations, 6 x 256")
