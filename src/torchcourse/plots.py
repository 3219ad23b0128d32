"""Small matplotlib figures the lessons share: images, training curves, confusion matrices,
feature maps. Each function draws one figure and returns it."""

from __future__ import annotations

from torchcourse.data import CIFAR10_MEAN, CIFAR10_STD


def _plt():
    import matplotlib.pyplot as plt

    return plt


def _to_display(image):
    """A CHW image (uint8, or normalised float) -> HWC floats in 0..1 for imshow."""
    import torch

    image = image.detach().cpu()
    if image.dtype == torch.uint8:
        image = image.float() / 255
    elif image.min() < 0 or image.max() > 1:  # normalised: undo it
        mean = torch.tensor(CIFAR10_MEAN).view(3, 1, 1)
        std = torch.tensor(CIFAR10_STD).view(3, 1, 1)
        image = image * std + mean
    return image.clamp(0, 1).permute(1, 2, 0).numpy()


def show_images(images, labels, classes, predictions=None, ncols: int = 8, size: float = 1.3):
    """A grid of images titled with their label (and the prediction, red when wrong)."""
    plt = _plt()
    n = len(images)
    nrows = (n + ncols - 1) // ncols
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * size, nrows * (size + 0.25)))
    for i, ax in enumerate(getattr(axes, "flat", [axes])):
        ax.axis("off")
        if i >= n:
            continue
        ax.imshow(_to_display(images[i]))
        title = classes[int(labels[i])]
        color = "black"
        if predictions is not None:
            guess = classes[int(predictions[i])]
            color = "green" if guess == title else "red"
            title = f"{guess}\n(true: {title})" if guess != title else guess
        ax.set_title(title, fontsize=8, color=color)
    fig.tight_layout()
    return fig


def plot_history(history: dict):
    """Loss and accuracy per epoch, train against test: ``history`` maps names such as
    "train_loss", "test_loss", "train_acc", "test_acc" to lists of numbers."""
    plt = _plt()
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.2))
    for key, values in history.items():
        if not values:
            continue
        ax = ax_loss if key.endswith("loss") else ax_acc
        ax.plot(range(1, len(values) + 1), values, marker="o", label=key)
    ax_loss.set(xlabel="epoch", ylabel="loss", title="loss")
    ax_acc.set(xlabel="epoch", ylabel="accuracy", title="accuracy")
    for ax in (ax_loss, ax_acc):
        ax.legend()
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def plot_confusion_matrix(matrix, classes, normalize: bool = True):
    """A confusion matrix (rows: true class, columns: predicted class) as a heat map."""
    import numpy as np

    plt = _plt()
    matrix = np.asarray(matrix, dtype=float)
    shown = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1) if normalize else matrix
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    im = ax.imshow(shown, cmap="Blues", vmin=0)
    ax.set_xticks(range(len(classes)), classes, rotation=45, ha="right")
    ax.set_yticks(range(len(classes)), classes)
    ax.set(xlabel="predicted class", ylabel="true class")
    for i in range(len(classes)):
        for j in range(len(classes)):
            value = f"{shown[i, j]:.2f}" if normalize else f"{int(matrix[i, j])}"
            dark = shown[i, j] > shown.max() / 2
            ax.text(j, i, value, ha="center", va="center", fontsize=7,
                    color="white" if dark else "black")
    fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    return fig


def show_feature_maps(maps, max_maps: int = 16, title: str = ""):
    """The channels of one image's activation ``C x H x W`` (or ``1 x C x H x W``)."""
    plt = _plt()
    maps = maps.detach().float().cpu()
    if maps.dim() == 4:
        maps = maps[0]
    n = min(max_maps, maps.shape[0])
    ncols = min(8, n)
    nrows = (n + ncols - 1) // ncols
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * 1.1, nrows * 1.1 + 0.4))
    for i, ax in enumerate(getattr(axes, "flat", [axes])):
        ax.axis("off")
        if i < n:
            ax.imshow(maps[i].numpy(), cmap="viridis")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig
