"""The MNIST pipeline: the original lab's splits, value ranges and batching, and tfds's integrity checks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tfmlp.data import IMAGE_PIXELS, MnistArrays, MnistDataError, make_datasets, read_mnist


def test_splits_have_the_original_sizes(mnist: MnistArrays) -> None:
    assert (len(mnist.train), len(mnist.validation), len(mnist.test)) == (55_000, 5_000, 10_000)


@pytest.mark.parametrize("split_name", ["train", "validation", "test"])
def test_images_are_flat_floats_in_unit_range_and_labels_are_digits(mnist: MnistArrays, split_name: str) -> None:
    split = getattr(mnist, split_name)
    assert split.images.shape == (len(split), IMAGE_PIXELS)
    assert split.images.dtype == np.float32
    assert split.images.min() == 0.0 and split.images.max() == 1.0
    assert split.labels.dtype == np.int64
    assert set(np.unique(split.labels)) == set(range(10))


def test_validation_is_held_apart_from_training(mnist: MnistArrays) -> None:
    train = {row.tobytes() for row in mnist.train.images[:2_000]}
    assert not any(row.tobytes() in train for row in mnist.validation.images)


def test_batches_and_per_epoch_reshuffle(small_mnist: MnistArrays) -> None:
    data = make_datasets(small_mnist, batch_size=100, seed=777)
    assert data.train_size == 5_000
    first_epoch, second_epoch = (next(iter(data.train)) for _ in range(2))
    images, labels = first_epoch
    assert images.shape == (100, IMAGE_PIXELS) and labels.shape == (100,)
    assert not np.array_equal(labels, second_epoch[1])
    same_seed = make_datasets(small_mnist, batch_size=100, seed=777)
    assert np.array_equal(next(iter(same_seed.train))[1], labels)


def test_validation_and_test_keep_their_order_in_one_batch(small_mnist: MnistArrays) -> None:
    data = make_datasets(small_mnist, batch_size=250, seed=1)
    batches = [labels for _, labels in data.test.as_numpy_iterator()]
    assert len(batches) == 1 and np.array_equal(batches[0], small_mnist.test.labels)


def test_epoch_orders_hold_the_batches_of_the_epoch_stream(small_mnist: MnistArrays) -> None:
    data = make_datasets(small_mnist, batch_size=100, seed=777)
    elements = list(data.epoch_orders(1, 3).as_numpy_iterator())
    orders = [element["order"] for element in elements]
    stream = [labels for _, labels in data.epochs(1, 3).as_numpy_iterator()]
    assert [order.shape for order in orders] == [(50, 100)] * 2
    assert [list(element["batches"]) for element in elements] == [[0, 50]] * 2
    assert np.array_equal(small_mnist.train.labels[np.concatenate(orders)], np.stack(stream))
    assert sorted(orders[0].ravel()) == list(range(5_000))  # every image once per epoch
    with pytest.raises(ValueError, match="batch size 128 does not divide the 5000 training images"):
        make_datasets(small_mnist, batch_size=128, seed=777).epoch_orders(0, 1)


def test_pauses_cut_each_epoch_into_stretches_of_the_same_order(small_mnist: MnistArrays) -> None:
    data = make_datasets(small_mnist, batch_size=100, seed=777)
    assert data.stretches([4, 1, 2, 50, 99, 0]) == [(0, 1), (1, 2), (2, 4), (4, 50)]  # outside (0, 50) ignored
    elements = list(data.epoch_orders(0, 2, pauses=[1, 2, 4]).as_numpy_iterator())
    assert [tuple(element["batches"]) for element in elements] == [(0, 1), (1, 2), (2, 4), (4, 50)] * 2
    whole = [element["order"] for element in data.epoch_orders(0, 2).as_numpy_iterator()]
    assert all(np.array_equal(element["order"], whole[index // 4]) for index, element in enumerate(elements))


def test_no_pipeline_runs_the_autotuner(small_mnist: MnistArrays) -> None:
    """Deleting an iterator waits for the autotuner's wake-up: Keras deletes one after every validation pass."""
    data = make_datasets(small_mnist, batch_size=100, seed=777)
    for dataset in (data.train, data.validation, data.test, data.epochs(0, 2), data.epoch_orders(0, 2)):
        assert dataset.options().autotune.enabled is False


def test_a_truncated_file_is_rejected_by_checksum(mnist_copy: Path, tmp_path: Path) -> None:
    damaged = mnist_copy / "t10k-labels-idx1-ubyte.gz"
    damaged.write_bytes(damaged.read_bytes()[:1_000])
    with pytest.raises(MnistDataError, match="t10k-labels-idx1-ubyte.gz does not match the official MNIST checksum"):
        read_mnist(mnist_copy, tfds_dir=tmp_path / "tfds")


def test_the_official_checksums_are_those_of_the_shipped_files() -> None:
    from tfmlp.data import DEFAULT_MNIST_DIR
    from tfmlp.mnist_files import MNIST_FILES

    listed = dict(reversed(line.split()) for line in (DEFAULT_MNIST_DIR / "SHA256SUMS").read_text().splitlines())
    assert listed == MNIST_FILES


def test_a_missing_file_is_named_before_tfds_would_try_the_network(mnist_copy: Path, tmp_path: Path) -> None:
    (mnist_copy / "train-images-idx3-ubyte.gz").unlink()
    with pytest.raises(MnistDataError, match="lacks train-images-idx3-ubyte.gz"):
        read_mnist(mnist_copy, tfds_dir=tmp_path / "tfds")


def test_later_reads_load_the_decoded_arrays_without_tfds(mnist: MnistArrays, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first read decodes tfds's PNGs and keeps the arrays; the next reads take them as they are,
    and a damaged copy is decoded again, never trusted."""
    import shutil

    from tfmlp import data, tfds_mnist

    tfds_dir = tmp_path / "tfds"
    prepared = data._decoded_cache(None).parent  # the tfds dataset the `mnist` fixture built
    shutil.copytree(prepared, tfds_dir / "mnist", ignore=shutil.ignore_patterns("*.npz"))
    decoded = read_mnist(tfds_dir=tfds_dir)
    assert (tfds_dir / "mnist" / "tfmlp_mnist.npz").is_file()

    def no_tfds(*args: object) -> None:
        raise AssertionError("tfds was read again")

    with monkeypatch.context() as patched:
        patched.setattr(tfds_mnist, "read_tfds_mnist", no_tfds)
        again = read_mnist(tfds_dir=tfds_dir)
    for split in ("train", "validation", "test"):
        np.testing.assert_array_equal(getattr(again, split).images, getattr(mnist, split).images)
        np.testing.assert_array_equal(getattr(again, split).labels, getattr(mnist, split).labels)
        np.testing.assert_array_equal(getattr(decoded, split).images, getattr(mnist, split).images)

    cache = tfds_dir / "mnist" / "tfmlp_mnist.npz"
    for damaged in (b"not an npz", cache.read_bytes()[:1_000_000]):
        cache.write_bytes(damaged)
        np.testing.assert_array_equal(read_mnist(tfds_dir=tfds_dir).train.images, mnist.train.images)
    with np.load(tfds_dir / "mnist" / "tfmlp_mnist.npz") as saved:
        assert saved["images"].shape == (60_000, 28, 28, 1)
