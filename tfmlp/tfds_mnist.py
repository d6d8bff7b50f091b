"""tensorflow-datasets' `mnist`, built offline from the lab's four .gz files and read whole.

tfds finds the files in `MNIST_data/` as its manual download directory, checks them against the
SHA-256 sums it has registered for `mnist`, and builds its dataset without touching the network.
`tfmlp.data` calls this on a first read only; later reads load the decoded arrays it kept.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import tensorflow_datasets as tfds
from tensorflow_datasets.core.download.download_manager import NonMatchingChecksumError

from tfmlp.mnist_files import MNIST_FILES, MnistDataError


def read_tfds_mnist(mnist_dir: Path, tfds_dir: str | Path | None) -> tuple[np.ndarray, ...]:
    """tfds's `mnist` (built from `mnist_dir` if need be) as uint8 images and labels: train, then test."""
    builder = tfds.builder("mnist", data_dir=None if tfds_dir is None else str(tfds_dir))
    with _tfds_quiet():
        prepared = builder.is_prepared()
    if not prepared:
        _prepare(builder, mnist_dir)
    train, test = builder.as_dataset(split=["train", "test"], batch_size=-1, as_supervised=True)
    return tuple(np.asarray(tensor) for tensor in (*train, *test))


def _prepare(builder: tfds.core.DatasetBuilder, mnist_dir: Path) -> None:
    """Build tfds's `mnist` from the local files; without all four, tfds would try the network."""
    missing = [name for name in MNIST_FILES if not (mnist_dir / name).is_file()]
    if missing:
        raise MnistDataError(
            f"MNIST folder {mnist_dir} lacks {', '.join(missing)}: "
            "copy the four original .gz files there (the repository ships them in MNIST_data/)"
        )
    print(f"Preparing MNIST from {mnist_dir} for tensorflow-datasets (first run only)...", flush=True)
    config = tfds.download.DownloadConfig(manual_dir=str(mnist_dir))
    try:
        with _tfds_quiet():
            builder.download_and_prepare(download_config=config)
    except NonMatchingChecksumError as error:
        named = re.search(r"downloaded to (\S+?),", str(error))
        culprit = named.group(1) if named else f"a file in {mnist_dir}"
        raise MnistDataError(
            f"{culprit} does not match the official MNIST checksum (corrupted or truncated?): "
            "restore the original file"
        ) from error


@contextlib.contextmanager
def _tfds_quiet() -> Iterator[None]:
    """Hide tfds's progress bars, banners and absl warnings about a dataset it has yet to build."""
    absl_logger = logging.getLogger("absl")
    level = absl_logger.level
    absl_logger.setLevel(logging.ERROR)
    tfds.disable_progress_bar()
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            yield
    finally:
        absl_logger.setLevel(level)
