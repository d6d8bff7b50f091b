"""The original lab's four MNIST files, and the error for a folder that lacks or damages them.

`tfmlp.data` reads MNIST and `tfmlp.tfds_mnist` builds tfds's dataset from these files; both name
them from here, so that neither imports the other back.
"""

MNIST_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)


class MnistDataError(ValueError):
    """The MNIST folder is missing, incomplete or corrupted; the message says which and what to do."""
