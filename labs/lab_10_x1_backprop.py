"""Lab 10-X1: backpropagation by hand."""

from tfmlp.config import LabConfig, ModelConfig, TrainConfig

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
CONFIG = LabConfig(
    model=ModelConfig(widths=(30,), activation="sigmoid", kernel_init="truncated_normal", bias_init="truncated_normal"),
    train=TrainConfig(epochs=1, batch_size=10, learning_rate=0.5, optimizer="sgd"),
)


def build_model():
    """The same 784-30-10 network as Keras layers, for inspection (w1, b1, w2, b2 from tf.truncated_normal);
    `run` trains the hand-written one."""
    import keras  # imported here, so that listing the labs never loads TensorFlow
    from keras import layers
    from keras.initializers import TruncatedNormal

    def truncated_normal():  # tf.truncated_normal, stddev 1.0; a new initializer per weight, or they would draw alike
        return TruncatedNormal(stddev=1.0)

    return keras.Sequential(
        [
            keras.Input((784,)),
            layers.Dense(30, kernel_initializer=truncated_normal(), bias_initializer=truncated_normal(), name="dense_1"),
            layers.Activation("sigmoid", name="sigmoid_1"),
            layers.Dense(10, kernel_initializer=truncated_normal(), bias_initializer=truncated_normal(), dtype="float32", name="logits"),
        ],
        name="sigmoid_net",
    )


def run(config: LabConfig, options):
    """Train by hand-written backprop and report as the original did."""
    from tfmlp.runner import train_by_hand

    return train_by_hand("10-X1", config, options, hidden=config.model.widths[0], steps=STEPS, report_every=REPORT_EVERY)
