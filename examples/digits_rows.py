"""Seed 4: images read row by row as sequences, on LSTMClassifier.

The tutorials read each 28x28 MNIST image as 28 time steps of 28 pixels: LSTM(28 -> 64 or 128
hidden, batch_first), a linear head on the last step, cross-entropy, Adam lr 0.01, batch 64,
one epoch, about 0.95-0.98 test accuracy. MNIST cannot be downloaded on these machines, so by
default this script reads scikit-learn's bundled 8x8 digits (1,797 images) as 8 time steps of
8 pixels; give it the standard IDX files and it reads MNIST instead
(:func:`tsforecast.datasets.load_mnist_idx`). A quarter of the images, stratified by digit and
never seen in ``fit``, measure the accuracy.

Run: ``python examples/digits_rows.py`` (writes docs/images/digits_rows.png), or
``python examples/digits_rows.py --images train-images-idx3-ubyte.gz --labels
train-labels-idx1-ubyte.gz --n-samples 20000`` for MNIST.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from tsforecast import LSTMClassifier
from tsforecast.datasets import load_mnist_idx
from tsforecast.plotting import save_figure


def main(
    images_path=None,
    labels_path=None,
    n_samples: int | None = None,
    hidden_size: int = 64,
    epochs: int = 15,
    lr: float = 1e-2,
    batch_size: int = 64,
    plot: str | None = "docs/images/digits_rows.png",
):
    """Fit on 75% of the images, return the held-out accuracy and timings as a dict."""
    images, labels, source = _load(images_path, labels_path)
    if n_samples is not None:
        images, labels = images[:n_samples], labels[:n_samples]
    n_rows = images.shape[1]
    X = images.reshape(len(images), -1).astype(np.float64)  # each row: n_rows steps of pixels
    X_train, X_test, y_train, y_test, _, test_images = train_test_split(
        X, labels, images, test_size=0.25, stratify=labels, random_state=0
    )
    model = LSTMClassifier(
        sequence_length=n_rows, hidden_size=hidden_size, epochs=epochs, lr=lr,
        batch_size=batch_size, random_state=0,
    )
    start = time.perf_counter()
    model.fit(X_train, y_train)
    fit_seconds = time.perf_counter() - start
    predicted = model.predict(X_test)
    result = {
        "data": source,
        "accuracy": float(np.mean(predicted == y_test)),
        "n_train": len(y_train),
        "n_test": len(y_test),
        "sequence": f"{n_rows} steps x {X.shape[1] // n_rows} pixels",
        "epochs_run": len(model.history_["loss"]),
        "fit_seconds": fit_seconds,
    }
    if plot:
        _plot(test_images, y_test, predicted, result, plot)
    return result


def _load(images_path, labels_path):
    """MNIST from IDX files when both paths are given, else sklearn's bundled 8x8 digits."""
    if images_path is not None:
        if labels_path is None:
            raise ValueError("--images needs --labels too: accuracy needs the true digits.")
        images, labels = load_mnist_idx(images_path, labels_path)
        return images, labels, "MNIST (IDX files)"
    digits = load_digits()
    return digits.images, digits.target, "scikit-learn 8x8 digits"


def _plot(images, truth, predicted, result, path):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 8, figsize=(8, 2.6))
    wrong = np.flatnonzero(predicted != truth)[:4]
    right = np.flatnonzero(predicted == truth)[: 16 - len(wrong)]
    for ax, i in zip(axes.flat, np.concatenate([right, wrong])):
        ax.imshow(images[i], cmap="gray_r")
        ok = predicted[i] == truth[i]
        ax.set_title(f"{predicted[i]}" + ("" if ok else f" (is {truth[i]})"),
                     color="k" if ok else "C3", fontsize=9)
        ax.axis("off")
    fig.suptitle(
        f"LSTMClassifier reading {result['data']} row by row: held-out accuracy "
        f"{result['accuracy']:.3f} (mistakes in red)", fontsize=9,
    )
    save_figure(fig, path, dpi=80)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", help="MNIST images IDX file (.gz or not)")
    parser.add_argument("--labels", help="MNIST labels IDX file (.gz or not)")
    parser.add_argument("--n-samples", type=int, help="use only the first N images")
    parser.add_argument("--hidden-size", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--lr", type=float, default=1e-2)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch CPU threads; small LSTMs run fastest on one")
    parser.add_argument("--plot", default="docs/images/digits_rows.png")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    result = main(args.images, args.labels, args.n_samples, args.hidden_size, args.epochs,
                  args.lr, plot=args.plot)
    for key, value in result.items():
        print(f"{key}: {value:.3f}" if isinstance(value, float) else f"{key}: {value}")
