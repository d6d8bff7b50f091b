"""Lab 10-1: softmax regression, the baseline lab 10 improves on."""

from tfmlp.config import LabConfig, ModelConfig

TITLE = "Softmax regression, random normal init"
ORIGINAL_ACCURACY = 0.9035  # the course's one run; the step averages about 0.90 over seeds
CONFIG = LabConfig(model=ModelConfig(widths=(), kernel_init="normal", bias_init="normal"))


def build_model():
    """784 pixels -> 10 logits: the original's `hypothesis = tf.matmul(X, W) + b`, W and b from tf.random_normal."""
    import keras  # imported here, so that listing the labs never loads TensorFlow
    from keras import layers
    from keras.initializers import RandomNormal

    # tf.random_normal draws with stddev 1.0 (Keras's RandomNormal defaults to 0.05), a new initializer for each weight.
    # The logits stay float32 whatever precision the products before them take (`--precision bfloat16`).
    logits = layers.Dense(
        10, kernel_initializer=RandomNormal(stddev=1.0), bias_initializer=RandomNormal(stddev=1.0), dtype="float32", name="logits"
    )
    return keras.Sequential([keras.Input((784,)), logits], name="softmax_regression")
