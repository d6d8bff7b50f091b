"""keras-tuner's record of a search, written whole or not at all, and checked before a search resumes.

keras-tuner (1.4) keeps a search in one folder: `oracle.json` (which trials started, which ended,
which wait to run again, how many random draws were made), `trial_N/trial.json` (one trial: its
hyperparameters, status and score) and `<tuner id>.json` (the tuner's own record, empty for its
tuners). It writes each of them in place, so a kill in the middle of a write leaves half a file, and
the next run of the same command ended in a traceback from keras-tuner's `reload()`
(keras-team/keras-tuner#987). Here the oracles and tuners write every one of these files under
another name and rename it (`tfmlp.files.write_json`), and `repair_search` checks a folder written
earlier (by an older tfmlp, or damaged since) before keras-tuner reads it: a damaged `oracle.json`
is rebuilt from the trials whose records are whole, a trial whose record is damaged runs again, and
a finished trial whose record is whole is never run twice nor forgotten.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import keras_tuner
from keras_tuner.engine.trial import Trial, TrialStatus

from tfmlp.files import DamagedFile, read_json, write_json
from tfmlp.language import message

ORACLE_FILE = "oracle.json"
DAMAGED_FOLDER = "damaged"  # where the folders of unreadable trials are kept (keras-tuner reads only trial_*)
# A trial in one of these states has ended: keras-tuner lists it in the oracle's `end_order` and never runs it again.
ENDED = (TrialStatus.COMPLETED, TrialStatus.FAILED)
# What is wrong with a record, besides the damage `tfmlp.files.read_json` names: none there, or (for
# `oracle.json`) readable but behind the trial records.
MISSING, BEHIND = "missing", "behind"


def trial_file(folder: Path, trial_id: str) -> Path:
    """Where keras-tuner keeps a trial's record (its `Oracle._get_trial_dir`, then "trial.json")."""
    return folder / f"trial_{trial_id}" / "trial.json"


def tuner_file(folder: Path, tuner_id: str) -> Path:
    """Where keras-tuner keeps a tuner's own record (its `BaseTuner._get_tuner_fname`)."""
    return folder / f"{tuner_id}.json"


class WholeStateFiles:
    """Makes a keras-tuner oracle (the class after this one in the bases) write `oracle.json` and
    every `trial.json` whole or not at all, into `state_folder`, the folder the tuner is given."""

    def __init__(self, state_folder: Path, **options: Any) -> None:
        self.state_folder = state_folder
        super().__init__(**options)

    def save(self) -> None:
        write_json(self.state_folder / ORACLE_FILE, self.get_state())

    def _save_trial(self, trial: Trial) -> None:
        """The one private name of keras-tuner used here: every write of a `trial.json` (a trial's
        start, each epoch's metrics, its end) goes through `Oracle._save_trial`, and there is no public
        one. tests/test_search_state.py fails if keras-tuner stops calling it."""
        path = trial_file(self.state_folder, trial.trial_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json(path, trial.get_state())


class RandomSearchOracle(WholeStateFiles, keras_tuner.oracles.RandomSearchOracle):
    """keras-tuner's random search, its state written whole."""


class BayesianOptimizationOracle(WholeStateFiles, keras_tuner.oracles.BayesianOptimizationOracle):
    """keras-tuner's Bayesian optimization, its state written whole."""


class HyperbandOracle(WholeStateFiles, keras_tuner.oracles.HyperbandOracle):
    """keras-tuner's Hyperband, its state written whole."""


class WholeTunerFile:
    """Makes a keras-tuner tuner (the class after this one in the bases) write its own record whole.
    Its `save` is `BaseTuner.save`'s: the oracle's state (unless the oracle is a worker's client of
    the chief's, which keeps the state itself), then the tuner's record."""

    def save(self) -> None:
        if isinstance(self.oracle, keras_tuner.Oracle):
            self.oracle.save()
        write_json(tuner_file(Path(self.project_dir), self.tuner_id), self.get_state())


class SearchTuner(WholeTunerFile, keras_tuner.Tuner):
    """keras-tuner's tuner around an oracle of this module (random search, Bayesian optimization)."""


class HyperbandTuner(WholeTunerFile, keras_tuner.Hyperband):
    """keras-tuner's Hyperband tuner (each trial's epochs, and its start from an earlier trial's
    weights) around a `HyperbandOracle` of this module."""

    def __init__(self, oracle: HyperbandOracle, **options: Any) -> None:
        keras_tuner.Tuner.__init__(self, oracle=oracle, **options)  # Hyperband's own __init__ only builds its oracle


def repair_search(folder: Path, oracle: keras_tuner.Oracle | None, tuner_id: str) -> list[str]:
    """Check the search recorded in `folder` before keras-tuner reloads it, and repair what it cannot read.

    - A trial record (`trial_N/trial.json`) that cannot be read: its folder moves to `damaged/`
      (nothing is deleted). The trial runs again, as a new trial of the same number, drawing its
      hyperparameters anew (the damaged record held them). Only when later trials exist (several
      trials at once, in a distributed search) is it counted as failed instead, so that they keep
      their numbers.
    - `oracle.json` damaged, missing, or behind the trial records (the search stopped between
      keras-tuner's two writes, so that it would run a finished trial again or never finish an
      unfinished one), or a trial record was damaged: `oracle.json` is rebuilt from the trial
      records. Finished trials stay finished; unfinished ones run again with their hyperparameters;
      the random draws continue where they stood; Hyperband starts its brackets over.
    - The tuner's record, damaged or (when a trial has finished) missing: written again (`{}`).
    - No whole trial record is left: the search starts over.

    Args:
        folder: keras-tuner's folder of the search (`<logdir>/search`).
        oracle: the new oracle the search will reload into (its state is what a rebuilt
            `oracle.json` starts from); None in a worker of a distributed search, which reads only
            its own record (the chief keeps the rest).
        tuner_id: this process's tuner (keras-tuner's `KERASTUNER_TUNER_ID`, "tuner0" alone).

    Returns:
        One line per repair, naming the file and what was done; none for a whole folder.
    """
    tuner_record = tuner_file(folder, tuner_id)
    tuner_problem = _load_object(tuner_record)[1]
    if oracle is None:
        return _rewrite_tuner_record(tuner_record, tuner_problem) if tuner_problem not in (None, MISSING) else []
    trials, damaged = _read_trials(folder)
    oracle_file = folder / ORACLE_FILE
    oracle_state, oracle_problem = _load_object(oracle_file)
    template = oracle.get_state()
    oracle_problem = oracle_problem or _oracle_disagreement(oracle_state, template, trials, set(damaged))
    if tuner_problem == MISSING and not any(trial.status in ENDED for trial in trials.values()):
        return []  # keras-tuner starts over, as it always has: nothing had finished
    if not (damaged or oracle_problem or tuner_problem):
        return []
    ended_before = set(oracle_state["end_order"]) if oracle_problem in (None, BEHIND) else None

    repairs = []
    highest = max(map(_number, trials), default=-1)
    for trial_id, problem in sorted(damaged.items(), key=lambda item: _number(item[0])):
        kept = _move_aside(folder, trial_id)
        if _number(trial_id) < highest:
            trials[trial_id] = Trial(keras_tuner.HyperParameters(), trial_id=trial_id, status=TrialStatus.FAILED, message="record damaged")
            trial_file(folder, trial_id).parent.mkdir()
            write_json(trial_file(folder, trial_id), trials[trial_id].get_state())
            done = "search_state.counted_as_failed"
        elif ended_before is None:
            done = "search_state.runs_again"
        elif trial_id in ended_before:
            done = "search_state.score_lost"
        else:
            done = "search_state.unfinished_runs_again"
        done = message(done, trial=trial_id)
        repairs.append(message("search_state.trial_damaged", path=trial_file(folder, trial_id), problem=problem, done=done, kept=kept))

    what = _oracle_problem_in_words(oracle_file, oracle_problem) if oracle_problem else ""
    if not trials:
        tuner_record.unlink(missing_ok=True)  # keras-tuner then starts the search over, writing every file anew
        if oracle_problem:
            return [*repairs, message("search_state.no_whole_trial_after", what=what)]
        return [*repairs, message("search_state.no_whole_trial", folder=folder)]
    if oracle_problem or damaged:
        write_json(oracle_file, _rebuilt_oracle_state(template, trials, draws=max([highest, *map(_number, damaged)]) + 1))
    if oracle_problem:
        finished = sum(trial.status == TrialStatus.COMPLETED for trial in trials.values())
        unfinished = sorted((trial_id for trial_id, trial in trials.items() if trial.status not in ENDED), key=_number)
        again = message("search_state.unfinished_again", trials=", ".join(unfinished)) if unfinished else ""
        repairs.append(message("search_state.rebuilt", what=what, count=finished, again=again))
    if tuner_problem:
        repairs += _rewrite_tuner_record(tuner_record, tuner_problem)
    return repairs


def _load_object(path: Path) -> tuple[dict[str, Any] | None, str | None]:
    """The JSON object in `path`, or None and what is wrong with the file: "missing", or the problem
    `tfmlp.files.read_json` names in words ("cut short", "not valid JSON", ...)."""
    if not path.exists():
        return None, MISSING
    try:
        return read_json(path), None
    except DamagedFile as error:
        return None, error.problem


def _read_trials(folder: Path) -> tuple[dict[str, Trial], dict[str, str]]:
    """The trials whose records are whole, and what is wrong with each of the others, by trial id."""
    trials, damaged = {}, {}
    for path in folder.glob("trial_*/trial.json"):
        trial_id = path.parent.name.removeprefix("trial_")
        state, problem = _load_object(path)
        if problem is None:
            try:
                trials[trial_id] = Trial.from_state(state)
                continue
            except (KeyError, TypeError, ValueError, AttributeError):
                problem = message("search_state.not_a_trial")
        damaged[trial_id] = problem
    return trials, damaged


def _oracle_disagreement(state: dict[str, Any], template: dict[str, Any], trials: dict[str, Trial], damaged: set[str]) -> str | None:
    """Why a readable `oracle.json` cannot be reloaded as it is: its problem in words ("not an oracle's
    state"), or `BEHIND` when it disagrees with the whole trial records (a trial it does not know, a finished trial it
    would run again, an unfinished one it would never finish); None when it agrees. What it says of
    the `damaged` trials cannot be checked."""
    if not template.keys() <= state.keys():
        return message("search_state.not_an_oracle")
    try:
        started, ended = set(state["start_order"]) - damaged, set(state["end_order"]) - damaged
        waiting = (set(state["ongoing_trials"].values()) | set(state["retry_queue"])) - damaged
    except (TypeError, AttributeError):
        return message("search_state.not_an_oracle")
    finished = {trial_id for trial_id, trial in trials.items() if trial.status in ENDED}
    return None if started == set(trials) and ended == finished and waiting == set(trials) - finished else BEHIND


def _rebuilt_oracle_state(template: dict[str, Any], trials: dict[str, Trial], draws: int) -> dict[str, Any]:
    """An oracle's state for `trials`, from a new oracle's (`template`): ended trials stay ended,
    the others wait to run again, and the random draws of `draws` trials are skipped so that new
    trials do not draw the hyperparameters of earlier ones."""
    ordered = sorted(trials, key=_number)
    ended = [trial_id for trial_id in ordered if trials[trial_id].status in ENDED]
    space = trials[ordered[-1]].hyperparameters.get_config()["space"]  # the oracle's search space, as its newest trial saw it
    return {
        **template,
        "hyperparameters": {"space": space, "values": {}},
        "start_order": ordered,
        "end_order": ended,
        "run_times": dict.fromkeys(ended, 1),
        "ongoing_trials": {},
        "retry_queue": [trial_id for trial_id in ordered if trial_id not in ended],
        "seed_state": template["seed_state"] + draws * len(space),  # keras-tuner draws each hyperparameter with its own seed
    }


def _move_aside(folder: Path, trial_id: str) -> Path:
    """Move a damaged trial's folder into `damaged/` (a new name there if an earlier one took it)."""
    aside = folder / DAMAGED_FOLDER / f"trial_{trial_id}"
    attempt = 0
    while aside.exists():
        attempt += 1
        aside = aside.with_name(f"trial_{trial_id}-{attempt}")
    aside.parent.mkdir(exist_ok=True)
    shutil.move(folder / f"trial_{trial_id}", aside)
    return aside


def _oracle_problem_in_words(path: Path, problem: str) -> str:
    """ "runs/search/search/oracle.json was damaged (cut short)": what a repair line says first of `oracle.json`."""
    if problem in (MISSING, BEHIND):
        return message({MISSING: "search_state.oracle_missing", BEHIND: "search_state.oracle_behind"}[problem], path=path)
    return message("search_state.oracle_damaged", path=path, problem=problem)


def _rewrite_tuner_record(path: Path, problem: str) -> list[str]:
    write_json(path, {})  # keras-tuner's tuners keep no state of their own (`BaseTuner.get_state`)
    if problem == MISSING:
        return [message("search_state.tuner_missing", path=path)]
    return [message("search_state.tuner_damaged", path=path, problem=problem)]


def _number(trial_id: str) -> int:
    return int(trial_id) if trial_id.isdigit() else -1
