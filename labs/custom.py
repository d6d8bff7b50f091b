"""Lab custom: any multi-layer perceptron, from a configuration file.

Replays a saved configuration: a run's `config.json`, or the `best.json` that `cli.py tune` writes
for the best network it found. `python cli.py lab custom --config best.json` trains that network
from scratch with the same hyperparameters and seed, on the same data, and keeps it as a run.
Without `--config` it trains this module's CONFIG, the 10-3 network.
"""

from tfmlp.config import LabConfig, ModelConfig

TITLE = "Any MLP from a saved configuration (--config FILE, e.g. a search's best.json)"
ORIGINAL_ACCURACY = None
CONFIG = LabConfig(model=ModelConfig(widths=(256, 256), activation="relu", kernel_init="xavier", bias_init="zeros"))


def build_model(model: ModelConfig):
    """The MLP the configuration describes."""
    from tfmlp.models import mlp_from_config  # imported here so listing labs never loads TensorFlow

    return mlp_from_config(model, name="custom_mlp")
