"""Lab 10-3: the same network with Xavier initialization."""

from tfmlp.config import LabConfig, ModelConfig

TITLE = "NN 784-256-256-10, Xavier init"
ORIGINAL_ACCURACY = 0.9783
CONFIG = LabConfig(model=ModelConfig(widths=(256, 256), activation="relu", kernel_init="xavier", bias_init="normal"))


def xavier_relu_layers(width: int, depth: int) -> list:
    """`depth` hidden ReLU layers of `width` units, then the 10 logits: weights by tf.contrib.layers.xavier_initializer()
    (Glorot uniform), biases still by tf.random_normal (stddev 1), as the original's."""
    from keras import layers
    from keras.initializers import GlorotUniform, RandomNormal

    hidden = []
    for index in range(1, depth + 1):
        hidden += [
            layers.Dense(width, kernel_initializer=GlorotUniform(), bias_initializer=RandomNormal(stddev=1.0), name=f"dense_{index}"),
            layers.Activation("relu", name=f"relu_{index}"),
        ]
    logits = layers.Dense(10, kernel_initializer=GlorotUniform(), bias_initializer=RandomNormal(stddev=1.0), dtype="float32", name="logits")
    return [*hidden, logits]


def build_model():
    """784 -> 256 -> 256 -> 10 logits: 10-2's network, Xavier weights."""
    import keras  # imported here, so that listing the labs never loads TensorFlow

    return keras.Sequential([keras.Input((784,)), *xavier_relu_layers(256, depth=2)], name="nn_xavier")
