"""Beyond the course, beyond: the best multi-layer perceptron we can teach, past 0.99."""

from labs.beyond_speedrun import he_relu_dropout_layers
from tfmlp.config import LabConfig, ModelConfig, TrainConfig

TITLE = "The best MLP we can teach: 2 x 1024, affine and elastic distortions, cosine lr, AdamW, EMA, 70 epochs"
ORIGINAL_ACCURACY = None
TARGET_ACCURACY = 0.994  # as a mean over seeds: past Simard et al.'s 0.993 (elastic distortions, 784-800-10); 0.995 is the stretch
TRAINING_BUDGET_SECONDS = 600  # of training, on two CPU cores
CONFIG = LabConfig(
    model=ModelConfig(
        widths=(1024, 1024),
        activation="relu",
        kernel_init="he",
        bias_init="zeros",
        dropout_rate=0.2,
        augment_shift=0.1,
        augment_rotation=0.03,
        augment_zoom=0.1,
        augment_elastic_alpha=20.0,  # elastic distortions, in pixels (Simard et al. used 34 and 4)
        augment_elastic_sigma=4.0,
    ),
    train=TrainConfig(epochs=70, learning_rate=0.001, schedule="cosine", warmup_epochs=1.0, weight_decay=0.01, ema=True),
)


def build_model():
    """Each training image distorted afresh, affinely and elastically in one sampling grid (inactive at test),
    then the speedrun's layers: 784 -> (1024, ReLU, dropout 0.2) x 2 -> 10 logits."""
    import keras  # imported here, so that listing the labs never loads TensorFlow

    from tfmlp.distortions import RandomDistortion

    distortion = RandomDistortion(
        shift=0.1,  # up to 2.8 pixels each way
        rotation=0.03,  # up to 0.03 of a turn, 11 degrees
        zoom=0.1,  # up to 10% in or out
        elastic_alpha=20.0,  # a smoothed uniform(-1, 1) field per axis, times this many pixels
        elastic_sigma=4.0,  # the smoothing Gaussian's standard deviation, in pixels
        name="random_distortion",
    )
    return keras.Sequential([keras.Input((784,)), distortion, *he_relu_dropout_layers(1024, depth=2, dropout_rate=0.2)], name="beyond")
