"""Experiment: architectures the functional API can say and a Sequential stack cannot."""

import dataclasses

from labs import COMPARISON_OPTIONS, chart_title
from tfmlp.config import LabConfig, ModelConfig, TrainConfig

TITLE = "Functional API: skip connections, split-and-merge, an ensemble, vs 10-5"
ORIGINAL_ACCURACY = None
# The `cli.py lab` options it honours: all but --seeds and --resume (labs.COMPARISON_OPTIONS says why).
OPTIONS = COMPARISON_OPTIONS
ENSEMBLE_SIZE = 3
CONFIG = LabConfig(
    model=ModelConfig(widths=(512,) * 4, activation="relu", kernel_init="xavier", bias_init="zeros", dropout_rate=0.3),
    train=TrainConfig(epochs=5),
)


def run(config: LabConfig, options):
    """Train the baseline, the residual and split-and-merge networks and the ensemble's members."""
    from tfmlp.compare import Variant, compare_variants
    from tfmlp.models import ensemble, mlp, mlp_from_config, residual_mlp, split_merge_mlp

    width, depth, rate = config.model.widths[0], len(config.model.widths), config.model.dropout_rate
    members = [f"member_{index}" for index in range(1, ENSEMBLE_SIZE + 1)]
    variants = [
        Variant("10-5", lambda: mlp_from_config(config.model, name="deep_nn_dropout"), config.train),
        Variant("residual", lambda: residual_mlp(width, depth, dropout_rate=rate), config.train),
        Variant("split_merge", lambda: split_merge_mlp(dropout_rate=rate), config.train),
        *(
            Variant(
                name,
                lambda name=name: mlp([256, 256], bias_init="zeros", name=name),
                dataclasses.replace(config.train, seed=config.train.seed + index),  # members must differ
            )
            for index, name in enumerate(members)
        ),
    ]

    def ensemble_accuracy(comparison) -> dict[str, float]:
        combined = ensemble([comparison[name].result.model for name in members])
        predictions = combined.predict(comparison.arrays.test.images, verbose=0).argmax(axis=1)
        return {
            "ensemble_test_accuracy": float((predictions == comparison.arrays.test.labels).mean()),
            "best_member_test_accuracy": max(comparison[name].result.test_accuracy for name in members),
        }

    title = chart_title("architectures")
    return compare_variants("architectures", variants, options, plots=("val_accuracy",), title=title, extra=ensemble_accuracy)
