"""The registry: every step is found by its number and declares what the CLI and the runner need."""

from __future__ import annotations

import pytest

import labs
from tfmlp.config import LabConfig, TrainConfig

STEPS = ["10-1", "10-2", "10-3", "10-4", "10-5", "10-6", "10-7", "10-8", "10-X1"]
EXPERIMENTS = ["activations", "architectures", "initializers", "optimizers", "losses", "batch-sizes", "pretraining"]
BEYOND = ["beyond", "speedrun"]  # steps beyond the course


def test_the_steps_are_found_in_course_order_then_the_others() -> None:
    assert [lab.id for lab in labs.all_labs()] == STEPS + BEYOND + sorted([*EXPERIMENTS, "custom"])
    assert [lab.id for lab in labs.all_labs() if lab.kind == "beyond"] == BEYOND


@pytest.mark.parametrize("lab", labs.all_labs(), ids=lambda lab: lab.id)
def test_every_lab_teaches_and_declares_its_recipe(lab: labs.Lab) -> None:
    heading = "Experiment:" if lab.id in EXPERIMENTS else f"Beyond the course, {lab.id}:" if lab.id in BEYOND else f"Lab {lab.id}:"
    assert lab.description.startswith(heading) and "\n" not in lab.description  # one line: the lesson is in lessons/*.toml
    assert lab.heading.startswith(heading.replace(":", "") if lab.id in EXPERIMENTS else heading)
    assert lab.title
    assert lab.original_accuracy is None or 0.8 < lab.original_accuracy < 1.0
    assert isinstance(lab.config, LabConfig)


@pytest.mark.parametrize("lab_id", ["10-1", "10-2", "10-3", "10-4", "10-5", "10-8"])
def test_the_original_training_is_kept(lab_id: str) -> None:
    assert labs.get_lab(lab_id).config.train == TrainConfig(epochs=15, batch_size=100, learning_rate=0.001, optimizer="adam", seed=777)


def test_ids_are_matched_case_insensitively() -> None:
    assert labs.get_lab(" 10-4 ").id == "10-4"


def test_an_unknown_id_names_the_valid_ones() -> None:
    with pytest.raises(labs.UnknownLabError, match="unknown lab '9-1'; valid: 10-1, 10-2"):
        labs.get_lab("9-1")


def test_a_config_survives_a_round_trip_through_json_data() -> None:
    config = labs.get_lab("10-5").config.with_training(epochs=3, seed=None)
    assert config.train.epochs == 3 and config.train.seed == 777
    assert LabConfig.from_dict(config.to_dict()) == config
