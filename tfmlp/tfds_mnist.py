"""tensorflow-datasets' `mnist`, built offline from the lab's four .gz files and read whole.

We check the files in `MNIST_data/` against the official SHA-256 sums (the ones tfds registers for
`mnist`), so that a damaged file is named in one line; tfds then finds them as its manual download
directory, checks them again, and builds its dataset without touching the network.
`tfmlp.data` calls this on a first read only; later reads load the decoded arrays it kept.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import tensorflow_datasets as tfds

from tfmlp.language import message
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
    """Build tfds's `mnist` from the local files, once they are all there and intact; without all
    four, tfds would try the network."""
    missing = [name for name in MNIST_FILES if not (mnist_dir / name).is_file()]
    if missing:
        raise MnistDataError(message("mnist.folder_lacks", folder=mnist_dir, files=", ".join(missing)))
    damaged = [str(mnist_dir / name) for name, official in MNIST_FILES.items() if _sha256(mnist_dir / name) != official]
    if damaged:
        raise MnistDataError(message("mnist.checksum", files=", ".join(damaged), count=len(damaged)))
    print(message("mnist.preparing", folder=mnist_dir), flush=True)
    with _tfds_quiet():
        builder.download_and_prepare(download_config=tfds.download.DownloadConfig(manual_dir=str(mnist_dir)))


def _sha256(path: Path) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


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
