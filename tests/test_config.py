"""Configurations as data: every field checked for type and range on creation, named when refused."""

from __future__ import annotations

import math

import pytest

import labs
from tfmlp.config import ConfigError, LabConfig, ModelConfig, TrainConfig


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"epochs": True}, "epochs must be an integer ≥ 1, got True"),  # a bool is an int to Python, not to us
        ({"epochs": 3.0}, "epochs must be an integer ≥ 1, got 3.0"),
        ({"batch_size": 55_001}, "batch_size must be an integer from 1 to 55000 (the training set's size), got 55001"),
        ({"learning_rate": math.nan}, "learning_rate must be a finite number > 0, got nan"),
        ({"learning_rate": -math.inf}, "learning_rate must be a finite number > 0, got -inf"),
        ({"learning_rate": -0.1}, "learning_rate must be a number > 0, got -0.1"),
        ({"optimizer": ""}, "optimizer must be a name (a non-empty string), got ''"),
        ({"seed": 2**32}, "seed must be an integer from 0 to 4294967295, got 4294967296"),
        ({"schedule": "linear"}, "schedule must be one of constant, cosine, got 'linear'"),
        ({"epochs": 2, "warmup_epochs": 2}, "warmup_epochs must be a number in [0, 2), got 2"),
        ({"warmup_epochs": -0.5}, "warmup_epochs must be a number in [0, 15), got -0.5"),
        ({"weight_decay": 1.0}, "weight_decay must be a number in [0, 1), got 1.0"),
        ({"ema": "yes"}, "ema must be true or false, got 'yes'"),
    ],
)
def test_a_bad_training_field_is_named_with_what_is_valid(fields: dict, message: str) -> None:
    with pytest.raises(ConfigError) as refused:
        TrainConfig(**fields)
    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"widths": (512, 0)}, "widths must be a list of hidden layer widths, each an integer ≥ 1 (e.g. [512, 512]), got (512, 0)"),
        ({"widths": [True]}, "widths must be a list of hidden layer widths, each an integer ≥ 1 (e.g. [512, 512]), got [True]"),
        ({"activation": None}, "activation must be a name (a non-empty string), got None"),
        ({"batch_norm_momentum": 1.0}, "batch_norm_momentum must be a number in [0, 1), got 1.0"),
        ({"augment_shift": 0.5}, "augment_shift must be a number in [0, 0.5), got 0.5"),
        ({"augment_rotation": -0.1}, "augment_rotation must be a number in [0, 0.5), got -0.1"),
        ({"augment_elastic_alpha": 101}, "augment_elastic_alpha must be a number in [0, 100], got 101"),
        ({"augment_elastic_sigma": 0}, "augment_elastic_sigma must be a number in (0, 16], got 0"),
    ],
)
def test_a_bad_model_field_is_named_with_what_is_valid(fields: dict, message: str) -> None:
    with pytest.raises(ConfigError) as refused:
        ModelConfig(**fields)
    assert str(refused.value) == message


def test_numbers_from_json_become_floats_and_lists_tuples() -> None:
    config = LabConfig.from_dict({"model": {"widths": [64, 32], "dropout_rate": 0}, "train": {"learning_rate": 1}})
    assert config.model.widths == (64, 32) and isinstance(config.model.dropout_rate, float)
    assert config.train.learning_rate == 1.0 and isinstance(config.train.learning_rate, float)


def test_a_field_from_a_file_is_named_with_its_section() -> None:
    with pytest.raises(ConfigError, match=r"^train\.batch_size must be an integer from 1 to 55000"):
        LabConfig.from_dict({"train": {"batch_size": 0}})


@pytest.mark.parametrize("lab", labs.all_labs(), ids=lambda lab: lab.id)
def test_the_parameter_count_is_known_before_anything_is_built(lab: labs.Lab) -> None:
    """What the memory check counts is what Keras builds, for every lab's configuration."""
    assert lab.config.model.parameter_count() == lab.build_model().count_params()


def test_a_search_saved_before_the_checks_still_replays() -> None:
    """Earlier searches saved `batch_norm` as keras-tuner handed it back, 0 or 1: their best.json must load."""
    config = LabConfig.from_dict({"model": {"widths": [64], "batch_norm": 1}, "train": {"deterministic": 0}})
    assert config.model.batch_norm is True and config.train.deterministic is False
