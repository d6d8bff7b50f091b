"""Beyond the course, speedrun: the lab's best figure, 0.98, in the fewest seconds.

Lab 10's best steps reach 0.98 after 15 epochs of batch 100 at a constant learning rate: the
original TF1 code's 10-5 trains 35 to 42 seconds on two CPU cores for it. What it takes instead:
- a smaller network that still has the capacity: 784-256-256-10, a fifth of 10-5's 1.2 million
  weights, so an epoch costs a fifth;
- He weights and zero biases: the initialization made for ReLU, so the first steps already go
  downhill (10-2's lesson, taken further);
- batches of 200: fewer, larger steps than 10-5's 100, which a CPU multiplies faster per image (250 is
  faster still but lands lower: 0.9807 ± 0.0008 over eight seeds, against 0.9817 ± 0.0006);
- a larger learning rate, 0.002, made safe by a schedule: a warm-up from 0 over the first 0.3 epochs
  (on random weights even Adam's first steps can overshoot), then cosine decay to 0 by the last
  batch, so the final epochs settle into a minimum instead of jumping around it;
- light dropout, 0.1: six epochs are too few to overfit much, but a little regularization still pays;
- six epochs, then stop.
Each choice is one field of the config below; `python cli.py lab speedrun --epochs 5` and the other
options try variations.

Hyperparameters: 6 epochs, batch 200, Adam 0.002 with a 0.3-epoch warm-up and cosine decay, dropout 0.1.
Original accuracy: none (the course has no such step); the target is 0.98.
"""

from tfmlp.config import LabConfig, ModelConfig, TrainConfig

TITLE = "The lab's 0.98 in the fewest seconds: 784-256-256-10, He, dropout 0.1, batch 200, cosine lr, 6 epochs"
ORIGINAL_ACCURACY = None
TARGET_ACCURACY = 0.98  # the lab's best figure (10-5: 0.9804, 10-7: 0.9826), as a mean over seeds
CONFIG = LabConfig(
    model=ModelConfig(widths=(256, 256), activation="relu", kernel_init="he", bias_init="zeros", dropout_rate=0.1),
    train=TrainConfig(epochs=6, batch_size=200, learning_rate=0.002, schedule="cosine", warmup_epochs=0.3),
)


def build_model(model: ModelConfig):
    """784 -> 256 -> 256 -> 10 logits, dropout after each hidden layer."""
    from tfmlp.models import mlp_from_config  # imported here so listing labs never loads TensorFlow

    return mlp_from_config(model, name="speedrun")
