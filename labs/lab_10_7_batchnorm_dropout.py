"""Lab 10-7: batch normalization, dropout and Xavier together, with a ten times larger learning rate."""

from tfmlp.config import LabConfig, ModelConfig, TrainConfig

TITLE = "Deep NN 784-512x4-10, batch norm + dropout + Xavier, lr 0.01"
ORIGINAL_ACCURACY = 0.9826
CONFIG = LabConfig(
    model=ModelConfig(
        widths=(512, 512, 512, 512),
        activation="relu",
        kernel_init="xavier",
        bias_init="zeros",
        dropout_rate=0.3,
        batch_norm=True,
        batch_norm_momentum=0.9,
    ),
    train=TrainConfig(learning_rate=0.01),
)


def build_model():
    """784 -> (512, batch norm, ReLU, dropout) x 4 -> 10 logits: the original's tf.contrib.layers.fully_connected
    with normalizer_fn=batch_norm (decay 0.9), its output left plain."""
    import keras  # imported here, so that listing the labs never loads TensorFlow
    from keras import layers
    from keras.initializers import GlorotUniform, Zeros

    hidden = []
    for index in range(1, 5):
        hidden += [
            layers.Dense(512, use_bias=False, kernel_initializer=GlorotUniform(), name=f"dense_{index}"),  # batch norm would cancel a bias
            layers.BatchNormalization(momentum=0.9, name=f"batch_norm_{index}"),
            layers.Activation("relu", name=f"relu_{index}"),
            layers.Dropout(0.3, name=f"dropout_{index}"),
        ]
    logits = layers.Dense(10, kernel_initializer=GlorotUniform(), bias_initializer=Zeros(), dtype="float32", name="logits")
    return keras.Sequential([keras.Input((784,)), *hidden, logits], name="deep_nn_batch_norm")
