"""Lab 10-4: deeper and wider, four hidden layers of 512."""

from labs.lab_10_3_xavier import xavier_relu_layers
from tfmlp.config import LabConfig, ModelConfig

TITLE = "Deep NN 784-512x4-10, Xavier init"
ORIGINAL_ACCURACY = 0.9742
CONFIG = LabConfig(model=ModelConfig(widths=(512, 512, 512, 512), activation="relu", kernel_init="xavier", bias_init="normal"))


def build_model():
    """784 -> 512 -> 512 -> 512 -> 512 -> 10 logits: 10-3's layers, four of them, twice as wide (the original's W1-W5)."""
    import keras  # imported here, so that listing the labs never loads TensorFlow

    return keras.Sequential([keras.Input((784,)), *xavier_relu_layers(512, depth=4)], name="deep_nn")
