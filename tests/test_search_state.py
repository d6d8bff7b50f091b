"""keras-tuner's record of a search: written whole through tfmlp's oracles and tuner, and every kind of
damage repaired before keras-tuner reloads it, on folders recorded by a real oracle without training."""

from __future__ import annotations

import json
from pathlib import Path

import keras_tuner
import pytest

from tfmlp import search_state
from tfmlp.search_state import RandomSearchOracle, SearchTuner, repair_search, trial_file, tuner_file


def space() -> keras_tuner.HyperParameters:
    hp = keras_tuner.HyperParameters()
    hp.Int("width", 1, 1000)
    hp.Float("learning_rate", 1e-4, 1e-2, sampling="log")
    return hp


def new_oracle(folder: Path) -> RandomSearchOracle:
    return RandomSearchOracle(folder, objective="val_accuracy", max_trials=9, seed=1, hyperparameters=space())


def new_tuner(folder: Path, oracle: RandomSearchOracle) -> SearchTuner:
    """keras-tuner's tuner on `folder` (reloading it when it holds a search), as `tfmlp.tuning.search` makes it."""
    return SearchTuner(oracle=oracle, hypermodel=lambda hp: None, directory=str(folder.parent), project_name=folder.name)


def record_search(folder: Path, finished: int, unfinished: int = 0) -> SearchTuner:
    """What a search of `finished` trials leaves, then `unfinished` trials begun (each by its own
    tuner, as in a distributed search); the tuner, to go on."""
    tuner = new_tuner(folder, new_oracle(folder))
    tuner.oracle.verbose = 0
    for _ in range(finished):
        end(tuner.oracle, tuner.oracle.create_trial("tuner0"))
        tuner.save()
    for index in range(unfinished):
        tuner.oracle.create_trial(f"tuner{index}")
    return tuner


def end(oracle: keras_tuner.Oracle, trial: keras_tuner.engine.trial.Trial) -> None:
    oracle.update_trial(trial.trial_id, {"val_accuracy": 0.5})
    trial.status = "COMPLETED"
    oracle.end_trial(trial)


def resume(folder: Path) -> tuple[list[str], keras_tuner.Oracle]:
    """What the next run of the search does: repair, then keras-tuner's reload. The repairs, and the reloaded oracle."""
    oracle = new_oracle(folder)
    repairs = repair_search(folder, oracle, "tuner0")
    tuner = new_tuner(folder, oracle)
    tuner.oracle.verbose = 0
    return repairs, tuner.oracle


def tear(path: Path) -> None:
    content = path.read_bytes()
    path.write_bytes(content[: len(content) // 2])


def statuses(oracle: keras_tuner.Oracle) -> dict[str, str]:
    return {trial_id: trial.status for trial_id, trial in sorted(oracle.trials.items())}


def test_every_state_file_is_written_through_the_whole_file_writer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fails loudly if keras-tuner stops writing `trial.json` through `Oracle._save_trial` (the one
    private name tfmlp overrides) or its oracle and tuner records through `save`: then a file would
    appear that `write_json` (write, then rename) never wrote."""
    written = []
    real = search_state.write_json
    monkeypatch.setattr(search_state, "write_json", lambda path, data: (written.append(path), real(path, data))[1])
    folder = tmp_path / "search"
    record_search(folder, finished=2, unfinished=1)
    files = {path for path in folder.rglob("*") if path.is_file()}
    assert files == {folder / "oracle.json", folder / "tuner0.json", *(trial_file(folder, trial_id) for trial_id in "012")}
    assert files == set(written)
    assert json.loads((folder / "tuner0.json").read_text()) == {}, "a tuner's record holds nothing: a damaged one is written again as {}"


def test_a_whole_folder_is_left_as_it_is(tmp_path: Path) -> None:
    folder = tmp_path / "search"
    record_search(folder, finished=2, unfinished=1)  # killed in trial 2: keras-tuner runs it again by itself
    before = {path: path.read_bytes() for path in folder.rglob("*") if path.is_file()}
    repairs, oracle = resume(folder)
    assert repairs == []
    assert {path: path.read_bytes() for path in before} == before
    assert oracle.create_trial("tuner0").trial_id == "2"


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (tear, "was damaged (cut short)"),
        (lambda path: path.write_text(""), "was damaged (empty)"),
        (lambda path: path.unlink(), "was missing"),
        (lambda path: path.write_text('{"seed": 1}'), "was damaged (not an oracle's state)"),
        (lambda path: path.write_text(path.read_text().split(": 0.", 1)[0] + ": 0."), "was damaged (cut short)"),
        (lambda path: path.write_text(path.read_text().split("null", 1)[0] + "nu"), "was damaged (cut short)"),
        (lambda path: path.write_bytes(b"\0" * 100), "was damaged (not valid JSON)"),
        (lambda path: path.write_text(path.read_text().replace(",", ";", 1)), "was damaged (not valid JSON)"),
    ],
    ids=["torn", "empty", "missing", "foreign", "torn-in-a-number", "torn-in-null", "zeros", "garbled"],
)
def test_a_damaged_oracle_is_rebuilt_from_the_trial_records(damage, problem: str, tmp_path: Path) -> None:
    folder = tmp_path / "search"
    record_search(folder, finished=2, unfinished=1)
    unfinished = json.loads(trial_file(folder, "2").read_text())["hyperparameters"]["values"]
    damage(folder / "oracle.json")
    repairs, oracle = resume(folder)
    assert repairs == [f"{folder / 'oracle.json'} {problem}; rebuilt it from 2 finished trials; unfinished trial 2 runs again"]
    assert statuses(oracle) == {"0": "COMPLETED", "1": "COMPLETED", "2": "RUNNING"}
    again = oracle.create_trial("tuner0")
    assert (again.trial_id, again.hyperparameters.values) == ("2", unfinished), "the unfinished trial runs again, with its hyperparameters"
    new = oracle.create_trial("tuner1")
    assert new.trial_id == "3"
    assert new.hyperparameters.values not in [trial.hyperparameters.values for trial in oracle.trials.values() if trial is not new]


def test_an_oracle_behind_its_trials_would_repeat_a_finished_trial_and_is_rebuilt(tmp_path: Path) -> None:
    """Killed between keras-tuner's two writes at a trial's end: trial 1's record says finished, the
    oracle still lists it as running; keras-tuner alone would run it again."""
    folder = tmp_path / "search"
    oracle = record_search(folder, finished=1, unfinished=1).oracle
    running = (folder / "oracle.json").read_bytes()
    end(oracle, oracle.trials["1"])
    (folder / "oracle.json").write_bytes(running)
    repairs, oracle = resume(folder)
    assert repairs == [
        (
            f"{folder / 'oracle.json'} did not match the trial records (the search stopped between two of keras-tuner's writes);"
            " rebuilt it from 2 finished trials"
        )
    ]
    assert oracle.create_trial("tuner0").trial_id == "2", "trial 1 finished: it must not run again"


@pytest.mark.parametrize(
    ("finished", "unfinished", "damaged", "told"),
    [
        (2, 0, "1", "trial 1 had finished, but its score is lost; a new trial 1 runs in its place"),
        (1, 1, "1", "trial 1 had not finished; it runs again as a new trial"),
        (3, 0, "1", "trial 1 is counted as failed, so that the trials after it keep their numbers"),
    ],
    ids=["finished", "unfinished", "before-later-trials"],
)
def test_a_damaged_trial_record_is_named_and_its_folder_kept(
    finished: int, unfinished: int, damaged: str, told: str, tmp_path: Path
) -> None:
    folder = tmp_path / "search"
    record_search(folder, finished, unfinished)
    whole = {
        trial_id: json.loads(trial_file(folder, trial_id).read_text())
        for trial_id in "0123"[: finished + unfinished]
        if trial_id != damaged
    }
    tear(trial_file(folder, damaged))
    repairs, oracle = resume(folder)
    assert repairs == [
        f"{trial_file(folder, damaged)} was damaged (cut short): {told} (the damaged folder is kept in {folder / 'damaged' / 'trial_1'})"
    ]
    assert (folder / "damaged" / "trial_1" / "trial.json").is_file()
    for trial_id, record in whole.items():
        assert oracle.trials[trial_id].get_state() == record, "a whole trial record is kept as it is"
    if told.startswith("trial 1 is counted as failed"):
        assert statuses(oracle) == {"0": "COMPLETED", "1": "FAILED", "2": "COMPLETED"}
        assert oracle.create_trial("tuner0").trial_id == "3", "a new trial must not take the number of a finished one"
    else:
        assert "1" not in oracle.trials
        assert oracle.create_trial("tuner0").trial_id == "1"


def test_a_damaged_or_missing_tuner_record_is_written_again(tmp_path: Path) -> None:
    folder = tmp_path / "search"
    record_search(folder, finished=1)
    (folder / "tuner0.json").write_text("{")
    repairs, _ = resume(folder)
    assert repairs == [f"{folder / 'tuner0.json'} was damaged (cut short); wrote it again (a tuner's record holds nothing else)"]
    (folder / "tuner0.json").unlink()  # killed after trial 0's end, before the tuner's first record: keras-tuner would start over
    repairs, oracle = resume(folder)
    assert repairs == [
        (
            f"{folder / 'tuner0.json'} was missing (the search stopped between two of keras-tuner's writes);"
            " wrote it again (a tuner's record holds nothing else)"
        )
    ]
    assert statuses(oracle) == {"0": "COMPLETED"}


def test_a_search_with_no_whole_trial_record_starts_over(tmp_path: Path) -> None:
    folder = tmp_path / "search"
    record_search(folder, finished=1)
    tear(trial_file(folder, "0"))
    tear(folder / "oracle.json")
    repairs, oracle = resume(folder)
    assert repairs == [
        f"{trial_file(folder, '0')} was damaged (cut short): trial 0 runs again as a new trial"
        f" (the damaged folder is kept in {folder / 'damaged' / 'trial_0'})",
        f"{folder / 'oracle.json'} was damaged (cut short), and no trial record is whole: the search starts over",
    ]
    assert oracle.trials == {} and oracle.create_trial("tuner0").trial_id == "0"


def test_a_worker_repairs_only_its_own_damaged_record(tmp_path: Path) -> None:
    folder = tmp_path / "search"
    record_search(folder, finished=1)
    tear(folder / "oracle.json")  # the chief's to repair
    tuner_file(folder, "tuner1").write_text("")
    assert repair_search(folder, None, "tuner1") == [
        f"{tuner_file(folder, 'tuner1')} was damaged (empty); wrote it again (a tuner's record holds nothing else)"
    ]
    assert repair_search(folder, None, "tuner2") == [], "a worker without a record yet has nothing to repair"
    assert json.loads(tuner_file(folder, "tuner1").read_text()) == {}
