"""Experiment: mini-batches, from 10 images to all 55,000, at equal epochs and at equal seconds."""

# Every size trains with the same Adam 0.001: what changes is how many images each update averages and so
# how many updates an epoch, or a second, buys. The equal-seconds runs stop on a clock
# (`tfmlp.callbacks.TrainingTimeBudget`), so their figures belong to the machine that ran them.
import dataclasses

from labs import COMPARISON_OPTIONS, chart_title
from tfmlp.config import TRAIN_SIZE, LabConfig, ModelConfig, TrainConfig

TITLE = "Mini-batches on the 10-3 net: batch 10, 100, 1,000 and all 55,000, at equal epochs and equal seconds"
ORIGINAL_ACCURACY = None
# The `cli.py lab` options it honours: the comparisons' (labs.COMPARISON_OPTIONS) but --batch-size and
# --config (the batch sizes are what it compares: a configuration's batch size would be dropped), and
# --seeds. --epochs sets the equal-epochs runs'.
OPTIONS = (*(option for option in COMPARISON_OPTIONS if option not in ("batch_size", "config")), "seeds")
SEEDS = 3  # each variant from seeds 777, 778, 779 unless --seeds says otherwise
BATCH_SIZES = (10, 100, 1_000, TRAIN_SIZE)  # each divides the 55,000 training images: every batch is full
EPOCHS_CAP = 10_000  # an equal-seconds run's epochs end on its clock, long before this
CONFIG = LabConfig(
    model=ModelConfig(widths=(256, 256), activation="relu", kernel_init="xavier", bias_init="normal"),  # 10-3's network
    # The equal-epochs runs train `epochs`; the equal-seconds runs `max_seconds` each (validation not
    # counted), stopped by `tfmlp.callbacks.TrainingTimeBudget` within an epoch. Adam 0.001 for every size.
    train=TrainConfig(epochs=3, max_seconds=10.0),
)


def variants(config: LabConfig, batch_sizes=BATCH_SIZES) -> list:
    """Per batch size, one variant trained `config.train.epochs` epochs ("batch100_3ep") and one trained
    `config.train.max_seconds` seconds ("batch100_10s"), the equal-epochs ones first."""
    from tfmlp.compare import Variant
    from tfmlp.models import mlp_from_config

    def network():
        return mlp_from_config(config.model, name="nn_xavier")

    model = {"model": dataclasses.asdict(config.model)}
    by_epochs = [
        Variant(f"batch{size}_{config.train.epochs}ep", network, dataclasses.replace(config.train, batch_size=size, max_seconds=0.0), model)
        for size in batch_sizes
    ]
    by_seconds = [
        Variant(
            f"batch{size}_{config.train.max_seconds:g}s",
            network,
            dataclasses.replace(config.train, batch_size=size, epochs=EPOCHS_CAP),
            model,
        )
        for size in batch_sizes
    ]
    return by_epochs + by_seconds


def run(config: LabConfig, options):
    """Train the 10-3 network at each batch size, for equal epochs and for equal seconds, each from `SEEDS`
    seeds; then what each size buys: updates and images per second."""
    from tfmlp.compare import compare_variants, print_throughput

    comparison = compare_variants(
        "batch-sizes", variants(config), options, plots=("val_accuracy",), title=chart_title("batch-sizes"), seeds=options.seeds or SEEDS
    )
    print_throughput(comparison)
    return comparison
