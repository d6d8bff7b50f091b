"""MNIST through tensorflow-datasets, offline, split and batched as the original lab's `input_data`.

The original lab read the four `.gz` files of `MNIST_data/` with
`input_data.read_data_sets("MNIST_data/")`. We hand the same folder to tfds as its manual download
directory (`tfmlp.tfds_mnist`), which checks the files and builds its dataset without touching the
network. One pipeline then serves every lab.
"""

from __future__ import annotations

import math
import os
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import tensorflow as tf

from tfmlp.config import IMAGE_PIXELS, NUM_CLASSES, VALIDATION_SIZE  # noqa: F401  (NUM_CLASSES: re-exported)
from tfmlp.mnist_files import MnistDataError  # noqa: F401  (re-exported: what read_mnist raises)

_CHECKOUT_MNIST_DIR = Path(__file__).resolve().parent.parent / "MNIST_data"
# In a checkout, the shipped copy; where tfmlp is installed as a package, MNIST_data/ beside you.
DEFAULT_MNIST_DIR = _CHECKOUT_MNIST_DIR if _CHECKOUT_MNIST_DIR.is_dir() else Path("MNIST_data")


@dataclass(frozen=True)
class Split:
    """One split in memory: `images` (n, 784) float32 in [0, 1], `labels` (n,) int64 digits."""

    images: np.ndarray
    labels: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)


@dataclass(frozen=True)
class MnistArrays:
    """The three splits of the original lab: 55,000 train, 5,000 validation, 10,000 test."""

    train: Split
    validation: Split
    test: Split


@dataclass(frozen=True)
class MnistDatasets:
    """Ready `tf.data` pipelines: `train` reshuffles every epoch; all three are batched and prefetched.

    `epochs(first, stop)` is the same training data as one stream of several epochs whose orders
    depend on the seed and the epoch number alone: a run resumed at epoch 5 sees exactly the batches
    an uninterrupted run saw from epoch 5 on. `epoch_orders(first, stop)` is that stream as one
    element per epoch (or per stretch of an epoch), which `fit_and_evaluate` trains on; `train` is for your own
    `model.fit(data.train, epochs=...)` or loop.
    """

    train: tf.data.Dataset
    validation: tf.data.Dataset
    test: tf.data.Dataset
    train_size: int
    batch_size: int
    seed: int
    train_split: Split = field(repr=False)
    train_tensors: tuple[tf.Tensor, tf.Tensor] = field(repr=False)  # train_split in TensorFlow's memory, copied once

    @property
    def steps_per_epoch(self) -> int:
        """Batches in one training epoch (the last one may be smaller)."""
        return math.ceil(self.train_size / self.batch_size)

    def epochs(self, first: int, stop: int) -> tf.data.Dataset:
        """The training batches of epochs `first` ... `stop - 1`, one after the other.

        Epoch `e` is shuffled by `stateless_shuffle` keyed on `(seed, e)`; no state carries over from
        one epoch to the next. Pass `steps_per_epoch=data.steps_per_epoch` to `fit`.
        """
        images, labels = self.train_tensors

        def one_epoch(epoch: tf.Tensor) -> tf.data.Dataset:
            batches = tf.data.Dataset.from_tensor_slices(self._order(epoch)).batch(self.batch_size)
            return batches.map(lambda batch: (tf.gather(images, batch), tf.gather(labels, batch)))

        return _without_autotune(tf.data.Dataset.range(first, stop).flat_map(one_epoch).prefetch(tf.data.AUTOTUNE))

    def epoch_orders(self, first: int, stop: int, pauses: Sequence[int] = ()) -> tf.data.Dataset:
        """Epochs `first` ... `stop - 1` as a few elements each, so one compiled call can train a whole epoch.

        An element holds an epoch's batches as rows of indices into `train_split`, shaped
        `(steps_per_epoch, batch_size)` (the batches of `epochs`, in the same order), and the stretch
        of rows one call trains: `{"order": rows, "batches": [start, stop)}`. An epoch is one stretch,
        or is cut after each batch count in `pauses`, so that training returns to Python there
        (callbacks that look inside the first epoch). The images stay where they are; the training
        step gathers each batch itself (`tfmlp.epoch_step`).

        Raises:
            ValueError: `batch_size` does not divide the training set, so the rows cannot be equal.
        """
        if self.train_size % self.batch_size:
            raise ValueError(f"batch size {self.batch_size} does not divide the {self.train_size} training images")
        shape = [self.steps_per_epoch, self.batch_size]
        stretches = tf.constant(self.stretches(pauses), tf.int32)

        def one_epoch(epoch: tf.Tensor) -> tf.data.Dataset:
            order = tf.reshape(self._order(epoch), shape)
            return tf.data.Dataset.from_tensor_slices(stretches).map(lambda stretch: {"order": order, "batches": stretch})

        return _without_autotune(tf.data.Dataset.range(first, stop).flat_map(one_epoch))

    def stretches(self, pauses: Sequence[int] = ()) -> list[tuple[int, int]]:
        """An epoch's batches cut after each count in `pauses`: [(0, 1), (1, 2), (2, 4), ..., (512, 550)]."""
        cuts = [0, *sorted({pause for pause in pauses if 0 < pause < self.steps_per_epoch}), self.steps_per_epoch]
        return list(zip(cuts[:-1], cuts[1:]))

    def _order(self, epoch: tf.Tensor) -> tf.Tensor:
        """Epoch `epoch`'s order of the training images: a function of the seed and the epoch alone."""
        return tf.random.experimental.stateless_shuffle(tf.range(self.train_size), seed=tf.stack([tf.constant(self.seed, tf.int64), epoch]))


def read_mnist(mnist_dir: str | Path = DEFAULT_MNIST_DIR, tfds_dir: str | Path | None = None) -> MnistArrays:
    """Read MNIST into memory, building the tfds `mnist` dataset from `mnist_dir` on first use.

    tfds decodes its 70,000 PNG-encoded images on every read, so the first read also keeps them
    decoded beside tfds's dataset (`tfmlp_mnist.npz`, 55 MB of bytes) and later reads load that.

    Args:
        mnist_dir: folder holding the four original `.gz` files (the lab's `MNIST_data/`).
        tfds_dir: where tfds keeps its prepared datasets; None means tfds's own default
            (`$TFDS_DATA_DIR`, else `~/tensorflow_datasets`).

    Returns:
        The train / validation / test splits as numpy arrays.

    Raises:
        MnistDataError: the dataset is not prepared yet and `mnist_dir` lacks a file or holds a
            file whose checksum does not match the official one.

    Example:
        >>> arrays = read_mnist()
        >>> arrays.train.images.shape
        (55000, 784)
    """
    cache = _decoded_cache(tfds_dir)
    try:
        with np.load(cache) as saved:
            images, labels, test_images, test_labels = (saved[name] for name in _CACHED)
    except (OSError, EOFError, KeyError, ValueError, zipfile.BadZipFile):  # not written yet, or damaged: decode again
        from tfmlp.tfds_mnist import read_tfds_mnist  # only on a first read: decoded arrays need no tfds

        images, labels, test_images, test_labels = read_tfds_mnist(Path(mnist_dir), tfds_dir)
        _write_atomically(cache, dict(zip(_CACHED, (images, labels, test_images, test_labels))))
    train_and_validation, test = _to_split(images, labels), _to_split(test_images, test_labels)
    return MnistArrays(
        train=Split(train_and_validation.images[VALIDATION_SIZE:], train_and_validation.labels[VALIDATION_SIZE:]),
        validation=Split(train_and_validation.images[:VALIDATION_SIZE], train_and_validation.labels[:VALIDATION_SIZE]),
        test=test,
    )


_CACHED = ("images", "labels", "test_images", "test_labels")


def _decoded_cache(tfds_dir: str | Path | None) -> Path:
    """Where the decoded arrays live: in tfds's data folder, which tfds's own default decides."""
    root = tfds_dir or os.environ.get("TFDS_DATA_DIR") or Path.home() / "tensorflow_datasets"
    return Path(root) / "mnist" / "tfmlp_mnist.npz"


def _write_atomically(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write the npz under another name, then rename: a reader never sees half a file. A folder that
    cannot be written to only means decoding again next time."""
    partial = path.with_suffix(f".{os.getpid()}.partial.npz")
    try:
        np.savez(partial, **arrays)
        os.replace(partial, path)
    except OSError:
        partial.unlink(missing_ok=True)


def make_datasets(arrays: MnistArrays, batch_size: int, seed: int) -> MnistDatasets:
    """Wrap in-memory splits as `tf.data` pipelines.

    Args:
        arrays: the splits from `read_mnist` (or any subset of them, for quick experiments).
        batch_size: examples per training batch. Validation and test come as one batch each, as
            the original fed them, so evaluating them is one call of the compiled test step.
        seed: orders the training set's epochs: `epochs` and `epoch_orders` by `seed` and the
            epoch alone. `train` reshuffles each epoch by TensorFlow's global seed and `seed`
            together, and this leaves the global seed alone: for a `train` order that depends on
            `seed` alone, call `tfmlp.seeding.seed_globally(seed)` first, as `cli.py` does.

    Returns:
        The three pipelines and the number of training examples.

    Example:
        >>> data = make_datasets(read_mnist(), batch_size=100, seed=777)
    """
    train_tensors = (tf.constant(arrays.train.images), tf.constant(arrays.train.labels))  # the one copy of them

    def pipeline(images_and_labels: tuple[Any, Any], batch_size: int, shuffle_size: int = 0) -> tf.data.Dataset:
        dataset = tf.data.Dataset.from_tensor_slices(images_and_labels)
        if shuffle_size:
            dataset = dataset.shuffle(shuffle_size, seed=seed, reshuffle_each_iteration=True)
        return _without_autotune(dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE))

    validation, test = arrays.validation, arrays.test
    return MnistDatasets(
        train=pipeline(train_tensors, batch_size, shuffle_size=len(arrays.train)),
        validation=pipeline((validation.images, validation.labels), len(validation)),
        test=pipeline((test.images, test.labels), len(test)),
        train_size=len(arrays.train),
        batch_size=batch_size,
        seed=seed,
        train_split=arrays.train,
        train_tensors=train_tensors,
    )


def _without_autotune(dataset: tf.data.Dataset) -> tf.data.Dataset:
    """`dataset` without tf.data's autotuning thread, whose wake-up an iterator's deletion waits for.

    Keras deletes an iterator at the end of every validation pass and of `fit`; with autotuning on,
    each deletion waited for the tuner's next wake-up, which grows to seconds as training goes on
    (2.4 s at the end of a 3-epoch `fit` of 10-2). The pipelines here only slice arrays in memory:
    there is nothing to tune, and `prefetch(AUTOTUNE)` still sizes its buffer by itself.
    """
    options = tf.data.Options()
    options.autotune.enabled = False
    return dataset.with_options(options)


def probe_batch(split: Split, size: int = 1_000) -> tuple[np.ndarray, np.ndarray]:
    """A fixed batch for diagnostics: the first `size` images and labels of `split` (e.g. validation)."""
    return split.images[:size], split.labels[:size]


def load_mnist(
    batch_size: int = 100,
    seed: int = 777,
    mnist_dir: str | Path = DEFAULT_MNIST_DIR,
    tfds_dir: str | Path | None = None,
) -> MnistDatasets:
    """MNIST as the lab trains on it, in one call: `read_mnist` then `make_datasets`.

    Args:
        batch_size: examples per batch.
        seed: the shuffle's seed.
        mnist_dir, tfds_dir: as in `read_mnist`.

    Returns:
        The train, validation and test pipelines (`MnistDatasets`).

    Example:
        >>> data = load_mnist(batch_size=100)
        >>> model.fit(data.train, validation_data=data.validation, epochs=15)
    """
    return make_datasets(read_mnist(mnist_dir, tfds_dir), batch_size=batch_size, seed=seed)


def _to_split(images: np.ndarray, labels: np.ndarray) -> Split:
    """Flat float32 images in 0..1, int64 labels. One float32 division, the values `astype(float32) / 255`
    gives, 40x as fast as that two-step (0.02 s instead of 0.8 s for the 55,000 training images)."""
    return Split(np.divide(images.reshape(-1, IMAGE_PIXELS), np.float32(255), dtype=np.float32), labels.astype(np.int64))
