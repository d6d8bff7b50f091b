"""The command line: listing, one-line errors for bad input, and a real lab run with everything it keeps."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import numpy as np
import pytest
from click.testing import CliRunner

import labs
from cli import cli, run_lab
from tfmlp.data import MnistArrays

REPOSITORY = Path(__file__).resolve().parent.parent


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_list_names_every_step_with_its_original_accuracy() -> None:
    result = invoke("list")
    assert result.exit_code == 0
    for lab_id, accuracy in [("10-1", "0.9035"), ("10-2", "0.9455"), ("10-3", "0.9783"), ("10-4", "0.9742"), ("10-5", "0.9804")]:
        assert re.search(rf"^{lab_id}\s+{accuracy}\s+\S", result.output, re.MULTILINE)


def test_list_and_help_never_import_tensorflow() -> None:
    script = (
        "import sys; from click.testing import CliRunner; from cli import cli; "
        "assert CliRunner().invoke(cli, ['list']).exit_code == 0; "
        "assert CliRunner().invoke(cli, ['lab', '--help']).exit_code == 0; "
        "assert 'tensorflow' not in sys.modules, 'tensorflow was imported'"
    )
    completed = subprocess.run([sys.executable, "-c", script], cwd=REPOSITORY, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["lab", "10-9"],
            "unknown lab '10-9'; valid: 10-1, 10-2, 10-3, 10-4, 10-5, 10-6, 10-7, 10-8, 10-X1, beyond, speedrun, activations",
        ),
        (["lab", "10-1", "--epochs", "0"], "epochs must be an integer ≥ 1, got 0"),
        (["lab", "10-1", "--batch-size", "0"], "batch_size must be an integer from 1 to 55000 (the training set's size), got 0"),
        (["lab", "10-1", "--batch-size", "60000"], "batch_size must be an integer from 1 to 55000 (the training set's size), got 60000"),
        (["lab", "10-1", "--learning-rate", "0"], "learning_rate must be a number > 0, got 0.0"),
        (["lab", "10-1", "--learning-rate", "inf"], "learning_rate must be a finite number > 0, got inf"),
        (["lab", "10-1", "--learning-rate", "nan"], "learning_rate must be a finite number > 0, got nan"),
        (["lab", "10-1", "--seed", "-1"], "seed must be an integer from 0 to 4294967295, got -1"),
        (["lab", "10-1", "--epochs", "many"], "'many' is not a valid integer"),
        (
            ["lab", "10-X1", "--epochs", "1"],
            "10-X1 does not use --epochs; of the training options it takes --batch-size, --learning-rate, --seed,",
        ),
        (["lab", "10-1", "--data-dir", "/no/such/folder"], "Directory '/no/such/folder' does not exist"),
        (["lab"], "Missing argument 'LAB_ID'"),
        (["train"], "No such command 'train'"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(args: list[str], message: str) -> None:
    result = invoke(*args)
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0, result.output
    assert result.output.startswith("Error: ") and message in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not valid JSON (Expecting property name enclosed in double quotes at line 1)"),
        ('{"model": {"widths": [64]}, "optimiser": "adam"}', "has keys no lab configuration has: optimiser"),
        ("[1, 2]", "must hold a JSON object of lab configuration fields, got list [1, 2]"),
        ('{"model": "big"}', "model must be an object of fields, got 'big'"),
        ('{"model": {"width": [64]}}', "model has no field 'width'; its fields: widths, activation, kernel_init, bias_init,"),
        ('{"model": {"widths": [512, "a"]}}', "model.widths must be a list of hidden layer widths, each an integer ≥ 1"),
        (
            '{"model": {"widths": 512}}',
            "model.widths must be a list of hidden layer widths, each an integer ≥ 1 (e.g. [512, 512]), got 512",
        ),
        ('{"model": {"dropout_rate": 1.0}}', "model.dropout_rate must be a number in [0, 1), got 1.0"),
        ('{"model": {"dropout_rate": -0.1}}', "model.dropout_rate must be a number in [0, 1), got -0.1"),
        ('{"model": {"dropout_rate": "0.3"}}', "model.dropout_rate must be a finite number in [0, 1), got '0.3'"),
        ('{"model": {"batch_norm": "yes"}}', "model.batch_norm must be true or false, got 'yes'"),
        ('{"model": {"activation": "swishy"}}', "model.activation must be a Keras activation name such as relu, leaky_relu"),
        ('{"model": {"kernel_init": "glorot"}}', "model.kernel_init must be one of normal, small_normal, truncated_normal, xavier, he"),
        ('{"model": {"dropout_type": "gaussian"}}', "model.dropout_type must be one of standard, alpha, got 'gaussian'"),
        ('{"train": {"optimizer": "adamw"}}', "train.optimizer must be one of sgd, momentum, adagrad, adadelta, rmsprop, adam"),
        ('{"train": {"epochs": 0}}', "train.epochs must be an integer ≥ 1, got 0"),
        ('{"train": {"epochs": "5"}}', "train.epochs must be an integer ≥ 1, got '5'"),
        ('{"train": {"epochs": 2.5}}', "train.epochs must be an integer ≥ 1, got 2.5"),
        ('{"train": {"epochs": true}}', "train.epochs must be an integer ≥ 1, got True"),
        ('{"train": {"learning_rate": 1e999}}', "train.learning_rate must be a finite number > 0, got inf"),
        ('{"train": {"batch_size": 60000}}', "train.batch_size must be an integer from 1 to 55000 (the training set's size), got 60000"),
        ('{"train": {"seed": null}}', "train.seed must be an integer from 0 to 4294967295, got None"),
        ('{"train": {"deterministic": "no"}}', "train.deterministic must be true or false, got 'no'"),
        ('{"model": {"widths": [1000000, 1000000, 1000000]}}', "the network needs about 32"),
        (
            '{"model": {"widths": ' + "[" * 500 + "]" * 500 + "}}",
            "model.widths must be a list of hidden layer widths, each an integer ≥ 1 (e.g. [512, 512]), got [[[[...]]]]",
        ),
    ],
)
def test_a_bad_config_file_is_one_line_and_exit_code_2(content: str, message: str, tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(content)
    result = invoke("lab", "custom", "--config", str(config), "--logdir", str(tmp_path / "runs"))
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0, result.output
    assert result.output.startswith("Error: ") and message in result.output
    assert not (tmp_path / "runs").exists(), "a refused configuration must leave no run behind"


NESTED_TOO_DEEPLY = "[" * 100_000 + "]" * 100_000  # Python's JSON parser would end in a RecursionError


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (NESTED_TOO_DEEPLY.encode(), "nests its JSON too deeply to read; a {what} is an object of fields a few levels deep"),
        (
            ('{"model": ' + NESTED_TOO_DEEPLY + "}").encode(),
            "nests its JSON too deeply to read; a {what} is an object of fields a few levels deep",
        ),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "is not a text file of JSON (byte 0 is not UTF-8)"),
    ],
    ids=["nested-too-deeply", "a-field-nested-too-deeply", "binary"],
)
@pytest.mark.parametrize(
    ("command", "what"), [(["lab", "custom", "--config"], "lab configuration"), (["tune", "--space"], "search space")], ids=["lab", "tune"]
)
def test_a_config_file_that_is_no_json_object_is_one_line_naming_it(
    content: bytes, message: str, command: list[str], what: str, tmp_path: Path
) -> None:
    path = tmp_path / "file.json"
    path.write_bytes(content)
    result = invoke(*command, str(path), "--logdir", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert result.output.strip() == f"Error: {path} {message.format(what=what)}"
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["lab", "10-4", "--resume", "--epochs", "3"], "--resume continues the run with its own configuration; leave out --epochs"),
        (
            ["lab", "10-6", "--resume"],
            "10-6 does not use --resume; of the training options it takes --epochs, --batch-size, --learning-rate",
        ),
        (["lab", "10-4", "--resume", "--seed", "0"], "--resume continues the run with its own configuration; leave out --seed"),
        (["lab", "10-4", "--resume", "--logdir", "/no/such/runs"], "no unfinished run of 10-4 under /no/such/runs to resume"),
        (["lab", "10-4", "--resume", "/"], "/ is not a run folder (it has no config.json)"),
        (["predict", "/"], "Missing argument 'IMAGES...'"),
        (["predict", "/", "/no/such.png"], "File '/no/such.png' does not exist"),
        (["predict", "/", __file__], "/ has no model.keras: give the folder of a finished lab run"),
        (["evaluate", "/"], "/ has no model.keras"),
        (["tune", "--tuner", "grid"], "'grid' is not one of 'random', 'bayesian', 'hyperband'"),
        (["tune", "--space", "/no/such.json"], "cannot read /no/such.json: No such file or directory"),
        (["tune", "--seed", "-1"], "Invalid value for '--seed': -1 is not in the range 0<=x<=4294967295"),
    ],
)
def test_bad_resume_predict_and_tune_input_is_one_line_and_exit_code_2(args: list[str], message: str) -> None:
    result = invoke(*args)
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0, result.output
    assert result.output.startswith("Error: ") and message in result.output


def test_every_option_of_lab_is_one_a_step_declares_it_uses_or_not() -> None:
    """A new option of `cli.py lab` must be added to `labs.LAB_OPTIONS`, or the steps with their own run would drop it unseen."""
    where_to = {"logdir", "data_dir", "tfds_dir"}  # where a run reads and writes: every step
    options = {"config" if param.name == "config_file" else param.name for param in run_lab.params if isinstance(param, click.Option)}
    assert options - where_to == set(labs.LAB_OPTIONS)
    assert all(set(lab.options) <= set(labs.LAB_OPTIONS) for lab in labs.all_labs())


def distinct_values(lab: labs.Lab) -> dict[str, object]:
    """A value per training option that differs from every step's default, so that one dropped shows."""
    return {
        "epochs": lab.config.train.epochs + 1,
        "batch_size": 50,
        "learning_rate": 0.004,
        "seed": 5,
        "precision": "float32",
        "deterministic": True,
    }


def as_arguments(values: dict[str, object]) -> list[str]:
    return [
        part
        for option, value in values.items()
        for part in ([labs.option_flag(option)] if value is True else [labs.option_flag(option), str(value)])
    ]


UNUSED = [
    pytest.param(lab.id, option, id=f"{lab.id}-{option}")
    for lab in labs.all_labs()
    for option in labs.LAB_OPTIONS
    if option not in lab.options
]


def test_the_step_that_trains_by_steps_refuses_epochs() -> None:
    """The case that recorded "1 epochs" for a run of 10,000 steps; and only steps with their own run refuse anything."""
    assert ("10-X1", "epochs") in [tuple(case.values) for case in UNUSED]
    assert {case.values[0] for case in UNUSED} == {lab.id for lab in labs.all_labs() if not lab.single_model}


@pytest.mark.parametrize(("lab_id", "option"), UNUSED)
def test_an_option_a_step_does_not_use_is_refused_naming_both(lab_id: str, option: str, tmp_path: Path) -> None:
    lab = labs.get_lab(lab_id)
    config = tmp_path / "config.json"
    config.write_text(json.dumps(lab.config.to_dict()))
    values = {**distinct_values(lab), "seeds": 2, "resume": True, "config": config}
    result = invoke("lab", lab_id, *as_arguments({option: values[option]}), "--logdir", str(tmp_path / "runs"))
    assert result.exit_code == 2
    takes = ", ".join(map(labs.option_flag, lab.options))
    assert result.output.strip() == f"Error: {lab_id} does not use {labs.option_flag(option)}; of the training options it takes {takes}"
    assert not (tmp_path / "runs").exists(), "a refused option must leave no run behind"


class Recorded(Exception):
    """Raised right after a run wrote its config.json: what it records is on disk, and nothing trained."""


@pytest.fixture
def stop_once_recorded(monkeypatch: pytest.MonkeyPatch, mnist: MnistArrays) -> None:
    """Every step's run writes its config.json through `tfmlp.runner.start_run`: stop there."""
    from tfmlp import runner

    write = runner.write_json

    def write_then_stop(path: Path, data: object) -> None:
        write(path, data)
        raise Recorded

    monkeypatch.setattr(runner, "write_json", write_then_stop)
    monkeypatch.setattr(runner, "read_mnist", lambda *args: mnist)  # read once for the session, not once per run


def recorded_training(lab_id: str, arguments: list[str], runs: Path) -> list[dict]:
    """The training sections a run of `lab LAB_ID ARGUMENTS` records: one, or one per variant of a comparison."""
    result = invoke("lab", lab_id, *arguments, "--logdir", str(runs))
    assert isinstance(result.exception, Recorded), result.output
    (run,) = runs.glob("*/*/config.json")
    config = json.loads(run.read_text())
    return [variant["train"] for variant in config["variants"].values()] if "variants" in config else [config["train"]]


@pytest.mark.parametrize("lab", labs.all_labs(), ids=lambda lab: lab.id)
def test_the_options_a_step_uses_are_what_its_run_records(lab: labs.Lab, stop_once_recorded: None, tmp_path: Path) -> None:
    """Given at once, each training option a step uses is in its config.json (in some variant's, for a
    comparison whose variants shift a value: the optimizers' learning rates, the ensemble members' seeds)."""
    values = {option: value for option, value in distinct_values(lab).items() if option in lab.options}
    seeds = ["--seeds", "2"] if "seeds" in lab.options else []  # the first seed's run is recorded before the second starts
    trains = recorded_training(lab.id, [*as_arguments(values), *seeds], tmp_path / "options")
    for option, value in values.items():
        assert value in [train[option] for train in trains], option
    if "config" in lab.options:
        changed = lab.config.with_training(epochs=lab.config.train.epochs + 2, batch_size=40)
        saved = tmp_path / "config.json"
        saved.write_text(json.dumps(changed.to_dict()))
        trains = recorded_training(lab.id, ["--config", str(saved)], tmp_path / "config")
        assert {(train["epochs"], train["batch_size"]) for train in trains} == {(lab.config.train.epochs + 2, 40)}


@pytest.mark.parametrize("lab_id", [lab.id for lab in labs.all_labs() if lab.default_seeds is not None])
def test_a_comparison_over_seeds_trains_every_variant_over_them_in_one_run(lab_id: str, stop_once_recorded: None, tmp_path: Path) -> None:
    """`--seeds N` reaches such a comparison whole (one run, every variant from N seeds), not as N runs of it;
    without it, the comparison's own default."""
    for arguments, seeds in ([["--seeds", "2"], 2], [[], labs.get_lab(lab_id).default_seeds]):
        runs = tmp_path / str(seeds)
        invoke("lab", lab_id, *arguments, "--logdir", str(runs))
        (config,) = runs.glob("*/*/config.json")
        assert json.loads(config.read_text())["seeds"] == seeds


def test_an_empty_data_folder_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    empty = tmp_path / "MNIST_data"
    empty.mkdir()
    result = invoke("lab", "10-1", "--data-dir", str(empty), "--tfds-dir", str(tmp_path / "tfds"), "--logdir", str(tmp_path / "runs"))
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1].startswith(f"Error: MNIST folder {empty} lacks ")
    assert "train-images-idx3-ubyte.gz" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "runs").exists()


def test_a_corrupted_data_folder_is_one_line_and_exit_code_2(mnist_copy: Path, tmp_path: Path) -> None:
    damaged = mnist_copy / "train-labels-idx1-ubyte.gz"
    damaged.write_bytes(damaged.read_bytes()[:-100])
    result = invoke("lab", "10-1", "--data-dir", str(mnist_copy), "--tfds-dir", str(tmp_path / "tfds"), "--logdir", str(tmp_path / "runs"))
    assert result.exit_code == 2
    last_line = result.output.strip().splitlines()[-1]
    assert last_line == f"Error: {damaged} does not match the official MNIST checksum (corrupted or truncated?): restore the original file"
    assert not (tmp_path / "runs").exists()


def test_an_unwritable_runs_folder_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    result = invoke("lab", "10-1", "--epochs", "1", "--logdir", str(blocker / "runs"))
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1].startswith("Error: cannot write the run:")
    assert "Traceback" not in result.output


def test_a_lab_prints_the_original_output_and_keeps_its_run(tmp_path: Path) -> None:
    result = invoke("lab", "10-1", "--epochs", "2", "--logdir", str(tmp_path))
    assert result.exit_code == 0, result.output
    output = result.output
    from tfmlp.config import TrainConfig
    from tfmlp.training import place

    placement = place()  # what this machine offers: a CPU with or without AMX, one GPU, ...
    assert f"Training on {placement.description}" in output
    if placement.plan(TrainConfig(precision="float32")).whole_epochs:  # 10-1's one layer, the logits, is float32 on any machine
        assert "Compiled with XLA, float32, a 550-batch epoch in 11 calls" in output  # paused for the diagnostics
    else:  # a GPU: Keras's "auto" XLA, Keras's steps_per_execution loop
        assert re.search(r"^Compiled with(out)? XLA, float32, \d+ batch(es)? per call$", output, re.MULTILINE)
    assert re.search(r"^Epoch: 0001 cost = \d+\.\d{9}$", output, re.MULTILINE)
    assert re.search(r"^Epoch: 0002 cost = \d+\.\d{9}$", output, re.MULTILINE)
    assert "Learning Finished!" in output
    accuracy = float(re.search(r"^Accuracy: (0\.\d{4})$", output, re.MULTILINE).group(1))
    label = int(re.search(r"^Label: (\d)$", output, re.MULTILINE).group(1))
    prediction = int(re.search(r"^Prediction: (\d)$", output, re.MULTILINE).group(1))
    assert 0 <= label <= 9 and 0 <= prediction <= 9

    (run,) = (tmp_path / "10-1").iterdir()
    config = json.loads((run / "config.json").read_text())
    assert config["lab"] == "10-1" and config["train"]["epochs"] == 2 and config["model"]["kernel_init"] == "normal"
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["test_accuracy"] == pytest.approx(accuracy, abs=5e-5)
    assert len(metrics["history"]["val_accuracy"]) == 2
    assert list((run / "train").glob("events.out.tfevents.*"))
    assert list((run / "validation").glob("events.out.tfevents.*"))
    (digit,) = run.glob("test_digit_*.png")
    assert digit.stat().st_size > 100

    import keras

    model = keras.models.load_model(run / "model.keras")
    index = int(digit.stem.removeprefix("test_digit_"))
    from tfmlp.data import read_mnist

    assert int(np.argmax(model.predict(read_mnist().test.images[index : index + 1], verbose=0))) == prediction


def test_plot_activations_writes_the_figure(tmp_path: Path) -> None:
    output = tmp_path / "figures" / "activations.png"
    result = invoke("plot", "activations", "--output", str(output))
    assert result.exit_code == 0, result.output
    assert output.read_bytes().startswith(b"\x89PNG") and output.stat().st_size > 10_000


def test_an_unknown_figure_is_one_line_and_exit_code_2() -> None:
    result = invoke("plot", "weights")
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0 and "'weights' is not 'activations'" in result.output


def test_a_run_builds_its_model_once(tmp_path: Path) -> None:
    """The checks before a run's folder exists build nothing: the one model built is the one trained."""
    from tfmlp.config import LabConfig, ModelConfig, TrainConfig
    from tfmlp.models import mlp_from_config
    from tfmlp.runner import RunOptions, run_lab

    built = []

    def build(model: ModelConfig) -> Any:
        built.append(model)
        return mlp_from_config(model)

    config = LabConfig(ModelConfig(widths=(32,), kernel_init="xavier", bias_init="zeros"), TrainConfig(epochs=1, batch_size=500))
    run_lab("custom", config, build, RunOptions(runs_root=tmp_path))
    assert len(built) == 1


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("10_2", "10-2"),
        ("10.4", "10-4"),
        ("102", "10-2"),
        ("10 x1", "10-X1"),
        ("activation", "activations"),
        ("batch_sizes", "batch-sizes"),
        ("loss", "losses"),
    ],
)
def test_an_unknown_id_suggests_the_closest(typed: str, meant: str) -> None:
    result = invoke("lab", typed)
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: unknown lab '{typed}'; valid: 10-1")
    assert result.output.strip().endswith(f"; did you mean {meant}?")


def test_no_suggestion_when_nothing_is_close() -> None:
    assert invoke("lab", "10-9").output.strip().endswith(", ".join(lab.id for lab in labs.all_labs()[-2:]))


def test_runs_lists_each_runs_folder_and_counts_epochs_and_steps_in_words(tmp_path: Path) -> None:
    from tfmlp.config import LabConfig
    from tfmlp.files import write_json

    one_epoch = tmp_path / "10-3" / "20261124-120000"
    hand_trained = tmp_path / "10-X1" / "20261124-130000"
    for run, config, extra in [
        (one_epoch, LabConfig().with_training(epochs=1), {}),
        (hand_trained, labs.get_lab("10-X1").config, {"steps": 10_000}),
    ]:
        run.mkdir(parents=True)
        write_json(run / "config.json", {"lab": run.parent.name, **config.to_dict(), **extra})
        write_json(run / "metrics.json", {"lab": run.parent.name, "status": "finished", "test_accuracy": 0.9, "train_seconds": 3.0})
    result = invoke("runs", "--logdir", str(tmp_path))
    assert result.exit_code == 0, result.output
    header, newest, oldest = result.output.splitlines()
    assert re.match(r"lab +started +accuracy +seconds +folder +hyperparameters$", header)
    assert f"  {hand_trained}  " in newest and newest.endswith("batch 10, 10000 steps, seed 777") and "epoch" not in newest
    assert f"  {one_epoch}  " in oldest and oldest.endswith("batch 100, 1 epoch, seed 777")
    assert header.index("folder") == newest.index(str(hand_trained)) == oldest.index(str(one_epoch)), "one column"


def test_runs_names_beyonds_distortions_and_reads_runs_saved_before_the_elastic_ones() -> None:
    from tfmlp.runs import describe_config

    beyond = labs.get_lab("beyond").config.to_dict()
    assert "augmentation 0.1/0.03/0.1, elastic 20/4, adam" in describe_config(beyond)
    before = {**beyond, "model": {name: value for name, value in beyond["model"].items() if "elastic" not in name}}
    assert "augmentation 0.1/0.03/0.1, adam" in describe_config(before)
