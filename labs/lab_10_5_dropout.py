"""Lab 10-5: dropout against overfitting.

What changed from 10-4: after every hidden layer, dropout. In training each unit is kept with
probability 0.7 (the original's `keep_prob`; Keras names the other side, `Dropout(0.3)`) and scaled by
1 / 0.7, so no unit can rely on any other; at test time every unit is kept. The original fed
`keep_prob: 0.7` to train and `1.0` to test by hand; Keras switches dropout off outside training by
itself. The epoch cost is higher than 10-4's (the network trains with a handicap), the test
accuracy is the best of the lab.

Hyperparameters: 15 epochs, batch 100, Adam with learning rate 0.001, dropout rate 0.3.
Original accuracy: 0.9804.
"""

from tfmlp.config import LabConfig, ModelConfig

TITLE = "Deep NN 784-512x4-10, Xavier init, dropout 0.3"
ORIGINAL_ACCURACY = 0.9804
CONFIG = LabConfig(
    model=ModelConfig(widths=(512, 512, 512, 512), activation="relu", kernel_init="xavier", bias_init="normal", dropout_rate=0.3)
)


def build_model(model: ModelConfig):
    """784 -> (512, dropout) x 4 -> 10 logits."""
    from tfmlp.models import mlp_from_config  # imported here so listing labs never loads TensorFlow

    return mlp_from_config(model, name="deep_nn_dropout")
