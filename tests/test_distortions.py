"""The random distortions of `lab beyond`: affine and elastic in one sampling grid, compiled by XLA, saved with the model."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf
from scipy.ndimage import gaussian_filter

from tfmlp.data import MnistArrays
from tfmlp.distortions import RandomDistortion, bilinear_sample, smoothing_matrix
from tfmlp.models import compiles_under_xla, mlp

REPOSITORY = Path(__file__).resolve().parent.parent
SIDE = 28
BEYOND = {"shift": 0.1, "rotation": 0.03, "zoom": 0.1, "elastic_alpha": 34.0, "elastic_sigma": 4.0}


@pytest.fixture(scope="module")
def digits(mnist: MnistArrays) -> np.ndarray:
    return np.asarray(mnist.train.images[:64], np.float32)


def test_at_test_time_images_pass_unchanged(digits: np.ndarray) -> None:
    layer = RandomDistortion(**BEYOND, seed=1)
    np.testing.assert_array_equal(layer(digits, training=False), digits)
    np.testing.assert_array_equal(layer(digits), digits)  # Keras's inference calls pass no training flag


def test_zero_strengths_read_every_pixel_where_it_is(digits: np.ndarray) -> None:
    np.testing.assert_array_equal(RandomDistortion(seed=1)(digits, training=True), digits)
    np.testing.assert_array_equal(RandomDistortion(elastic_alpha=0.0, elastic_sigma=6.0, seed=1)(digits, training=True), digits)


@pytest.mark.parametrize(("across", "down"), [(2, 0), (0, -3), (-1, 4), (30, 0)])
def test_bilinear_sampling_is_exact_on_whole_pixel_shifts(digits: np.ndarray, across: int, down: int) -> None:
    """Reading every pixel `across` to the right and `down` below moves the picture that far the other way,
    zeros coming in at the border (a shift past the picture leaves it blank)."""
    rows, columns = np.meshgrid(np.arange(SIDE, dtype=np.float32), np.arange(SIDE, dtype=np.float32), indexing="ij")
    x = np.broadcast_to((columns + across).reshape(1, -1), digits.shape)
    y = np.broadcast_to((rows + down).reshape(1, -1), digits.shape)
    read = bilinear_sample(tf.constant(digits), tf.constant(x), tf.constant(y)).numpy()
    framed = np.zeros((len(digits), SIDE + 80, SIDE + 80), np.float32)
    framed[:, 40 : 40 + SIDE, 40 : 40 + SIDE] = digits.reshape(-1, SIDE, SIDE)
    expected = framed[:, 40 + down : 40 + down + SIDE, 40 + across : 40 + across + SIDE].reshape(len(digits), -1)
    np.testing.assert_array_equal(read, expected)


def test_bilinear_sampling_between_pixels_weighs_its_four_neighbours() -> None:
    image = np.arange(SIDE * SIDE, dtype=np.float32).reshape(1, -1) / 100
    points = {(3.5, 7.0): (image[0, 7 * SIDE + 3] + image[0, 7 * SIDE + 4]) / 2, (3.25, 7.5): None, (-0.5, 0.0): image[0, 0] / 2}
    points[(3.25, 7.5)] = np.mean([0.75 * image[0, r * SIDE + 3] + 0.25 * image[0, r * SIDE + 4] for r in (7, 8)])
    x = tf.constant([[point[0] for point in points]], tf.float32)
    y = tf.constant([[point[1] for point in points]], tf.float32)
    np.testing.assert_allclose(bilinear_sample(tf.constant(image), x, y).numpy()[0], list(points.values()), rtol=1e-6)


def test_the_smoothing_is_scipys_gaussian_filter_with_zeros_beyond_the_border() -> None:
    field = np.random.default_rng(0).uniform(-1, 1, (SIDE, SIDE)).astype(np.float32)
    for sigma in (2.0, 4.0, 6.0):
        smoothing = smoothing_matrix(SIDE, sigma)
        np.testing.assert_allclose(smoothing @ field @ smoothing.T, gaussian_filter(field, sigma, mode="constant"), atol=1e-6)


def elastic_displacements(layer: RandomDistortion, batch: int) -> tuple[np.ndarray, np.ndarray]:
    """How far the layer moved each pixel across and down (`(batch, side * side)` each): its reading
    points less the pixels' own places (only elastic strength: no turn, scale or shift)."""
    layer.build((None, SIDE * SIDE))
    x, y = layer.source_points(batch)
    rows, columns = np.divmod(np.arange(SIDE * SIDE, dtype=np.float32), SIDE)
    return x.numpy() - columns, y.numpy() - rows


def test_the_elastic_fields_of_the_two_axes_are_drawn_independently() -> None:
    """Simard et al. draw one uniform field per axis. Keras 3.15's RandomElasticTransform draws both with
    the same seed on TensorFlow, so every pixel would move along the diagonal (a correlation of 1)."""
    across, down = elastic_displacements(RandomDistortion(elastic_alpha=34.0, elastic_sigma=4.0, seed=7), batch=2_000)
    centre = (SIDE // 2) * SIDE + SIDE // 2
    assert 0.5 < across[:, centre].std() < 3 and 0.5 < down[:, centre].std() < 3  # pixels move a pixel or so
    correlations = [np.corrcoef(across[:, pixel], down[:, pixel])[0, 1] for pixel in range(0, SIDE * SIDE, 29)]
    assert max(abs(correlation) for correlation in correlations) < 0.1  # 2,000 pairs: independent ones stay below 0.1
    assert np.corrcoef(across[:, centre], across[:, centre + 1])[0, 1] > 0.9  # each field is smooth: neighbours move together


def test_the_elastic_field_grows_with_alpha_and_smooths_with_sigma() -> None:
    weak, _ = elastic_displacements(RandomDistortion(elastic_alpha=17.0, elastic_sigma=4.0, seed=7), batch=200)
    strong, _ = elastic_displacements(RandomDistortion(elastic_alpha=34.0, elastic_sigma=4.0, seed=7), batch=200)
    np.testing.assert_allclose(strong, 2 * weak, rtol=1e-5, atol=1e-5)  # the same draw, scaled
    rough, _ = elastic_displacements(RandomDistortion(elastic_alpha=34.0, elastic_sigma=1.0, seed=7), batch=200)
    assert rough.std() > 2 * strong.std()  # less smoothing averages less of the noise away


def test_each_step_draws_new_distortions_and_a_seed_repeats_them(digits: np.ndarray) -> None:
    first, again = RandomDistortion(**BEYOND, seed=3), RandomDistortion(**BEYOND, seed=3)
    one, two = first(digits, training=True), first(digits, training=True)
    assert not np.allclose(one, two)
    np.testing.assert_array_equal(again(digits, training=True), one)
    np.testing.assert_array_equal(again(digits, training=True), two)
    assert not np.allclose(RandomDistortion(**BEYOND, seed=4)(digits, training=True), one)
    keras.utils.set_random_seed(777)  # without a seed of its own, Keras's global seed repeats a run
    unseeded = RandomDistortion(**BEYOND)(digits, training=True)
    keras.utils.set_random_seed(777)
    np.testing.assert_array_equal(RandomDistortion(**BEYOND)(digits, training=True), unseeded)


def test_xla_compiles_the_distortions_and_a_seed_repeats_them_there(digits: np.ndarray) -> None:
    """XLA's Philox lays out its draws otherwise than TensorFlow's kernel, so the images differ from the
    uncompiled ones; compiled, they still repeat per seed, move the ink, and zero strength moves nothing."""
    first, again, still = RandomDistortion(**BEYOND, seed=5), RandomDistortion(**BEYOND, seed=5), RandomDistortion(seed=5)
    compiled = [tf.function(lambda images, layer=layer: layer(images, training=True), jit_compile=True) for layer in (first, again, still)]
    for _ in range(2):
        distorted = compiled[0](digits).numpy()
        np.testing.assert_array_equal(compiled[1](digits).numpy(), distorted)
        assert np.abs(distorted - digits).mean() > 0.05
        np.testing.assert_array_equal(compiled[2](digits).numpy(), digits)
    assert compiles_under_xla(mlp([16], augment_shift=0.1, augment_elastic_alpha=34.0))


def test_distortions_move_the_ink_without_losing_it(digits: np.ndarray) -> None:
    """Scaled by s, a digit's ink scales by 1/s^2 (s within 10%: 0.83 to 1.23); bent, it thins here and
    thickens there, by as much on average."""
    affine = RandomDistortion(shift=0.1, rotation=0.03, zoom=0.1, seed=9)(digits, training=True).numpy()
    ink = affine.sum(axis=1) / digits.sum(axis=1)
    assert 0.8 < ink.min() and ink.max() < 1.25
    distorted = RandomDistortion(**BEYOND, seed=9)(digits, training=True).numpy()
    assert distorted.min() >= 0 and distorted.max() <= 1
    assert 0.9 < (distorted.sum(axis=1) / digits.sum(axis=1)).mean() < 1.1


def test_a_model_that_distorts_saves_and_loads_with_its_strengths(digits: np.ndarray, tmp_path: Path) -> None:
    model = mlp([16], augment_shift=0.1, augment_rotation=0.03, augment_zoom=0.1, augment_elastic_alpha=34.0, augment_elastic_sigma=5.0)
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    (layer,) = [layer for layer in loaded.layers if isinstance(layer, RandomDistortion)]
    assert {name: layer.get_config()[name] for name in BEYOND} == {**BEYOND, "elastic_sigma": 5.0}
    np.testing.assert_array_equal(loaded(digits, training=False), model(digits, training=False))


def test_only_square_images_are_distorted() -> None:
    with pytest.raises(ValueError, match="780 pixels are not a square"):
        RandomDistortion(shift=0.1)(np.zeros((2, 780), np.float32), training=True)


def test_a_run_whose_model_distorts_loads_in_a_fresh_program(tmp_path: Path) -> None:
    """`evaluate`, `predict` and the draw page load runs' models in programs that never built one: the
    layer must be found there (Keras's safe mode runs no code from the file)."""
    model = mlp([16], augment_shift=0.1, augment_elastic_alpha=20.0)
    model.save(tmp_path / "model.keras")
    program = "import sys; from tfmlp.run_models import load_run_model; print(load_run_model(sys.argv[1]).layers[0].elastic_alpha)"
    done = subprocess.run([sys.executable, "-c", program, str(tmp_path)], capture_output=True, text=True, check=False, cwd=REPOSITORY)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "20.0"
