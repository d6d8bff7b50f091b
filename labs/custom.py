"""Lab custom: any multi-layer perceptron, from a configuration file."""

from tfmlp.config import LabConfig, ModelConfig

TITLE = "Any MLP from a saved configuration (--config FILE, e.g. a search's best.json)"
ORIGINAL_ACCURACY = None
CONFIG = LabConfig(model=ModelConfig(widths=(256, 256), activation="relu", kernel_init="xavier", bias_init="zeros"))
