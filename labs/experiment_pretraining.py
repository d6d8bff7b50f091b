"""Experiment: pre-training a deep belief net (stacked RBMs) against random normal, Xavier and He."""

import dataclasses
import functools
import statistics

from labs import COMPARISON_OPTIONS, chart_title
from tfmlp.config import IMAGE_PIXELS, LabConfig, ModelConfig, RBMConfig

TITLE = "Pre-training: stacked RBMs (a deep belief net) vs normal, Xavier, He, 784-256-256-10"
ORIGINAL_ACCURACY = None
# The `cli.py lab` options it honours: all but --resume (labs.COMPARISON_OPTIONS says why); --seeds sets
# from how many seeds each network trains, SEEDS by default, each seed with a stack pre-trained from it.
OPTIONS = (*COMPARISON_OPTIONS, "seeds")
SEEDS = 3
# How each variant's weights start, as (kernel, bias) initializer names of `tfmlp.models`: 10-2's random
# normal (weights and biases, stddev 1), Xavier and He with zero biases, as their papers had them. "rbm"
# is the deep belief net: its hidden layers start from the RBMs, its logits small and random, as Hinton's.
INITIALIZATIONS = {"rbm": ("small_normal", "zeros"), "normal": ("normal", "normal"), "xavier": ("xavier", "zeros"), "he": ("he", "zeros")}
# The deep belief nets of 2006 were sigmoid nets, whose units compute exactly the RBMs' hidden probabilities:
# the fair test of the lecture's claim. 10-2 and 10-3 are ReLU nets, so the same four start them too.
ACTIVATIONS = ("sigmoid", "relu")
# Each RBM (784-256, then 256-256) trains as many epochs over the 55,000 training images as the fine tuning
# does (`--epochs` shortens both), by CD-1, after Hinton's practical guide (tfmlp.config.RBMConfig).
PRETRAINING = RBMConfig()
# Fine tuning exactly as 10-2 and 10-3 train: Adam 0.001, batches of 100, 15 epochs, seed 777. 12 to 15
# minutes for the 8 networks over 3 seeds on two CPU cores; --epochs 5 shows the same in a few. The
# network's widths are the configuration's; its activation and initializers are each variant's.
CONFIG = LabConfig(model=ModelConfig(widths=(256, 256), activation="sigmoid", kernel_init="xavier", bias_init="zeros"))


def variant_model(config: ModelConfig, activation: str, initialization: str) -> ModelConfig:
    """The network of `config` with `activation` and the initializers of `initialization` (one of INITIALIZATIONS)."""
    kernel_init, bias_init = INITIALIZATIONS[initialization]
    return dataclasses.replace(config, activation=activation, kernel_init=kernel_init, bias_init=bias_init)


def run(config: LabConfig, options):
    """Train the randomly started networks and the deep belief net, whose stack of RBMs pre-trains without labels
    when it is first built; fine-tune it and train the others on identical batches, with labels; compare them."""
    from tfmlp.compare import compare_variants
    from tfmlp.data import read_mnist
    from tfmlp.files import write_file
    from tfmlp.language import message
    from tfmlp.rbm import pretrain_stack
    from tfmlp.summaries import log_pretraining

    pretraining = dataclasses.replace(PRETRAINING, epochs=config.train.epochs)
    sizes = (IMAGE_PIXELS, *config.model.widths)
    stacks = {}  # per seed, pre-trained when the first network that needs it is built: after the run's folder is made

    def report(layer: int, epoch: int, error: float) -> None:
        print(message("rbm.epoch", layer=layer + 1, visible=sizes[layer], hidden=sizes[layer + 1], epoch=epoch + 1, error=error))

    def stack_for(seed: int):
        if seed not in stacks:
            images = read_mnist(options.mnist_dir, options.tfds_dir).train.images  # the training images, without their labels
            stacks[seed] = pretrain_stack(images, config.model.widths, pretraining, seed, report)
            print(message("rbm.pretrained", layers=len(stacks[seed]), seconds=sum(layer.seconds for layer in stacks[seed]), seed=seed))
        return stacks[seed]

    def pretraining_figures(comparison) -> dict[str, float]:
        """Each seed's stack in TensorBoard (the first one's features in the run folder too), and the
        pre-training's seconds and last reconstruction errors, the seeds' means."""
        pictures = [
            log_pretraining(comparison.run.logs / ("pretraining" if len(stacks) == 1 else f"pretraining/seed_{seed}"), stack)
            for seed, stack in stacks.items()
        ]
        write_file(comparison.run.file("rbm_features.png"), pictures[0])
        figures = {"pretraining_seconds": statistics.fmean(sum(layer.seconds for layer in stack) for stack in stacks.values())}
        for index in range(len(sizes) - 1):
            errors = [stack[index].reconstruction_errors[-1] for stack in stacks.values()]
            figures[f"rbm_{index + 1}_reconstruction_error"] = statistics.fmean(errors)
        return figures

    variants = pretraining_variants(config, stack_for, pretraining)
    return compare_variants(
        "pretraining",
        variants,
        options,
        plots=("val_accuracy", "loss"),
        title=chart_title("pretraining"),
        extra=pretraining_figures,
        seeds=options.seeds or SEEDS,
    )


def pretraining_variants(config: LabConfig, stack_for, pretraining: RBMConfig) -> list:
    """The networks of the comparison, an activation after another: the deep belief net, whose hidden layers
    start from `stack_for(seed)` (a `tfmlp.rbm.RBMLayer` per hidden layer, pre-trained as `pretraining` says),
    then the random starts."""
    from tfmlp.compare import SeededVariant, Variant
    from tfmlp.models import mlp_from_config
    from tfmlp.rbm import load_into

    def deep_belief_net(model: ModelConfig, name: str, seed: int):
        network = mlp_from_config(model, name=name)
        load_into(network, stack_for(seed))
        return network

    variants = []
    for activation in ACTIVATIONS:
        for initialization in INITIALIZATIONS:
            model, name, pretrained = (
                variant_model(config.model, activation, initialization),
                f"{activation}_{initialization}",
                initialization == "rbm",
            )
            details = {"model": dataclasses.asdict(model)} | ({"pretraining": dataclasses.asdict(pretraining)} if pretrained else {})
            if pretrained:
                build = functools.partial(deep_belief_net, model, name)
                variants.append(SeededVariant(name, config.train, details, build_for_seed=build))
            else:
                variants.append(Variant(name, functools.partial(mlp_from_config, model, name=name), config.train, details))
    return variants
