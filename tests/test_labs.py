"""The registry: every step is found by its number and declares what the CLI and the runner need."""

from __future__ import annotations

import pytest

import labs
from tfmlp.config import LabConfig, TrainConfig


def test_the_steps_are_found_in_course_order() -> None:
    assert [lab.id for lab in labs.all_labs()] == ["10-1", "10-2", "10-3", "10-4", "10-5"]


@pytest.mark.parametrize("lab", labs.all_labs(), ids=lambda lab: lab.id)
def test_every_step_teaches_and_keeps_the_original_training(lab: labs.Lab) -> None:
    assert lab.description.startswith(f"Lab {lab.id}:")
    assert "What changed" in lab.description or lab.id == "10-1"
    assert lab.title and 0.8 < lab.original_accuracy < 1.0
    assert isinstance(lab.config, LabConfig)
    assert lab.config.train == TrainConfig(epochs=15, batch_size=100, learning_rate=0.001, optimizer="adam", seed=777)


def test_ids_are_matched_case_insensitively() -> None:
    assert labs.get_lab(" 10-4 ").id == "10-4"


def test_an_unknown_id_names_the_valid_ones() -> None:
    with pytest.raises(labs.UnknownLabError, match="unknown lab '9-1'; valid: 10-1, 10-2"):
        labs.get_lab("9-1")


def test_a_config_survives_a_round_trip_through_json_data() -> None:
    config = labs.get_lab("10-5").config.with_training(epochs=3, seed=None)
    assert config.train.epochs == 3 and config.train.seed == 777
    assert LabConfig.from_dict(config.to_dict()) == config
