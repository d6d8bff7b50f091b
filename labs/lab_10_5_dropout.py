"""Lab 10-5: dropout against overfitting."""

from tfmlp.config import LabConfig, ModelConfig

TITLE = "Deep NN 784-512x4-10, Xavier init, dropout 0.3"
ORIGINAL_ACCURACY = 0.9804
CONFIG = LabConfig(
    model=ModelConfig(widths=(512, 512, 512, 512), activation="relu", kernel_init="xavier", bias_init="normal", dropout_rate=0.3)
)


def build_model():
    """784 -> (512, ReLU, dropout) x 4 -> 10 logits: 10-4's network with tf.nn.dropout after each hidden layer."""
    import keras  # imported here, so that listing the labs never loads TensorFlow
    from keras import layers
    from keras.initializers import GlorotUniform, RandomNormal

    hidden = []
    for index in range(1, 5):  # the original's L1 ... L4
        hidden += [
            layers.Dense(512, kernel_initializer=GlorotUniform(), bias_initializer=RandomNormal(stddev=1.0), name=f"dense_{index}"),
            layers.Activation("relu", name=f"relu_{index}"),
            layers.Dropout(0.3, name=f"dropout_{index}"),  # keep_prob 0.7; Keras keeps every unit outside training by itself
        ]
    logits = layers.Dense(10, kernel_initializer=GlorotUniform(), bias_initializer=RandomNormal(stddev=1.0), dtype="float32", name="logits")
    return keras.Sequential([keras.Input((784,)), *hidden, logits], name="deep_nn_dropout")
