"""Lab 10-2: a neural network, two hidden ReLU layers of 256."""

from tfmlp.config import LabConfig, ModelConfig

TITLE = "NN 784-256-256-10, ReLU, random normal init"
ORIGINAL_ACCURACY = 0.9455
CONFIG = LabConfig(model=ModelConfig(widths=(256, 256), activation="relu", kernel_init="normal", bias_init="normal"))


def build_model():
    """784 -> 256 -> 256 -> 10 logits: the original's W1-W3 and b1-b3, every one from tf.random_normal (stddev 1)."""
    import keras  # imported here, so that listing the labs never loads TensorFlow
    from keras import layers
    from keras.initializers import RandomNormal

    return keras.Sequential(
        [
            keras.Input((784,)),
            layers.Dense(256, kernel_initializer=RandomNormal(stddev=1.0), bias_initializer=RandomNormal(stddev=1.0), name="dense_1"),
            layers.Activation("relu", name="relu_1"),  # L1 = tf.nn.relu(tf.matmul(X, W1) + b1)
            layers.Dense(256, kernel_initializer=RandomNormal(stddev=1.0), bias_initializer=RandomNormal(stddev=1.0), name="dense_2"),
            layers.Activation("relu", name="relu_2"),
            layers.Dense(
                10, kernel_initializer=RandomNormal(stddev=1.0), bias_initializer=RandomNormal(stddev=1.0), dtype="float32", name="logits"
            ),
        ],
        name="nn",
    )
