"""Random distortions of each training image, drawn afresh every step and compiled with the training program.

An MLP sees pixels, not shapes: the same digit moved by two pixels is, to it, a different input. Showing
it every digit shifted, turned, scaled and bent a little, anew each epoch, teaches it what stays the
same. Simard et al. (2003) took a 784-800-10 MLP from 1.6% error to 1.1% with affine distortions and
to 0.7% with elastic ones: a uniform(-1, 1) displacement field per axis, smoothed by a Gaussian of
`sigma` pixels and scaled by `alpha` pixels, so that neighbouring pixels move together like ink on a
bending sheet.

`RandomDistortion` composes both into one sampling grid per image and reads the image through it with
bilinear interpolation, in plain TensorFlow ops that XLA compiles (a matrix product for the smoothing,
one gather for the sampling), so a network that distorts its images trains a whole epoch per call as
the others do. Keras's own `RandomElasticTransform` is no substitute on TensorFlow: Keras 3.15 draws
its two displacement fields with the same seed (`keras/src/backend/tensorflow/image.py`,
`elastic_transform`), so every pixel moves along the diagonal, and XLA cannot compile its image ops.
"""

from __future__ import annotations

import math
from typing import Any

import keras
import numpy as np
import tensorflow as tf

TRUNCATE = 4.0  # the Gaussian's radius in sigmas, as scipy.ndimage.gaussian_filter cuts it
# Philox by name: left to choose ("auto_select", as `keras.random.uniform` leaves it), XLA on a CPU drew a
# batch's 157,000 numbers in 2 ms to 44 ms; named, in 0.1 ms, and TensorFlow's own kernels draw the same.
DRAWN_BY = "philox"


def stateless_seed(generator: keras.random.SeedGenerator) -> tf.Tensor:
    """`generator`'s next seed, as Keras draws and casts it for TensorFlow's stateless random ops."""
    seed = generator.next()
    return seed if seed.dtype == tf.int32 else tf.cast(tf.math.floormod(seed, tf.int32.max - 1), tf.int32)


def smoothing_matrix(side: int, sigma: float) -> np.ndarray:
    """The `side` x `side` matrix G for which `G @ field @ G.T` is a Gaussian blur of `field` (standard
    deviation `sigma` pixels, zero beyond the border): scipy's `gaussian_filter(field, sigma, mode="constant")`."""
    radius = int(TRUNCATE * sigma + 0.5)
    offsets = np.arange(-radius, radius + 1)
    kernel = np.exp(-0.5 * (offsets / sigma) ** 2)
    kernel /= kernel.sum()
    distance = np.arange(side)[None, :] - np.arange(side)[:, None]
    return np.where(np.abs(distance) <= radius, kernel[np.clip(distance + radius, 0, 2 * radius)], 0.0).astype(np.float32)


def bilinear_sample(images: tf.Tensor, x: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
    """Each image read at its own points by bilinear interpolation, zero outside the picture.

    Args:
        images: `(batch, side * side)` flattened square images.
        x, y: `(batch, points)` column and row of every point to read, in pixels (0 is the first pixel's centre).

    Returns:
        `(batch, points)` values; a point on a pixel's centre reads that pixel exactly.
    """
    side = math.isqrt(images.shape[-1])
    row = side + 2  # the picture framed by one pixel of zeros, where every point beyond it reads
    framed = tf.reshape(tf.pad(tf.reshape(images, (-1, side, side)), [[0, 0], [1, 1], [1, 1]]), (-1, row * row))
    x, y = tf.clip_by_value(x, -1.0, float(side)), tf.clip_by_value(y, -1.0, float(side))
    left, top = tf.floor(x), tf.floor(y)
    across, down = x - left, y - top
    left, top = tf.cast(left, tf.int32) + 1, tf.cast(top, tf.int32) + 1  # in the framed picture
    right, bottom = tf.minimum(left + 1, row - 1), tf.minimum(top + 1, row - 1)
    corners = tf.stack([top * row + left, top * row + right, bottom * row + left, bottom * row + right], axis=-1)
    weights = tf.stack([(1 - across) * (1 - down), across * (1 - down), (1 - across) * down, across * down], axis=-1)
    values = tf.reshape(tf.gather(framed, tf.reshape(corners, (tf.shape(corners)[0], -1)), batch_dims=1), tf.shape(corners))
    return tf.reduce_sum(values * weights, axis=-1)


@keras.saving.register_keras_serializable(package="tfmlp")
class RandomDistortion(keras.layers.Layer):
    """Distorts each flattened square training image afresh every step; at test time it passes its inputs on.

    Per image: a shift of up to `shift` of the side each way on each axis, a turn of up to `rotation` of
    a full turn either way, a scale of up to `zoom` in or out, and an elastic displacement field per
    axis (`elastic_alpha` pixels times a uniform(-1, 1) field blurred by a Gaussian of `elastic_sigma`
    pixels; the two fields independent). All strengths 0 read every pixel where it is.

    Args:
        shift, rotation, zoom: affine strengths, as `tfmlp.config.ModelConfig`'s `augment_*` fields.
        elastic_alpha, elastic_sigma: the elastic field's scale and smoothness, in pixels (Simard et al.: 34 and 4).
        seed: of the layer's `SeedGenerator`; None draws it from Keras's global seed, so
            `keras.utils.set_random_seed` repeats a run's distortions.

    Example:
        >>> layer = RandomDistortion(shift=0.1, rotation=0.03, zoom=0.1, elastic_alpha=34.0, elastic_sigma=4.0)
    """

    def __init__(
        self,
        shift: float = 0.0,
        rotation: float = 0.0,
        zoom: float = 0.0,
        elastic_alpha: float = 0.0,
        elastic_sigma: float = 4.0,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("dtype", "float32")  # coordinates need float32's precision under any policy
        super().__init__(**kwargs)
        self.shift, self.rotation, self.zoom = float(shift), float(rotation), float(zoom)
        self.elastic_alpha, self.elastic_sigma = float(elastic_alpha), float(elastic_sigma)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        side = math.isqrt(input_shape[-1])
        if side * side != input_shape[-1]:
            raise ValueError(f"RandomDistortion needs flattened square images; {input_shape[-1]} pixels are not a square")
        self.side = side
        self.smoothing = smoothing_matrix(side, self.elastic_sigma)  # numpy: a constant of whichever function calls

    def call(self, images: tf.Tensor, training: bool = False) -> tf.Tensor:
        if not training:
            return images
        x, y = self.source_points(tf.shape(images)[0])
        return bilinear_sample(images, x, y)

    def source_points(self, batch_size: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        """Where each image's pixels are read from: `(batch, side * side)` columns and rows, one draw per step."""
        side = self.side
        pixels = side * side
        elastic = 2 * pixels if self.elastic_alpha else 0  # two fields, drawn only where they move anything
        seed = stateless_seed(self.seed_generator)
        draw = tf.random.stateless_uniform((batch_size, 4 + elastic), seed, -1.0, 1.0, alg=DRAWN_BY)
        angle = draw[:, 0:1] * (2 * math.pi * self.rotation)
        scale = 1 + draw[:, 1:2] * self.zoom
        shift_x, shift_y = draw[:, 2:3] * (self.shift * side), draw[:, 3:4] * (self.shift * side)
        across, down = self.elastic_field(tf.reshape(draw[:, 4:], (batch_size, 2, side, side))) if elastic else (0.0, 0.0)
        centre = (side - 1) / 2
        grid = np.arange(side, dtype=np.float32) - centre
        column, row = np.tile(grid, side)[None, :], np.repeat(grid, side)[None, :]  # each pixel's, from the centre
        cos, sin = tf.cos(angle) * scale, tf.sin(angle) * scale
        x = cos * column - sin * row + (centre + shift_x) + across
        y = sin * column + cos * row + (centre + shift_y) + down
        return x, y

    def elastic_field(self, uniform: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        """`uniform`, `(batch, 2, side, side)` draws from [-1, 1), as the displacements across and down
        of every pixel (`(batch, side * side)` each): blurred and scaled by `elastic_alpha`."""
        field = self.elastic_alpha * tf.einsum("ij,bajk,lk->bail", self.smoothing, uniform, self.smoothing)
        pixels = self.side * self.side
        return tf.reshape(field[:, 0], (-1, pixels)), tf.reshape(field[:, 1], (-1, pixels))

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple[int | None, ...]:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "shift": self.shift,
            "rotation": self.rotation,
            "zoom": self.zoom,
            "elastic_alpha": self.elastic_alpha,
            "elastic_sigma": self.elastic_sigma,
            "seed": self.seed,
        }
