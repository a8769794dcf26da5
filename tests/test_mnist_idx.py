"""Tests for tsforecast.datasets.load_mnist_idx on tiny IDX files written in tmp_path."""

import gzip

import numpy as np
import pytest

from tsforecast.datasets import load_mnist_idx


def _idx_bytes(values: np.ndarray, magic: int) -> bytes:
    """The IDX encoding of a uint8 array: magic number, big-endian dims, then the bytes."""
    dims = b"".join(int(d).to_bytes(4, "big") for d in values.shape)
    return magic.to_bytes(4, "big") + dims + values.astype(np.uint8).tobytes()


@pytest.fixture
def tiny_mnist():
    """Three 4x5 'images' with distinct pixels and their labels."""
    images = (np.arange(3 * 4 * 5) * 7 % 256).astype(np.uint8).reshape(3, 4, 5)
    return images, np.array([5, 0, 9], dtype=np.uint8)


def _write(path, data: bytes, gzipped: bool):
    path.write_bytes(gzip.compress(data) if gzipped else data)
    return path


@pytest.mark.parametrize("gzipped", [False, True])
def test_load_mnist_idx_reads_back_images_and_labels(tmp_path, tiny_mnist, gzipped):
    """Check that images and labels written as IDX (plain or gzipped) read back exactly."""
    images, labels = tiny_mnist
    suffix = ".gz" if gzipped else ""
    images_path = _write(tmp_path / f"imgs-idx3-ubyte{suffix}", _idx_bytes(images, 2051), gzipped)
    labels_path = _write(tmp_path / f"lbls-idx1-ubyte{suffix}", _idx_bytes(labels, 2049), gzipped)
    got_images, got_labels = load_mnist_idx(images_path, labels_path)
    assert got_images.dtype == np.uint8 and got_labels.dtype == np.uint8
    np.testing.assert_array_equal(got_images, images)
    np.testing.assert_array_equal(got_labels, labels)


def test_load_mnist_idx_without_labels_returns_none(tmp_path, tiny_mnist):
    """Check that labels are None when no labels file is given, and str paths work."""
    images_path = _write(tmp_path / "imgs", _idx_bytes(tiny_mnist[0], 2051), False)
    got_images, got_labels = load_mnist_idx(str(images_path))
    assert got_labels is None
    assert got_images.shape == (3, 4, 5)


def test_load_mnist_idx_detects_gzip_by_content_not_name(tmp_path, tiny_mnist):
    """Check that a gzipped file without a .gz suffix is still decompressed."""
    path = _write(tmp_path / "imgs.idx", _idx_bytes(tiny_mnist[0], 2051), True)
    np.testing.assert_array_equal(load_mnist_idx(path)[0], tiny_mnist[0])


def test_load_mnist_idx_rejects_bad_magic_number(tmp_path, tiny_mnist):
    """Check that swapped images/labels files fail with both magic numbers in the message."""
    images, labels = tiny_mnist
    labels_path = _write(tmp_path / "lbls", _idx_bytes(labels, 2049), False)
    message = r"magic number is 0x00000801 \(2049\), expected 0x00000803"
    with pytest.raises(ValueError, match=message):
        load_mnist_idx(labels_path)


@pytest.mark.parametrize("keep", [2, 10, 30])
def test_load_mnist_idx_rejects_truncated_file(tmp_path, tiny_mnist, keep):
    """Check that a file cut inside its magic number, header or data is reported truncated."""
    data = _idx_bytes(tiny_mnist[0], 2051)[:keep]
    path = _write(tmp_path / "imgs", data, False)
    with pytest.raises(ValueError, match="is truncated"):
        load_mnist_idx(path)


def test_load_mnist_idx_rejects_truncated_gzip(tmp_path, tiny_mnist):
    """Check that a gzip stream cut short is reported as truncated or damaged."""
    data = gzip.compress(_idx_bytes(tiny_mnist[0], 2051))
    path = tmp_path / "imgs.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="truncated or damaged"):
        load_mnist_idx(path)


def test_load_mnist_idx_rejects_mismatched_counts(tmp_path, tiny_mnist):
    """Check that 3 images with 2 labels fail with both counts in the message."""
    images, labels = tiny_mnist
    images_path = _write(tmp_path / "imgs", _idx_bytes(images, 2051), False)
    labels_path = _write(tmp_path / "lbls", _idx_bytes(labels[:2], 2049), False)
    with pytest.raises(ValueError, match="holds 3 images but .* holds 2 labels"):
        load_mnist_idx(images_path, labels_path)
