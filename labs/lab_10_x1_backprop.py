"""Lab 10-X1: backpropagation by hand.

Every step before this one let TensorFlow differentiate. Here the gradients are written out by the
chain rule, exactly as the original did, for a 784-30-10 network with sigmoid on both layers scored
by the squared error 0.5 * sum((y_pred - y)^2):

    d_l2 = (y_pred - y) * sigmoid'(l2)        d_w2 = a1^T d_l2     d_b2 = sum(d_l2)
    d_l1 = (d_l2 w2^T) * sigmoid'(l1)         d_w1 = x^T d_l1      d_b1 = sum(d_l1)

then plain gradient descent with learning rate 0.5 on batches of 10, for 10,000 steps. Every 1,000
steps it prints how many of the first 1,000 test images come out right, as the original did.
`tests/test_backprop.py` checks the hand-written gradients against `tf.GradientTape`.

Hyperparameters: 10,000 steps (`lab 10-X1 --epochs` is refused), batch 10, learning rate 0.5, seed 777.
"""

from tfmlp.config import LabConfig, ModelConfig, TrainConfig
from tfmlp.expected import AMD_EPYC, INTEL_XEON, ExpectedAccuracy, Measured

TITLE = "Sigmoid 784-30-10 trained by hand-written backprop"
ORIGINAL_ACCURACY = None
STEPS = 10_000
REPORT_EVERY = 1_000
# The `cli.py lab` options it honours. Refused: --epochs (the original trained 10,000 steps and had no
# epochs; STEPS is the figure its measured band belongs to), --precision (its products are written out
# in float32; the plan's bfloat16 is a Keras layer policy), --resume (it keeps no checkpoint to resume
# from) and --config (its network is the fixed sigmoid 784-30-10 of `SigmoidNet`, so a
# configuration's activation, depth or initializers would be dropped).
OPTIONS = ("batch_size", "learning_rate", "seed", "deterministic", "seeds")
EXPECTED = ExpectedAccuracy(  # measured; its accuracy test asserts band()
    command="python cli.py lab 10-X1 --seed N, N = 777 ... 784",
    runs=(
        Measured(AMD_EPYC, 777, (0.9258, 0.9299, 0.9271, 0.9243, 0.9303, 0.9282, 0.9273, 0.9228)),
        Measured(INTEL_XEON, 777, (0.9258, 0.9299, 0.9271, 0.9243, 0.9303, 0.9282, 0.9273, 0.9228)),
    ),
)
CONFIG = LabConfig(
    model=ModelConfig(widths=(30,), activation="sigmoid", kernel_init="truncated_normal", bias_init="truncated_normal"),
    train=TrainConfig(epochs=1, batch_size=10, learning_rate=0.5, optimizer="sgd"),
)


def build_model(model: ModelConfig):
    """The same architecture as a Keras model, for inspection; `run` trains the hand-written one."""
    from tfmlp.models import mlp_from_config  # imported here so listing labs never loads TensorFlow

    return mlp_from_config(model, name="sigmoid_net")


def run(config: LabConfig, options):
    """Train by hand-written backprop and report as the original did."""
    from tfmlp.backprop import train_by_hand

    return train_by_hand(
        "10-X1", config, options, hidden=config.model.widths[0], steps=STEPS, report_every=REPORT_EVERY
    )
