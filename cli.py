"""Command line for the lab 10 steps: `python cli.py list`, `python cli.py lab 10-4`.

This file only parses options; `labs` holds the recipes and `tfmlp` does the work. TensorFlow is
imported only by the commands that need it, started quietly once their options are parsed, so
`--help`, `list` and a bad option answer at once.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import click

import labs
from tfmlp.config import MAX_SEED, PRECISIONS
from tfmlp.language import chosen_language, display_width, message, padded, refused_setting


class _BadInput(click.UsageError):
    """Bad input that our own checks refused, its message already in the learner's words."""


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
        if refused := refused_setting():  # in English: the language is what is unknown
            click.echo(f"Error: {refused}", err=True)
            sys.exit(2)
        try:
            result = super().main(*args, standalone_mode=False, **kwargs)
        except click.exceptions.NoArgsIsHelpError as error:
            click.echo(error.ctx.get_help() if error.ctx else str(error))
            sys.exit(0)
        except click.ClickException as error:
            click.echo(message("cli.error", message=_in_learners_words(error)), err=True)
            sys.exit(2 if isinstance(error, click.UsageError) else error.exit_code)
        except (click.exceptions.Abort, KeyboardInterrupt) as error:  # click turns Ctrl-C into Abort
            click.echo(str(error.__cause__ or error) or message("cli.interrupted"), err=True)
            sys.exit(130)
        sys.exit(result if isinstance(result, int) else 0)


def _in_learners_words(error: click.ClickException) -> str:
    """The error's one line in the learner's language. Ours are written so; click's own (an unknown
    option, a missing argument, a value its type refuses) are said again from the fields click keeps,
    in English as click words them."""
    own = error.format_message()
    if not isinstance(error, click.UsageError) or isinstance(error, _BadInput):
        return own
    if isinstance(error, click.NoSuchOption):
        return message("click.no_such_option", click=own, name=error.option_name, similar=_similar(error.possibilities))
    if isinstance(error, click.exceptions.NoSuchCommand):
        return message("click.no_such_command", click=own, name=error.command_name, similar=_similar(error.possibilities))
    if isinstance(error, click.MissingParameter) and error.param is not None:
        return message("click.missing", click=own, name=error.param.get_error_hint(error.ctx))
    if isinstance(error, click.BadParameter) and error.param is not None:
        return message("click.bad_value", click=own, name=error.param.get_error_hint(error.ctx), expected=_expected(error.param.type))
    if isinstance(error, click.BadOptionUsage):
        return message("click.bad_option_usage", click=own, name=error.option_name)
    return message("click.usage", click=own, command=error.ctx.command_path if error.ctx else "cli.py")


def _similar(names: list[str] | None) -> str:
    return message("click.similar", names=", ".join(names)) if names else ""


def _expected(kind: click.ParamType) -> str:
    """What a parameter of this click type takes, in words (the types `cli.py` declares)."""
    if isinstance(kind, click.Choice):
        return message("click.expects.choice", choices=", ".join(map(str, kind.choices)))
    if isinstance(kind, click.IntRange) and kind.min is not None and kind.max is not None:
        return message("click.expects.integer_between", low=kind.min, high=kind.max)
    if isinstance(kind, click.IntRange) and kind.min is not None:
        return message("click.expects.integer_at_least", low=kind.min)
    if isinstance(kind, click.FloatRange) and kind.min is not None and kind.min_open:
        return message("click.expects.number_above", low=kind.min)
    if isinstance(kind, click.Path) and kind.exists:
        return message("click.expects.existing_folder" if not kind.file_okay else "click.expects.existing_file")
    if isinstance(kind, click.Path):
        return message("click.expects.folder" if not kind.file_okay else "click.expects.file")
    if isinstance(kind, click.types.IntParamType):
        return message("click.expects.integer")
    if isinstance(kind, click.types.FloatParamType):
        return message("click.expects.number")
    return message("click.expects.other")


class _NeedsTensorFlow(click.Command):
    """A command that trains or loads models. TensorFlow starts here, quietly and with XLA's compile
    cache (`tfmlp.startup`), after the options are parsed and before the command imports it."""

    def invoke(self, ctx: click.Context) -> Any:
        from tfmlp.startup import start_tensorflow_quietly

        start_tensorflow_quietly()
        return super().invoke(ctx)


def _runs_folder(help_key: str = "help.logdir") -> Callable[[Any], Any]:
    """The `--logdir` option of the commands that read the runs folder."""
    folder = click.Path(file_okay=False, path_type=Path)
    return click.option("--logdir", type=folder, default=Path("runs"), show_default=True, help=message(help_key))


@click.group(cls=_OneLineErrors, help=message("help.cli"))
def cli() -> None:
    """Lab 10 of "Deep Learning Zero To All": MNIST with ever better multi-layer perceptrons."""


@cli.command("list", help=message("help.list"))
def list_labs() -> None:
    """List the lab steps with their original test accuracy ("beyond": a step beyond the course)."""
    steps = labs.all_labs()
    header = [message("list.id"), message("list.original"), message("list.title")]
    width = max(display_width(text) for text in [header[0], *(lab.id for lab in steps)])
    original_width = max(8, display_width(header[1]))
    click.echo(f"{padded(header[0], width)} {padded(header[1], original_width, '>')}  {header[2]}")
    for lab in steps:
        if lab.original_accuracy is not None:
            original = f"{lab.original_accuracy:.4f}"
        else:
            original = message("list.beyond") if lab.kind == "beyond" else "-"
        click.echo(f"{padded(lab.id, width)} {padded(original, original_width, '>')}  {lab.lesson(chosen_language()).title}")


@cli.command("explain", help=message("help.explain"))
@click.argument("lab_id")
@click.option("--lang", "language", type=click.Choice(labs.LANGUAGES), help=message("help.explain_lang"))
def explain(lab_id: str, language: str | None) -> None:
    """Print a step's lesson: what changed from the step before, why, the original figure, what to look at in TensorBoard."""
    try:
        lab = labs.get_lab(lab_id)
    except labs.UnknownLabError as error:
        raise _BadInput(str(error)) from None
    click.echo(lab.explain(language or chosen_language()))


@cli.command("lab", cls=_NeedsTensorFlow, help=message("help.lab"))
@click.argument("lab_id")
@click.option("--epochs", type=int, help=message("help.epochs"))
@click.option("--batch-size", type=int, help=message("help.batch_size"))
@click.option("--learning-rate", type=float, help=message("help.learning_rate"))
@click.option("--seed", type=int, help=message("help.seed"))
@click.option("--logdir", type=click.Path(file_okay=False, path_type=Path), help=message("help.lab_logdir"))
@click.option("--data-dir", type=click.Path(exists=True, file_okay=False, path_type=Path), help=message("help.data_dir"))
@click.option("--tfds-dir", type=click.Path(file_okay=False, path_type=Path), help=message("help.tfds_dir"))
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), help=message("help.config"))
@click.option("--deterministic", is_flag=True, default=None, help=message("help.deterministic"))
@click.option("--precision", type=click.Choice(PRECISIONS), help=message("help.precision"))
@click.option("--resume", is_flag=False, flag_value="", metavar="[RUN_DIR]", help=message("help.resume"))
@click.option("--seeds", type=click.IntRange(min=1), help=message("help.seeds"))
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
                raise ValueError(message("lab.resume_takes_no_options", options=", ".join(named)))
            run = resumable_run(logdir or DEFAULT_RUNS_ROOT, lab.id, Path(resume) if resume else None)
            config = LabConfig.load(run.config)
        from tfmlp.training import join_cluster

        join_cluster()  # a worker of a TF_CONFIG cluster, before TensorFlow runs anything (lab.check does)
        lab.check(config)
    except (labs.UnknownLabError, ValueError) as error:  # ConfigError is a ValueError
        raise _BadInput(str(error)) from None
    click.echo(lab.heading)

    import tensorflow as tf

    from tfmlp.checkpoint import NoIntactEpoch
    from tfmlp.data import MnistDataError
    from tfmlp.files import FileNotWritten, in_words
    from tfmlp.runner import RunOptions
    from tfmlp.training import TrainingDiverged

    given_paths = {"runs_root": logdir, "mnist_dir": data_dir, "tfds_dir": tfds_dir}
    options = RunOptions(**{name: value for name, value in given_paths.items() if value is not None})
    if lab.default_seeds is not None:  # a comparison that spans seeds trains every variant over them itself
        options, seeds = dataclasses.replace(options, seeds=seeds), None
    first_seed = config.train.seed
    configs = [config] if seeds is None else [config.with_training(seed=first_seed + offset) for offset in range(seeds)]
    results = []
    try:
        for number, seeded in enumerate(configs, start=1):
            if seeds is not None:
                click.echo(message("lab.seed_heading", seed=seeded.train.seed, number=number, count=seeds))
            results.append(lab.run(seeded, options, run))
    except (MnistDataError, FileNotWritten) as error:  # FileNotWritten: where the last complete epoch is kept
        raise _UserError(str(error)) from None
    except NoIntactEpoch as error:  # only when resuming `run`
        raise _UserError(message("lab.no_intact_epoch", error=error, lab=lab.id, config=run.config)) from None
    except TrainingDiverged as error:
        raise _RunFailed(message("lab.diverged", error=error, epoch=error.epoch)) from None
    except (MemoryError, tf.errors.ResourceExhaustedError):
        raise _RunFailed(message("lab.out_of_memory")) from None
    except OSError as error:
        raise _UserError(message("lab.cannot_write_run", error=in_words(error))) from None
    if seeds is not None:
        _print_spread(lab.id, first_seed, results)


def _print_spread(lab_id: str, first_seed: int, results: list[Any]) -> None:
    """Mean ± standard deviation over the seeds of `lab --seeds`."""
    from tfmlp.spread import Spread

    click.echo("\n" + message("lab.spread_heading", lab=lab_id, count=len(results), first=first_seed, last=first_seed + len(results) - 1))
    click.echo(message("lab.spread_accuracy", spread=Spread.of([result.test_accuracy for result in results]).describe(4)))
    click.echo(message("lab.spread_seconds", spread=Spread.of([result.train_seconds for result in results]).describe(1)))


@cli.command("tune", cls=_NeedsTensorFlow, help=message("help.tune"))
@click.option(
    "--tuner", type=click.Choice(["random", "bayesian", "hyperband"]), default="random", show_default=True, help=message("help.tuner")
)
@click.option("--max-trials", type=click.IntRange(min=1), default=20, show_default=True, help=message("help.max_trials"))
@click.option("--epochs", type=click.IntRange(min=1), default=5, show_default=True, help=message("help.trial_epochs"))
@click.option("--max-minutes", type=click.FloatRange(min=0, min_open=True), help=message("help.max_minutes"))
@click.option("--seed", type=click.IntRange(0, MAX_SEED), default=777, show_default=True, help=message("help.search_seed"))
@click.option(
    "--logdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("runs/search"),
    show_default=True,
    help=message("help.search_logdir"),
)
@click.option("--fresh", is_flag=True, help=message("help.fresh"))
@click.option("--space", default="default", show_default=True, help=message("help.space"))
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
        raise _BadInput(str(error)) from None
    from tfmlp.data import MnistDataError, read_mnist

    try:
        arrays = read_mnist()
    except MnistDataError as error:
        raise _UserError(str(error)) from None
    try:
        result = search(
            arrays,
            logdir,
            tuner=tuner,
            max_trials=max_trials,
            epochs=epochs,
            max_minutes=max_minutes,
            seed=seed,
            fresh=fresh,
            space=search_space,
        )
    except RuntimeError as error:  # no trial finished in the time given: nothing to test or save
        raise _RunFailed(str(error)) from None
    if result is None:  # a worker of a distributed search: the chief reports and saves
        click.echo(message("tune.worker_done", logdir=logdir))
        return
    click.echo("\n" + message("tune.finished", count=result.trials_run))
    rows = [[message("tune.trial"), message("tune.val_accuracy"), message("tune.seconds"), message("tune.hyperparameters")]]
    rows += [[str(row["trial"]), f"{row['val_accuracy']:.4f}", f"{row['seconds']:.1f}", row["config"]] for row in result.top]
    click.echo("\n".join(_aligned(rows, ">>>")))
    click.echo(message("tune.test_accuracy", accuracy=f"{result.test_accuracy:.4f}"))
    click.echo(message("tune.saved", model=logdir / "best.keras", config=logdir / "best.json"))


@cli.command("runs", help=message("help.runs"))
@_runs_folder()
@click.option("--lab", "lab_id", help=message("help.runs_lab"))
@click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True, help=message("help.runs_format")
)
def list_runs(logdir: Path, lab_id: str | None, fmt: str) -> None:
    """List past runs, newest first: lab, start, test accuracy, seconds, folder, hyperparameters."""
    from tfmlp.results import rows_to_csv
    from tfmlp.runs import list_runs as find_runs
    from tfmlp.runs import status_in_words

    if lab_id:
        try:
            lab_id = labs.get_lab(lab_id).id
        except labs.UnknownLabError as error:
            raise _BadInput(str(error)) from None
    runs, damaged = find_runs(logdir, lab_id)
    _note_damaged(damaged)
    if fmt != "table":
        records = [run.record() for run in runs]
        click.echo(rows_to_csv(records) if fmt == "csv" else json.dumps(records, indent=2, ensure_ascii=False), nl=fmt == "json")
        return
    if not runs:
        click.echo(message("runs.none_of_lab", logdir=logdir, lab=lab_id) if lab_id else message("runs.none", logdir=logdir))
        return
    columns = ("runs.lab", "runs.started", "runs.accuracy", "runs.seconds", "runs.folder", "runs.hyperparameters")
    rows = [[message(column) for column in columns]]
    for run in runs:
        if run.test_accuracy is not None:
            accuracy = f"{run.test_accuracy:.4f}"
        else:
            accuracy = "-" if run.status == "finished" else status_in_words(run.status)
        seconds = f"{run.train_seconds:.1f}" if run.train_seconds is not None else "-"
        rows.append([run.lab, run.started, accuracy, seconds, str(run.path), run.hyperparameters])
    click.echo("\n".join(_aligned(rows, "<<>><")))


def _aligned(rows: list[list[str]], aligns: str) -> list[str]:
    """Rows of cells as lines, each column but the last (left as it is) as wide as its widest cell in a
    terminal, where a Hangul syllable takes two places; `aligns`: "<" (left) or ">" (right), a column each."""
    widths = [max(display_width(row[column]) for row in rows) for column in range(len(aligns))]
    return ["  ".join([*(padded(cell, width, align) for cell, width, align in zip(row, widths, aligns)), row[-1]]) for row in rows]


def _note_damaged(damaged: list[ValueError]) -> None:
    """One line per damaged run, on stderr, so that a listing on stdout stays whole (and parseable)."""
    for error in damaged:
        click.echo(message("runs.left_out", error=error), err=True)


@cli.command("report", help=message("help.report"))
@_runs_folder()
@click.option("--output", type=click.Path(file_okay=False, path_type=Path), help=message("help.report_output"))
@click.option(
    "--format", "fmt", type=click.Choice(["md", "csv", "json"]), default="md", show_default=True, help=message("help.report_format")
)
def report(logdir: Path, output: Path | None, fmt: str) -> None:
    """Every step's finished runs as mean ± std over seeds: results.md (or .csv/.json) and results.png."""
    from tfmlp.files import FileNotWritten, in_words
    from tfmlp.results import collect, to_markdown, write_report

    results, damaged = collect(logdir, {lab.id: lab.original_accuracy for lab in labs.all_labs()})
    _note_damaged(damaged)
    if not results:
        raise _UserError(message("report.no_runs", logdir=logdir))
    click.echo(to_markdown(results), nl=False)
    try:
        written = write_report(results, output or logdir, fmt)
    except FileNotWritten as error:
        raise _UserError(str(error)) from None
    except OSError as error:  # the folder cannot be made
        raise _UserError(message("report.cannot_write", error=in_words(error))) from None
    click.echo(message("report.wrote", paths=message("report.and").join(map(str, written))))


def _run_folder(given: str, logdir: Path) -> Path:
    """The folder `given` names: a run's folder as it is, or a step's id for the newest finished run of
    that step under `logdir` that kept its model (`predict 10-4 digit.png`).

    Raises:
        _BadInput: `given` is neither, or the step has no such run yet (the message says what to run).
    """
    if Path(given).is_dir():
        return Path(given)
    from tfmlp.runs import newest_finished_run

    try:
        lab = labs.get_lab(given)
    except labs.UnknownLabError:
        closest = labs.closest_id(given)
        neither = message("predict.neither_like", given=given, closest=closest) if closest else message("predict.neither", given=given)
        raise _BadInput(neither) from None
    if not lab.single_model:
        raise _BadInput(message("predict.no_single_model", lab=lab.id))
    try:
        run = newest_finished_run(logdir, lab.id)
    except ValueError as error:
        raise _BadInput(str(error)) from None
    click.echo(message("predict.newest_run", lab=lab.id, path=run.path))
    return run.path


@cli.command("predict", cls=_NeedsTensorFlow, help=message("help.predict"))
@click.argument("run", metavar="RUN")
@click.argument("images", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_runs_folder("help.run_logdir")
def predict(run: str, images: tuple[Path, ...], logdir: Path) -> None:
    """Read the digit in each image (PNG, JPEG; any size, dark or light paper) with a run's model."""
    from tfmlp.inference import predict_digits
    from tfmlp.run_models import load_run_model

    run_dir = _run_folder(run, logdir)
    try:
        predictions = predict_digits(load_run_model(run_dir), list(images))
    except ValueError as error:
        raise _BadInput(str(error)) from None
    for prediction in predictions:
        click.echo(f"{prediction.path}: {prediction.digit} ({prediction.probability:.1%})")


@cli.command("evaluate", cls=_NeedsTensorFlow, help=message("help.evaluate"))
@click.argument("run", metavar="RUN")
@_runs_folder("help.run_logdir")
def evaluate(run: str, logdir: Path) -> None:
    """Test a finished run's saved model again; exit 1 if the accuracy differs from its metrics.json."""
    from tfmlp.data import MnistDataError, read_mnist
    from tfmlp.run_models import evaluate_run

    run_dir = _run_folder(run, logdir)
    try:
        evaluation = evaluate_run(run_dir, read_mnist())
    except MnistDataError as error:
        raise _UserError(str(error)) from None
    except ValueError as error:
        raise _BadInput(str(error)) from None
    figures = {"accuracy": f"{evaluation.test_accuracy:.4f}", "recorded": f"{evaluation.recorded_accuracy:.4f}"}
    click.echo(message("evaluate.matches" if evaluation.matches else "evaluate.differs", **figures))
    if not evaluation.matches:
        raise _RunFailed(message("evaluate.failed", run=run_dir))


@cli.command("tensorboard", cls=_NeedsTensorFlow, help=message("help.tensorboard"))
@_runs_folder()
@click.option("--port", type=click.IntRange(1, 65535), default=6006, show_default=True, help=message("help.port"))
def tensorboard(logdir: Path, port: int) -> None:
    """Start TensorBoard on the runs, at http://localhost:PORT/ (Ctrl-C stops it)."""
    from tfmlp.board import TensorBoardMissingError, serve

    try:
        serve(logdir, port)
    except TensorBoardMissingError as error:
        raise _UserError(str(error)) from None
    except KeyboardInterrupt:
        click.echo(message("tensorboard.stopped"))


@cli.command("draw", cls=_NeedsTensorFlow, help=message("help.draw"))
@_runs_folder()
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help=message("help.draw_port"))
def draw(logdir: Path, port: int) -> None:
    """Draw a digit and watch every step's network read it, at http://localhost:PORT/ (Ctrl-C stops it)."""
    from tfmlp.draw.server import serve
    from tfmlp.files import in_words

    try:
        serve(logdir, port)
    except OSError as error:
        raise _UserError(message("draw.cannot_serve", port=port, error=in_words(error))) from None
    click.echo(message("draw.stopped"))


@cli.command("plot", help=message("help.plot"))
@click.argument("figure", type=click.Choice(["activations"]))
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help=message("help.plot_output"))
def plot(figure: str, output: Path | None) -> None:
    """Draw a figure of the course: `plot activations` (the functions and their derivatives)."""
    from tfmlp.files import FileNotWritten, in_words
    from tfmlp.plots import plot_activations

    output = output or Path("runs/plots") / f"{figure}.png"
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        click.echo(message("plot.saved", path=plot_activations(output)))
    except FileNotWritten as error:
        raise _UserError(str(error)) from None
    except OSError as error:  # the folder cannot be made
        raise _UserError(message("plot.cannot_write", error=in_words(error))) from None


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
