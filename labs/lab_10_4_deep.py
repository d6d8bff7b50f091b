"""Lab 10-4: deeper and wider, four hidden layers of 512.

What changed from 10-3: four hidden ReLU layers of 512 instead of two of 256, 1,195,018 parameters
instead of 269,322. The course's lesson: more capacity alone does not help. The training cost falls
lower than 10-3's, but the test accuracy does not rise with it (the original even fell, 0.9742 vs
0.9783): the network starts to memorize the training set. That is overfitting, and 10-5 treats it.

Hyperparameters: 15 epochs, batch 100, Adam with learning rate 0.001.
Original accuracy: 0.9742.
"""

from tfmlp.config import LabConfig, ModelConfig

TITLE = "Deep NN 784-512x4-10, Xavier init"
ORIGINAL_ACCURACY = 0.9742
CONFIG = LabConfig(model=ModelConfig(widths=(512, 512, 512, 512), activation="relu", kernel_init="xavier", bias_init="normal"))


def build_model(model: ModelConfig):
    """784 -> 512 -> 512 -> 512 -> 512 -> 10 logits."""
    from tfmlp.models import mlp_from_config  # imported here so listing labs never loads TensorFlow

    return mlp_from_config(model, name="deep_nn")
