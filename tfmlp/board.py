"""TensorBoard on the runs folder, from the command line, bound to this machine only."""

from __future__ import annotations

import time
from pathlib import Path

from tfmlp.language import message


class TensorBoardMissingError(RuntimeError):
    """The tensorboard package is not installed."""


def serve(logdir: Path, port: int) -> None:
    """Start TensorBoard on `logdir` at http://localhost:`port`/ and keep it up until interrupted.

    Start TensorFlow first (`tfmlp.startup.start_tensorflow_quietly`, as `cli.py tensorboard` does):
    TensorBoard imports it on the first page load, and its start-up lines would land in the middle
    of the server's output.

    Raises:
        TensorBoardMissingError: the tensorboard package is not installed.
        KeyboardInterrupt: on Ctrl-C, which ends the server (its thread dies with the process).
    """
    try:
        from tensorboard import program
    except ImportError:
        raise TensorBoardMissingError(message("tensorboard.missing")) from None

    board = program.TensorBoard()
    board.configure(argv=[None, "--logdir", str(logdir), "--host", "localhost", "--port", str(port), "--load_fast", _load_fast()])
    url = board.launch()
    print(message("tensorboard.serving", logdir=logdir, url=url), flush=True)
    while True:
        time.sleep(3600)


def _load_fast() -> str:
    """ "true" where TensorBoard's fast data server runs on this platform, else "false". Said
    explicitly, because TensorBoard's "auto" prints a notice about it on every start."""
    try:
        from tensorboard_data_server import server_binary
    except ImportError:
        return "false"
    return "true" if server_binary() else "false"
