"""Command line for the lab 10 steps: `python cli.py list`, `python cli.py lab 10-4`.

This file only parses options; `labs` holds the recipes and `tfmlp` does the work. TensorFlow is
imported only by the commands that need it, started quietly once their options are parsed, so
`--help`, `list` and a bad option answer at once.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

import labs
from tfmlp.config import MAX_SEED, PRECISIONS


class _UserError(click.ClickException):
    """Bad input that is not a malformed command line (bad data folder, unwritable runs folder)."""

    exit_code = 2


class _RunFailed(click.ClickException):
    """The run started but could not finish (training diverged); its folder says so."""

    exit_code = 1


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


class _OneLineErrors(click.Group):
    """Reports every bad input as one `Error: ...` line with exit code 2, never a usage dump or traceback."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        signal.signal(signal.SIGTERM, _interrupt)  # `kill` ends a run as Ctrl-C does: saved, resumable
        try:
            result = super().main(*args, standalone_mode=False, **kwargs)
        except click.exceptions.NoArgsIsHelpError as error:
            click.echo(error.ctx.get_help() if error.ctx else str(error))
            sys.exit(0)
        except click.ClickException as error:
            click.echo(f"Error: {error.format_message()}", err=True)
            sys.exit(2 if isinstance(error, click.UsageError) else error.exit_code)
        except (click.exceptions.Abort, KeyboardInterrupt) as error:  # click turns Ctrl-C into Abort
            click.echo(str(error.__cause__ or error) or "Interrupted.", err=True)
            sys.exit(130)
        sys.exit(result if isinstance(result, int) else 0)


class _NeedsTensorFlow(click.Command):
    """A command that trains or loads models. TensorFlow starts here, quietly and with XLA's compile
    cache (`tfmlp.startup`), after the options are parsed and before the command imports it."""

    def invoke(self, ctx: click.Context) -> Any:
        from tfmlp.startup import start_tensorflow_quietly

        start_tensorflow_quietly()
        return super().invoke(ctx)


@click.group(cls=_OneLineErrors)
def cli() -> None:
    """Lab 10 of "Deep Learning Zero To All": MNIST with ever better multi-layer perceptrons."""


@cli.command("list")
def list_labs() -> None:
    """List the lab steps with their original test accuracy ("beyond": a step beyond the course)."""
    steps = labs.all_labs()
    width = max(len(lab.id) for lab in steps)
    click.echo(f"{'id':<{width}} {'original':>8}  title")
    for lab in steps:
        original = f"{lab.original_accuracy:.4f}" if lab.original_accuracy is not None else "beyond" if lab.kind == "beyond" else "-"
        click.echo(f"{lab.id:<{width}} {original:>8}  {lab.title}")


@cli.command("explain")
@click.argument("lab_id")
@click.option("--lang", "language", type=click.Choice(labs.LANGUAGES), default="en", show_default=True, help="ko: 한국어.")
def explain(lab_id: str, language: str) -> None:
    """Print a step's lesson: what changed from the step before, why, the original figure, what to look at in TensorBoard."""
    try:
        lab = labs.get_lab(lab_id)
    except labs.UnknownLabError as error:
        raise click.UsageError(str(error)) from None
    click.echo(lab.explain(language))


@cli.command("lab", cls=_NeedsTensorFlow)
@click.argument("lab_id")
@click.option("--epochs", type=int, help="Training epochs (lab default: 15).")
@click.option("--batch-size", type=int, help="Examples per batch (lab default: 100).")
@click.option("--learning-rate", type=float, help="Optimizer learning rate (lab default: 0.001).")
@click.option("--seed", type=int, help="Seed for initialization and shuffling (lab default: 777).")
@click.option("--logdir", type=click.Path(file_okay=False, path_type=Path), help="Runs folder [default: runs].")
@click.option(
    "--data-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder with the four MNIST .gz files [default: MNIST_data].",
)
@click.option(
    "--tfds-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where tensorflow-datasets keeps prepared datasets [default: ~/tensorflow_datasets].",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Replay a saved configuration (a run's config.json, a search's best.json) instead of the lab's.",
)
@click.option("--deterministic", is_flag=True, default=None, help="Deterministic ops: two runs give bit-identical weights (slower).")
@click.option(
    "--precision",
    type=click.Choice(PRECISIONS),
    help="Matrix products in float32 or bfloat16 (weights stay float32) [lab default: auto, bfloat16 where the CPU has AMX].",
)
@click.option(
    "--resume",
    is_flag=False,
    flag_value="",
    metavar="[RUN_DIR]",
    help="Continue an interrupted run: RUN_DIR, or this lab's newest unfinished run.",
)
@click.option("--seeds", type=click.IntRange(min=1), help="Train N times, seeds --seed, --seed+1, ...; print mean ± std.")
def run_lab(
    lab_id: str,
    epochs: int | None,
    batch_size: int | None,
    learning_rate: float | None,
    seed: int | None,
    logdir: Path | None,
    data_dir: Path | None,
    tfds_dir: Path | None,
    config_file: Path | None,
    deterministic: bool | None,
    precision: str | None,
    resume: str | None,
    seeds: int | None,
) -> None:
    """Run one lab step by its id: `lab 10-4` (the ids: `list`)."""
    from tfmlp.config import LabConfig
    from tfmlp.runs import DEFAULT_RUNS_ROOT, resumable_run

    overrides = {"epochs": epochs, "batch_size": batch_size, "learning_rate": learning_rate, "seed": seed}
    training = {**overrides, "deterministic": deterministic, "precision": precision}
    given = [name for name, value in {**training, "seeds": seeds, "resume": resume, "config": config_file}.items() if value is not None]
    try:
        lab = labs.get_lab(lab_id)
        lab.refuse_unused(given)  # every option (labs.LAB_OPTIONS) honoured or refused, before anything runs
        if resume is None:
            base = LabConfig.load(config_file) if config_file else lab.config
            config, run = base.with_training(**training), None
        else:
            if named := [labs.option_flag(name) for name in given if name != "resume"]:
                raise ValueError(f"--resume continues the run with its own configuration; leave out {', '.join(named)}")
            run = resumable_run(logdir or DEFAULT_RUNS_ROOT, lab.id, Path(resume) if resume else None)
            config = LabConfig.load(run.config)
        from tfmlp.training import join_cluster

        join_cluster()  # a worker of a TF_CONFIG cluster, before TensorFlow runs anything (lab.check does)
        lab.check(config)
    except (labs.UnknownLabError, ValueError) as error:  # ConfigError is a ValueError
        raise click.UsageError(str(error)) from None
    click.echo(lab.heading)

    import tensorflow as tf

    from tfmlp.checkpoint import NoIntactEpoch
    from tfmlp.data import MnistDataError
    from tfmlp.files import FileNotWritten
    from tfmlp.runner import RunOptions
    from tfmlp.training import TrainingDiverged

    given_paths = {"runs_root": logdir, "mnist_dir": data_dir, "tfds_dir": tfds_dir}
    options = RunOptions(**{name: value for name, value in given_paths.items() if value is not None})
    first_seed = config.train.seed
    configs = [config] if seeds is None else [config.with_training(seed=first_seed + offset) for offset in range(seeds)]
    results = []
    try:
        for number, seeded in enumerate(configs, start=1):
            if seeds is not None:
                click.echo(f"--- seed {seeded.train.seed} ({number} of {seeds})")
            results.append(lab.run(seeded, options, run))
    except (MnistDataError, FileNotWritten) as error:  # FileNotWritten: where the last complete epoch is kept
        raise _UserError(str(error)) from None
    except NoIntactEpoch as error:  # only when resuming `run`
        raise _UserError(f"{error}; start the run again with python cli.py lab {lab.id} --config {run.config}") from None
    except TrainingDiverged as error:
        raise _RunFailed(f"{error}; the run is marked diverged in its metrics.json") from None
    except (MemoryError, tf.errors.ResourceExhaustedError):
        raise _RunFailed("out of memory while training: use fewer or narrower layers, or a smaller batch") from None
    except OSError as error:
        raise _UserError(f"cannot write the run: {error}") from None
    if seeds is not None:
        _print_spread(lab.id, first_seed, results)


def _print_spread(lab_id: str, first_seed: int, results: list[Any]) -> None:
    """Mean ± standard deviation over the seeds of `lab --seeds`."""
    from tfmlp.spread import Spread

    click.echo(f"\n{lab_id} over {len(results)} seeds ({first_seed}-{first_seed + len(results) - 1}):")
    click.echo(f"  test accuracy  {Spread.of([result.test_accuracy for result in results]).describe(4)}")
    click.echo(f"  train seconds  {Spread.of([result.train_seconds for result in results]).describe(1)}")


@cli.command("tune", cls=_NeedsTensorFlow)
@click.option("--tuner", type=click.Choice(["random", "bayesian", "hyperband"]), default="random", show_default=True)
@click.option("--max-trials", type=click.IntRange(min=1), default=20, show_default=True, help="Trials at most.")
@click.option("--epochs", type=click.IntRange(min=1), default=5, show_default=True, help="Epochs per trial.")
@click.option("--max-minutes", type=click.FloatRange(min=0, min_open=True), help="Wall-clock budget; the search ends cleanly.")
@click.option("--seed", type=click.IntRange(0, MAX_SEED), default=777, show_default=True)
@click.option("--logdir", type=click.Path(file_okay=False, path_type=Path), default=Path("runs/search"), show_default=True,
              help="The search's folder; rerun with the same one to resume.")
@click.option("--fresh", is_flag=True, help="Start over instead of resuming a search in --logdir.")
@click.option("--space", default="default", show_default=True,
              help='"default", "course" (ReLU family, Xavier/He, Adam, dropout), "beyond" (augmentation, schedule, weight decay, '
                   'epochs too) or a JSON file of fields to change, '
                   'e.g. {"depth": [2, 3], "optimizers": ["adam"]}.')
def tune(tuner: str, max_trials: int, epochs: int, max_minutes: float | None, seed: int, logdir: Path, fresh: bool, space: str) -> None:
    """Search MLP hyperparameters with keras-tuner on the validation split, then test the best once.

    Several processes or machines search together through keras-tuner's distributed mode: start
    each with KERASTUNER_ORACLE_IP and KERASTUNER_ORACLE_PORT (the chief's address), and
    KERASTUNER_TUNER_ID "chief" for one, another name for each worker, all on the same --logdir.
    """
    from tfmlp.tuning import load_space, search

    try:
        search_space = load_space(space)
    except (TypeError, ValueError) as error:
        raise click.UsageError(str(error)) from None
    from tfmlp.data import MnistDataError, read_mnist

    try:
        arrays = read_mnist()
    except MnistDataError as error:
        raise _UserError(str(error)) from None
    result = search(
        arrays, logdir, tuner=tuner, max_trials=max_trials, epochs=epochs, max_minutes=max_minutes, seed=seed, fresh=fresh, space=search_space
    )
    if result is None:  # a worker of a distributed search: the chief reports and saves
        click.echo(f"This worker is done: the oracle has no trial left. The chief tests and saves the best model in {logdir}.")
        return
    click.echo(f"\n{result.trials_run} trials finished. Top trials (validation accuracy; the test set was not used):")
    click.echo(f"{'trial':>5}  {'val acc':>7}  {'seconds':>7}  hyperparameters")
    for row in result.top:
        click.echo(f"{row['trial']:>5}  {row['val_accuracy']:>7.4f}  {row['seconds']:>7.1f}  {row['config']}")
    click.echo(f"Best model's test accuracy (its one look at the test set): {result.test_accuracy:.4f}")
    click.echo(f"Saved {logdir / 'best.keras'} and {logdir / 'best.json'}; replay: python cli.py lab custom --config {logdir / 'best.json'}")


@cli.command("runs")
@click.option("--logdir", type=click.Path(file_okay=False, path_type=Path), default=Path("runs"), show_default=True, help="Runs folder.")
@click.option("--lab", "lab_id", help="Only the runs of this lab, e.g. 10-4.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
def list_runs(logdir: Path, lab_id: str | None, fmt: str) -> None:
    """List past runs, newest first: lab, start, hyperparameters, test accuracy, seconds."""
    from tfmlp.results import rows_to_csv
    from tfmlp.runs import list_runs as find_runs

    if lab_id:
        try:
            lab_id = labs.get_lab(lab_id).id
        except labs.UnknownLabError as error:
            raise click.UsageError(str(error)) from None
    runs, damaged = find_runs(logdir, lab_id)
    _note_damaged(damaged)
    if fmt != "table":
        records = [run.record() for run in runs]
        click.echo(rows_to_csv(records) if fmt == "csv" else json.dumps(records, indent=2), nl=fmt == "json")
        return
    if not runs:
        click.echo(f"No runs under {logdir}{f' for {lab_id}' if lab_id else ''} yet.")
        return
    width = max(len(run.lab) for run in runs)
    click.echo(f"{'lab':<{width}}  {'started':<19}  {'accuracy':>8}  {'seconds':>7}  hyperparameters")
    for run in runs:
        accuracy = f"{run.test_accuracy:.4f}" if run.test_accuracy is not None else ("-" if run.status == "finished" else run.status)
        seconds = f"{run.train_seconds:.1f}" if run.train_seconds is not None else "-"
        click.echo(f"{run.lab:<{width}}  {run.started:<19}  {accuracy:>8}  {seconds:>7}  {run.hyperparameters}")


def _note_damaged(damaged: list[ValueError]) -> None:
    """One line per damaged run, on stderr, so that a listing on stdout stays whole (and parseable)."""
    for error in damaged:
        click.echo(f"{error}: the run is left out", err=True)


@cli.command("report")
@click.option("--logdir", type=click.Path(file_okay=False, path_type=Path), default=Path("runs"), show_default=True, help="Runs folder.")
@click.option("--output", type=click.Path(file_okay=False, path_type=Path), help="Folder for the report [default: --logdir].")
@click.option("--format", "fmt", type=click.Choice(["md", "csv", "json"]), default="md", show_default=True, help="The table's format.")
def report(logdir: Path, output: Path | None, fmt: str) -> None:
    """Every step's finished runs as mean ± std over seeds: results.md (or .csv/.json) and results.png."""
    from tfmlp.files import FileNotWritten
    from tfmlp.results import collect, to_markdown, write_report

    results, damaged = collect(logdir, {lab.id: lab.original_accuracy for lab in labs.all_labs()})
    _note_damaged(damaged)
    if not results:
        raise _UserError(f"no finished runs under {logdir} to report; run e.g. `python cli.py lab 10-4 --seeds 3`")
    click.echo(to_markdown(results), nl=False)
    try:
        written = write_report(results, output or logdir, fmt)
    except FileNotWritten as error:
        raise _UserError(str(error)) from None
    except OSError as error:  # the folder cannot be made
        raise _UserError(f"cannot write the report: {error}") from None
    click.echo(f"Wrote {' and '.join(map(str, written))}")


@cli.command("predict", cls=_NeedsTensorFlow)
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("images", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def predict(run_dir: Path, images: tuple[Path, ...]) -> None:
    """Read the digit in each image (PNG, JPEG; any size, dark or light paper) with a run's model."""
    from tfmlp.inference import load_run_model, predict_digits

    try:
        predictions = predict_digits(load_run_model(run_dir), list(images))
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    for prediction in predictions:
        click.echo(f"{prediction.path}: {prediction.digit} ({prediction.probability:.1%})")


@cli.command("evaluate", cls=_NeedsTensorFlow)
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
def evaluate(run_dir: Path) -> None:
    """Test a finished run's saved model again; exit 1 if the accuracy differs from its metrics.json."""
    from tfmlp.data import MnistDataError, read_mnist
    from tfmlp.inference import evaluate_run

    try:
        evaluation = evaluate_run(run_dir, read_mnist())
    except MnistDataError as error:
        raise _UserError(str(error)) from None
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    verdict = "matches" if evaluation.matches else "DIFFERS from"
    click.echo(f"Test accuracy {evaluation.test_accuracy:.4f} {verdict} the recorded {evaluation.recorded_accuracy:.4f}")
    if not evaluation.matches:
        raise _RunFailed(f"the saved model of {run_dir} no longer gives its recorded accuracy")


@cli.command("tensorboard", cls=_NeedsTensorFlow)
@click.option("--logdir", type=click.Path(file_okay=False, path_type=Path), default=Path("runs"), show_default=True, help="Runs folder.")
@click.option("--port", type=click.IntRange(1, 65535), default=6006, show_default=True, help="Port on localhost.")
def tensorboard(logdir: Path, port: int) -> None:
    """Start TensorBoard on the runs, at http://localhost:PORT/ (Ctrl-C stops it)."""
    from tfmlp.board import TensorBoardMissingError, serve

    try:
        serve(logdir, port)
    except TensorBoardMissingError as error:
        raise _UserError(str(error)) from None
    except KeyboardInterrupt:
        click.echo("TensorBoard stopped.")


@cli.command("draw", cls=_NeedsTensorFlow)
@click.option("--logdir", type=click.Path(file_okay=False, path_type=Path), default=Path("runs"), show_default=True, help="Runs folder.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port on localhost (0: any free one).")
def draw(logdir: Path, port: int) -> None:
    """Draw a digit and watch every step's network read it, at http://localhost:PORT/ (Ctrl-C stops it)."""
    from tfmlp.draw.server import serve

    try:
        serve(logdir, port)
    except OSError as error:
        raise _UserError(f"cannot serve the page on port {port}: {os.strerror(error.errno) if error.errno else error}") from None
    click.echo("Drawing page stopped.")


@cli.command("plot")
@click.argument("figure", type=click.Choice(["activations"]))
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The PNG to write [default: runs/plots/FIGURE.png].",
)
def plot(figure: str, output: Path | None) -> None:
    """Draw a figure of the course: `plot activations` (the functions and their derivatives)."""
    from tfmlp.files import FileNotWritten
    from tfmlp.plots import plot_activations

    output = output or Path("runs/plots") / f"{figure}.png"
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        click.echo(f"Saved {plot_activations(output)}")
    except FileNotWritten as error:
        raise _UserError(str(error)) from None
    except OSError as error:  # the folder cannot be made
        raise _UserError(f"cannot write the figure: {error}") from None


def _exit_without_teardown(code: int | str | None) -> NoReturn:
    """End the process as soon as the command is done. Every file a command writes is closed by then;
    Python's own teardown of TensorFlow's modules took 1.4 s more after every run."""
    if isinstance(code, str):
        click.echo(code, err=True)
    sys.stdout.flush()
    sys.stderr.flush()
    logging.shutdown()
    os._exit(code if isinstance(code, int) else int(code is not None))


if __name__ == "__main__":
    try:
        cli()
    except SystemExit as done:  # _OneLineErrors always ends so
        _exit_without_teardown(done.code)
