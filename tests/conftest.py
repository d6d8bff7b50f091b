"""Shared fixtures: the real MNIST, read once per session through the same tfds path the labs use."""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# XLA's compiled programs of the tests' many small networks go to a folder of this session's, not to
# the user's cache (`tfmlp.compile_cache` leaves a folder named in TF_XLA_FLAGS as it is); the
# commands the tests start inherit it.
_COMPILED = tempfile.mkdtemp(prefix="tfmlp-tests-xla-")
os.environ["TF_XLA_FLAGS"] = f"{os.environ.get('TF_XLA_FLAGS', '')} --tf_xla_persistent_cache_directory={_COMPILED}".strip()
atexit.register(shutil.rmtree, _COMPILED, ignore_errors=True)
# The tests read English unless they ask for Korean (`korean`), on a machine of any locale; the
# commands they start inherit it.
os.environ["TFMLP_LANG"] = "en"

from tfmlp.data import DEFAULT_MNIST_DIR, MnistArrays, Split, read_mnist  # noqa: E402  (after choosing the XLA cache)


def pytest_configure(config: pytest.Config) -> None:
    """Take Ctrl-C back where a shell started the tests in the background, ignoring it.

    Children inherit an ignored SIGINT, and then the tests that press Ctrl-C on a run or on
    TensorBoard (by sending it SIGINT) would see nothing happen.
    """
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture
def korean(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Korean words for this test, chosen as a learner's `TFMLP_LANG=ko` chooses them (once per process:
    the choice is forgotten before and after)."""
    from tfmlp.language import chosen_language

    monkeypatch.setenv("TFMLP_LANG", "ko")
    chosen_language.cache_clear()
    yield
    monkeypatch.undo()
    chosen_language.cache_clear()


@pytest.fixture(scope="session")
def mnist() -> MnistArrays:
    """The full 55,000 / 5,000 / 10,000 splits (tfds builds them from MNIST_data/ on first use)."""
    return read_mnist()


@pytest.fixture(scope="session")
def small_mnist(mnist: MnistArrays) -> MnistArrays:
    """A slice of the real data for quick runs: 5,000 train, 1,000 validation, 2,000 test."""

    def head(split: Split, size: int) -> Split:
        return Split(split.images[:size], split.labels[:size])

    return MnistArrays(head(mnist.train, 5_000), head(mnist.validation, 1_000), head(mnist.test, 2_000))


@pytest.fixture
def mnist_copy(tmp_path: Path) -> Path:
    """A writable copy of MNIST_data/, for tests that damage a file."""
    folder = tmp_path / "MNIST_data"
    folder.mkdir()
    for source in DEFAULT_MNIST_DIR.glob("*.gz"):
        shutil.copyfile(source, folder / source.name)
    return folder


@pytest.fixture
def in_measured_bands() -> Callable[..., None]:
    """A check that every network of a comparison landed in its own band, measured over seeds for the
    comparison's command (`labs.measured_variants()`): called with the `tfmlp.compare.Comparison` and the
    command, and the networks the command trains but that have no band, each left out for a reason its
    test gives. Every other network must have one, and every banded network must have trained."""
    import labs

    def check(comparison: Any, command: str, without_band: tuple[str, ...] = ()) -> None:
        expected = labs.measured_variants()[command]
        trained = [variant.name for variant in comparison.variants]
        assert sorted(trained) == sorted([*expected, *without_band]), f"`{command}` trained {trained}, measured {list(expected)}"
        outside = []
        for variant in comparison.variants:
            if variant.name in expected:
                low, high = expected[variant.name].band()
                if not low <= variant.result.test_accuracy <= high:
                    outside.append(f"{variant.name} {variant.result.test_accuracy:.4f} outside {expected[variant.name].describe()}")
        assert not outside, "; ".join(outside)

    return check
