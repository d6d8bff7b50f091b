"""Lab 10-1: softmax regression, the baseline lab 10 improves on.

One linear layer maps the 784 pixels straight to 10 logits; softmax turns them into class
probabilities and cross-entropy scores them. Weights and biases start from `tf.random_normal`, a
normal distribution with stddev 1.0, exactly as the original. There is no hidden layer, so the model
can only draw straight boundaries between digits: about 90% of the test digits come out right.

Hyperparameters: 15 epochs, batch 100, Adam with learning rate 0.001.
Original accuracy: ~0.90 (0.9025 when the original TF1 code is run on our 2-core machine).
"""

from tfmlp.config import LabConfig, ModelConfig

TITLE = "Softmax regression, random normal init"
ORIGINAL_ACCURACY = 0.90
CONFIG = LabConfig(model=ModelConfig(widths=(), kernel_init="normal", bias_init="normal"))


def build_model(model: ModelConfig):
    """784 -> 10 logits."""
    from tfmlp.models import softmax_regression  # imported here so listing labs never loads TensorFlow

    return softmax_regression(kernel_init=model.kernel_init, bias_init=model.bias_init)
