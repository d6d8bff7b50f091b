"""Lab 10-1: softmax regression, the baseline lab 10 improves on.

One linear layer maps the 784 pixels straight to 10 logits; softmax turns them into class
probabilities and cross-entropy scores them. Weights and biases start from `tf.random_normal`, a
normal distribution with stddev 1.0, exactly as the original. There is no hidden layer, so the model
can only draw straight boundaries between digits: about 90% of the test digits come out right.

The initial weights decide most of where this step ends: a pixel that is rarely ink keeps its
random weight for all 15 epochs. So one run says little (0.8917 to 0.8997 over ten seeds), and the
course's 0.9035 was a lucky draw: the original TF1 program averages 0.8984 over seeds 777-796, and
this step 0.8962 over the same seeds (`benchmarks/softmax_init.py`).

Hyperparameters: 15 epochs, batch 100, Adam with learning rate 0.001.
Original accuracy: ~0.90 (0.9035).
"""

from tfmlp.config import LabConfig, ModelConfig

TITLE = "Softmax regression, random normal init"
ORIGINAL_ACCURACY = 0.9035  # the course's one run; the step averages about 0.90 over seeds
CONFIG = LabConfig(model=ModelConfig(widths=(), kernel_init="normal", bias_init="normal"))


def build_model(model: ModelConfig):
    """784 -> 10 logits."""
    from tfmlp.models import softmax_regression  # imported here so listing labs never loads TensorFlow

    return softmax_regression(kernel_init=model.kernel_init, bias_init=model.bias_init)
