"""The command line: listing, one-line errors for bad input, and a real lab run with everything it keeps."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from cli import cli

REPOSITORY = Path(__file__).resolve().parent.parent


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_list_names_every_step_with_its_original_accuracy() -> None:
    result = invoke("list")
    assert result.exit_code == 0
    for lab_id, accuracy in [("10-1", "0.9000"), ("10-2", "0.9455"), ("10-3", "0.9783"), ("10-4", "0.9742"), ("10-5", "0.9804")]:
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
        (["lab", "10-9"], "unknown lab '10-9'; valid: 10-1, 10-2, 10-3, 10-4, 10-5, 10-6, 10-7, 10-8, 10-X1, beyond, speedrun, activations"),
        (["lab", "10-1", "--epochs", "0"], "epochs must be an integer ≥ 1, got 0"),
        (["lab", "10-1", "--batch-size", "0"], "batch_size must be an integer from 1 to 55000 (the training set's size), got 0"),
        (["lab", "10-1", "--batch-size", "60000"], "batch_size must be an integer from 1 to 55000 (the training set's size), got 60000"),
        (["lab", "10-1", "--learning-rate", "0"], "learning_rate must be a number > 0, got 0.0"),
        (["lab", "10-1", "--learning-rate", "inf"], "learning_rate must be a finite number > 0, got inf"),
        (["lab", "10-1", "--learning-rate", "nan"], "learning_rate must be a finite number > 0, got nan"),
        (["lab", "10-1", "--seed", "-1"], "seed must be an integer from 0 to 4294967295, got -1"),
        (["lab", "10-1", "--epochs", "many"], "'many' is not a valid integer"),
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
        ('{"model": {"widths": 512}}', "model.widths must be a list of hidden layer widths, each an integer ≥ 1 (e.g. [512, 512]), got 512"),
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


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["lab", "10-4", "--resume", "--epochs", "3"], "--resume continues the run with its own configuration; leave out --epochs"),
        (["lab", "10-6", "--resume"], "10-6 cannot be resumed: only the steps that train one model can"),
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
    assert "Training on CPU" in output
    assert "Compiled with XLA, float32, a 550-batch epoch in 11 calls" in output  # paused for the diagnostics
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
