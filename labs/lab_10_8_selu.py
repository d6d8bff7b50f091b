"""Lab 10-8: SELU, a self-normalizing network, with alpha dropout."""

from tfmlp.config import LabConfig, ModelConfig

TITLE = "Deep NN 784-512x4-10, SELU + LeCun normal + alpha dropout"
ORIGINAL_ACCURACY = None  # the original was left unfinished upstream
CONFIG = LabConfig(
    model=ModelConfig(widths=(512,) * 4, activation="selu", kernel_init="lecun", bias_init="zeros", dropout_rate=0.1, dropout_type="alpha")
)


def build_model():
    """784 -> (512, SELU, alpha dropout) x 4 -> 10 logits: 10-5's network made self-normalizing."""
    import keras  # imported here, so that listing the labs never loads TensorFlow
    from keras import layers
    from keras.initializers import LecunNormal, Zeros

    hidden = []
    for index in range(1, 5):
        hidden += [
            layers.Dense(512, kernel_initializer=LecunNormal(), bias_initializer=Zeros(), name=f"dense_{index}"),  # variance 1 / fan_in
            layers.Activation("selu", name=f"selu_{index}"),
            layers.AlphaDropout(0.1, name=f"dropout_{index}"),  # drops to SELU's saturation value, keeping mean and variance
        ]
    logits = layers.Dense(10, kernel_initializer=LecunNormal(), bias_initializer=Zeros(), dtype="float32", name="logits")
    return keras.Sequential([keras.Input((784,)), *hidden, logits], name="deep_nn_selu")
