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

import json
import shutil
from pathlib import Path
from typing import Any

import keras_tuner
from keras_tuner.engine.trial import Trial, TrialStatus

from tfmlp.files import write_json

ORACLE_FILE = "oracle.json"
DAMAGED_FOLDER = "damaged"  # where the folders of unreadable trials are kept (keras-tuner reads only trial_*)
# A trial in one of these states has ended: keras-tuner lists it in the oracle's `end_order` and never runs it again.
ENDED = (TrialStatus.COMPLETED, TrialStatus.FAILED)
# What a repair line says of `oracle.json`, by problem; any other (what `_load_object` finds) reads "was damaged (cut short)".
ORACLE_PROBLEMS = {
    "missing": "was missing",
    "behind": "did not match the trial records (the search stopped between two of keras-tuner's writes)",
}


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
        return _rewrite_tuner_record(tuner_record, tuner_problem) if tuner_problem not in (None, "missing") else []
    trials, damaged = _read_trials(folder)
    oracle_file = folder / ORACLE_FILE
    oracle_state, oracle_problem = _load_object(oracle_file)
    template = oracle.get_state()
    oracle_problem = oracle_problem or _oracle_disagreement(oracle_state, template, trials, set(damaged))
    if tuner_problem == "missing" and not any(trial.status in ENDED for trial in trials.values()):
        return []  # keras-tuner starts over, as it always has: nothing had finished
    if not (damaged or oracle_problem or tuner_problem):
        return []
    ended_before = set(oracle_state["end_order"]) if oracle_problem in (None, "behind") else None

    repairs = []
    highest = max(map(_number, trials), default=-1)
    for trial_id, problem in sorted(damaged.items(), key=lambda item: _number(item[0])):
        kept = _move_aside(folder, trial_id)
        if _number(trial_id) < highest:
            trials[trial_id] = Trial(keras_tuner.HyperParameters(), trial_id=trial_id, status=TrialStatus.FAILED, message="record damaged")
            trial_file(folder, trial_id).parent.mkdir()
            write_json(trial_file(folder, trial_id), trials[trial_id].get_state())
            done = f"trial {trial_id} is counted as failed, so that the trials after it keep their numbers"
        elif ended_before is None:
            done = f"trial {trial_id} runs again as a new trial"
        elif trial_id in ended_before:
            done = f"trial {trial_id} had finished, but its score is lost; a new trial {trial_id} runs in its place"
        else:
            done = f"trial {trial_id} had not finished; it runs again as a new trial"
        repairs.append(f"{trial_file(folder, trial_id)} was damaged ({problem}): {done} (the damaged folder is kept in {kept})")

    what = ORACLE_PROBLEMS.get(oracle_problem, f"was damaged ({oracle_problem})")
    if not trials:
        tuner_record.unlink(missing_ok=True)  # keras-tuner then starts the search over, writing every file anew
        damage = f"{oracle_file} {what}, and no trial record is whole" if oracle_problem else f"{folder} holds no whole trial record"
        return [*repairs, f"{damage}: the search starts over"]
    if oracle_problem or damaged:
        write_json(oracle_file, _rebuilt_oracle_state(template, trials, draws=max([highest, *map(_number, damaged)]) + 1))
    if oracle_problem:
        finished = sum(trial.status == TrialStatus.COMPLETED for trial in trials.values())
        unfinished = sorted((trial_id for trial_id, trial in trials.items() if trial.status not in ENDED), key=_number)
        again = f"; unfinished trial {', '.join(unfinished)} runs again" if unfinished else ""
        repairs.append(f"{oracle_file} {what}; rebuilt it from {finished} finished trial{'s' if finished != 1 else ''}{again}")
    if tuner_problem:
        repairs += _rewrite_tuner_record(tuner_record, tuner_problem)
    return repairs


def _load_object(path: Path) -> tuple[dict[str, Any] | None, str | None]:
    """The JSON object in `path`, or None and what is wrong with the file ("cut short", "missing", ...)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, "missing"
    except UnicodeDecodeError:
        return None, "not text"
    except OSError as error:
        return None, f"unreadable: {error.strerror}"
    if not text.strip():
        return None, "empty"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        return None, "cut short" if _ends_inside_a_value(text, error) else "not JSON"
    return (data, None) if isinstance(data, dict) else (None, "not a JSON object")


def _ends_inside_a_value(text: str, error: json.JSONDecodeError) -> bool:
    """Whether JSON that failed to parse is whole JSON cut short: the parser ran out of text, or out
    of a string, or stopped at a last token cut in the middle ("fal", "nul", "0.", "1e-")."""
    rest = text.rstrip()[error.pos :]
    return error.msg.startswith("Unterminated string") or (len(rest) < len("false") and not set(rest) & set('{}[],:" \t\n'))


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
                problem = "not a trial's record"
        damaged[trial_id] = problem
    return trials, damaged


def _oracle_disagreement(state: dict[str, Any], template: dict[str, Any], trials: dict[str, Trial], damaged: set[str]) -> str | None:
    """Why a readable `oracle.json` cannot be reloaded as it is: "not an oracle's state", or "behind"
    when it disagrees with the whole trial records (a trial it does not know, a finished trial it
    would run again, an unfinished one it would never finish); None when it agrees. What it says of
    the `damaged` trials cannot be checked."""
    if not template.keys() <= state.keys():
        return "not an oracle's state"
    try:
        started, ended = set(state["start_order"]) - damaged, set(state["end_order"]) - damaged
        waiting = (set(state["ongoing_trials"].values()) | set(state["retry_queue"])) - damaged
    except (TypeError, AttributeError):
        return "not an oracle's state"
    finished = {trial_id for trial_id, trial in trials.items() if trial.status in ENDED}
    return None if started == set(trials) and ended == finished and waiting == set(trials) - finished else "behind"


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


def _rewrite_tuner_record(path: Path, problem: str) -> list[str]:
    write_json(path, {})  # keras-tuner's tuners keep no state of their own (`BaseTuner.get_state`)
    what = "was missing (the search stopped between two of keras-tuner's writes)" if problem == "missing" else f"was damaged ({problem})"
    return [f"{path} {what}; wrote it again (a tuner's record holds nothing else)"]


def _number(trial_id: str) -> int:
    return int(trial_id) if trial_id.isdigit() else -1
