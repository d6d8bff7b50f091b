"""Beyond the course, beyond: the best multi-layer perceptron we can teach, past 0.99.

The course's challenge for this lab is "MNIST 98% 이상 해보기" (above 98%); 10-7 reaches 0.983. The
literature takes a plain MLP, no convolution, to about 0.989 with dropout and max-norm (Srivastava
et al., 2014) and to 0.993 trained on distorted digits (Simard et al., 2003). This step takes the
labs' parts that far, each idea one field of the config below:
- data augmentation (`augment_shift`, `augment_rotation`, `augment_zoom`): every training image is
  shifted by up to 2.8 pixels, turned by up to 11 degrees and scaled by up to 10%, afresh each
  epoch, with Keras's preprocessing layers. The network cannot memorize positions on the grid and
  must learn shapes: the one idea that takes an MLP past 0.99. (XLA cannot compile these layers, so
  this step trains without it, Keras's `steps_per_execution` loop.)
- a wider network, two hidden layers of 1,024 with He weights: augmented data is an endless supply
  of new examples, so capacity no longer overfits;
- dropout 0.2, lighter than 10-5's: augmentation already regularizes;
- a schedule: a one-epoch warm-up, then cosine decay to 0, so the last epochs settle;
- decoupled weight decay (AdamW's, `weight_decay`), which keeps the weights small;
- the exponential moving average of the weights (`ema`), which the network ends with: an average
  over the last hundred or so steps is smoother than any one of them;
- 60 epochs, six minutes of training on two CPU cores: 0.9925 ± 0.0002 over three seeds, within
  the ten minutes the challenge allows (a 100-epoch schedule's validation accuracy was at 0.9896
  after 34 epochs).
`python cli.py lab beyond --epochs 10` is the same recipe on a shorter schedule (its accuracy test
uses 3 epochs).

Hyperparameters: 60 epochs, batch 100, Adam 0.001 with a 1-epoch warm-up and cosine decay, weight
decay 0.01, EMA, dropout 0.2, augmentation 0.1 / 0.03 / 0.1.
Original accuracy: none (the course has no such step); the target is 0.99 within 10 minutes of training.
"""

from tfmlp.config import LabConfig, ModelConfig, TrainConfig

TITLE = "The best MLP we can teach: 2 x 1024, augmentation, cosine lr, AdamW, EMA, 60 epochs"
ORIGINAL_ACCURACY = None
TARGET_ACCURACY = 0.99  # the dropout paper's MLP, 0.989, passed; Simard et al.'s 0.993 is the stretch
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
    ),
    train=TrainConfig(epochs=60, learning_rate=0.001, schedule="cosine", warmup_epochs=1.0, weight_decay=0.01, ema=True),
)


def build_model(model: ModelConfig):
    """Augmentation (training only), then 784 -> 1024 -> 1024 -> 10 logits with dropout."""
    from tfmlp.models import mlp_from_config  # imported here so listing labs never loads TensorFlow

    return mlp_from_config(model, name="beyond")
