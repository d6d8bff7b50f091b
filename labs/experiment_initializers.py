"""Experiment: weight initialization, from the symmetry problem to He.

The 10-3 network (784-256-256-10, ReLU, zero biases, Adam 0.001) with five weight initializers:
- zeros: every unit of a layer computes the same thing and receives the same gradient, forever;
  with ReLU the hidden units output zero and the gradient to them is zero. Accuracy stays near
  chance: the symmetry problem that random initialization exists to break.
- normal (stddev 1, `tf.random_normal`): far too large for 784 inputs; the first cost is in the
  hundreds (lab 10-2's trouble).
- small normal (stddev 0.01): small enough, but the same for every layer whatever its fan-in.
- Xavier (Glorot uniform): variance 2 / (fan_in + fan_out), made for tanh and sigmoid.
- He: normal with variance 2 / fan_in, made for ReLU, which zeroes half its inputs.
Compare the first epoch's cost and the final accuracy.
"""

from labs import COMPARISON_OPTIONS
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


def build_model(model: ModelConfig):
    """The 10-3 network with `model.kernel_init`."""
    from tfmlp.models import mlp_from_config  # imported here so listing labs never loads TensorFlow

    return mlp_from_config(model, name=f"nn_{model.kernel_init}")


def run(config: LabConfig, options):
    """Train one network per initializer on identical batches."""
    from tfmlp.compare import compare_variants, sweep

    variants = sweep(config, build_model, "kernel_init", INITIALIZERS)
    return compare_variants("initializers", variants, options, plots=("loss",), title="Initializers, 784-256-256-10")
