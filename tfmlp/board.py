"""TensorBoard on the runs folder, from the command line, bound to this machine only."""

from __future__ import annotations

import time
from pathlib import Path


class TensorBoardMissingError(RuntimeError):
    """The tensorboard package is not installed."""


def serve(logdir: Path, port: int) -> None:
    """Start TensorBoard on `logdir` at http://localhost:`port`/ and keep it up until interrupted.

    Raises:
        TensorBoardMissingError: the tensorboard package is not installed.
        KeyboardInterrupt: on Ctrl-C, which ends the server (its thread dies with the process).
    """
    try:
        from tensorboard import program
    except ImportError:
        raise TensorBoardMissingError("the tensorboard package is missing: pip install tensorboard") from None
    board = program.TensorBoard()
    board.configure(argv=[None, "--logdir", str(logdir), "--host", "localhost", "--port", str(port)])
    url = board.launch()
    print(f"TensorBoard of {logdir} at {url} (Ctrl-C stops it)", flush=True)
    while True:
        time.sleep(3600)
