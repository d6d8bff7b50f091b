"""Lab 10-8: SELU, a self-normalizing network, with alpha dropout.

What changed from 10-5: the activation is SELU, `scale * (x if x > 0 else alpha * (exp(x) - 1))`
with scale ~1.0507 and alpha ~1.6733, chosen so that activations drift towards zero mean and unit
variance layer after layer by themselves: batch norm's effect without batch norm. That holds only
with LeCun-normal weights (variance 1 / fan_in) and with alpha dropout, which drops units to SELU's
negative saturation value instead of zero and rescales, keeping mean and variance. The original was
left unfinished upstream; we finish it with alpha dropout at rate 0.1, within the 0.05-0.1 that the
SELU paper (Klambauer et al., 2017) used for its fully connected networks.

Hyperparameters: 15 epochs, batch 100, Adam with learning rate 0.001, alpha dropout rate 0.1.
Original accuracy: none (work in progress upstream).
"""

from tfmlp.config import LabConfig, ModelConfig

TITLE = "Deep NN 784-512x4-10, SELU + LeCun normal + alpha dropout"
ORIGINAL_ACCURACY = None
CONFIG = LabConfig(
    model=ModelConfig(
        widths=(512, 512, 512, 512),
        activation="selu",
        kernel_init="lecun",
        bias_init="zeros",
        dropout_rate=0.1,
        dropout_type="alpha",
    )
)


def build_model(model: ModelConfig):
    """784 -> (512, SELU, alpha dropout) x 4 -> 10 logits."""
    from tfmlp.models import mlp_from_config  # imported here so listing labs never loads TensorFlow

    return mlp_from_config(model, name="deep_nn_selu")
