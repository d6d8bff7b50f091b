"""The original lab's four MNIST files, their official SHA-256 sums, and the error for a folder that lacks or damages them.

`tfmlp.data` reads MNIST and `tfmlp.tfds_mnist` builds tfds's dataset from these files; both name
them from here, so that neither imports the other back.
"""

MNIST_FILES = {  # the four original files and their official SHA-256 sums (MNIST_data/SHA256SUMS; tfds registers the same)
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}


class MnistDataError(ValueError):
    """The MNIST folder is missing, incomplete or corrupted; the message says which and what to do."""
