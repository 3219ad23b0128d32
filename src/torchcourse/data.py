"""CIFAR-10 for the course: download, local copies, a small generated fixture, tensors.

Where the data comes from, in this order (see docs/cifar10-data.md):

1. a local copy in the data folder (``COURSE_DATA_DIR``; default ``data/`` of the course, or
   outside the course folder where the runtime keeps files: ``/content/data`` on Colab,
   ``/kaggle/working/data`` on Kaggle, ``~/.cache/torchcourse/data`` elsewhere):
   torchvision's extracted layout ``cifar-10-batches-py/`` or one folder of images per class,
   ``train/<class>/*`` and ``test/<class>/*`` (the layout ``ImageFolder`` reads);
2. torchvision's own download (checksummed) into that folder;
3. otherwise one clear message that says how to get the data (:class:`DataMissing`).

Whatever the source, a split is returned as a :class:`ImageSet`: uint8 images ``N x 3 x 32 x
32`` and int64 labels. JPEG/PNG folders are decoded once and cached next to the images as a
``.pt`` file, so that later runs start in a second. Training then works on tensors: the whole
split can live on the GPU, and augmentation (:func:`random_crop_flip`) runs there too.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

DATA_ENV = "COURSE_DATA_DIR"
CLASSES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)
# Per-channel mean and standard deviation of the CIFAR-10 training images (scale 0..1).
CIFAR10_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR10_STD = (0.2470, 0.2435, 0.2616)
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".ppm", ".webp"}
CACHE_VERSION = 1

HOW_TO_GET = """\
CIFAR-10 was not found in {root} and could not be downloaded ({reason}).

Get it in one of these ways, then run the cell again:
  * on a machine with internet, run once:   python -m torchcourse.data download
    (torchvision downloads and checks cifar-10-python.tar.gz into {root});
  * copy an extracted copy of torchvision's CIFAR-10 there:  {root}/cifar-10-batches-py/
  * or a folder of images per class:  {root}/train/<class>/*.png and {root}/test/<class>/*.png
To use a folder somewhere else, set the environment variable {env} to it.
"""


class DataMissing(FileNotFoundError):
    """The data set is not there; the message says how to get it."""


def _install_notebook_handler() -> None:
    """In a notebook, show DataMissing as its message only, without a traceback."""
    try:
        ipython = sys.modules["IPython"].get_ipython()
    except (KeyError, AttributeError):
        return
    if ipython is None or not hasattr(ipython, "set_custom_exc"):
        return

    def _show(shell, etype, value, tb, tb_offset=None):
        print(f"{etype.__name__}: {value}", file=sys.stderr)

    ipython.set_custom_exc((DataMissing,), _show)


_install_notebook_handler()


@dataclass
class ImageSet:
    """One split of an image data set as tensors: uint8 images N x 3 x H x W, int64 labels."""

    images: object
    labels: object
    classes: tuple
    source: str = ""

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, n: int | None, seed: int = 0) -> ImageSet:
        """The first ``n`` images (all when ``n`` is None) of a fixed random order, the same
        every time: a folder of images per class is read class after class, and a validation
        split taken from the front must not be one class only."""
        import torch

        n = len(self) if n is None else min(n, len(self))
        order = torch.randperm(len(self), generator=torch.Generator().manual_seed(seed))[:n]
        return ImageSet(self.images[order], self.labels[order], self.classes, self.source)


def course_root() -> Path:
    """The course checkout this package belongs to (src/torchcourse/ -> the root)."""
    return Path(__file__).resolve().parent.parent.parent


# Outside the course folder: where each hosted runtime keeps files while it runs (Colab's
# working folder is /content; Kaggle keeps /kaggle/working as the notebook's output).
HOSTED_DATA_DIRS = {"colab": "/content/data", "kaggle": "/kaggle/working/data"}


def default_data_dir() -> Path:
    """``COURSE_DATA_DIR`` if it is set, else the course's ``data/`` folder; where this
    package was installed on its own, the hosted runtime's folder (``HOSTED_DATA_DIRS``) or
    ``~/.cache/torchcourse/data``."""
    from torchcourse.hosted import hosted_service, in_repository

    env = os.environ.get(DATA_ENV, "").strip()
    if env:
        return Path(env).expanduser().resolve()
    if in_repository():
        return course_root() / "data"
    service = hosted_service()
    if service in HOSTED_DATA_DIRS:
        return Path(HOSTED_DATA_DIRS[service])
    cache = os.environ.get("XDG_CACHE_HOME", "").strip() or "~/.cache"
    return Path(cache).expanduser().resolve() / "torchcourse" / "data"


# --------------------------------------------------------------------------------------
# Finding and reading a local copy
# --------------------------------------------------------------------------------------


def find_layout(root: Path) -> str | None:
    """Which local layout ``root`` holds: "torchvision", "imagefolder" or None."""
    root = Path(root)
    if (root / "cifar-10-batches-py" / "data_batch_1").is_file():
        return "torchvision"
    if (root / "train").is_dir() and (root / "test").is_dir():
        if any(p.is_dir() for p in (root / "train").iterdir()):
            return "imagefolder"
    return None


def _image_files(split_dir: Path) -> tuple[tuple[str, ...], list[tuple[Path, int]]]:
    classes = tuple(sorted(p.name for p in split_dir.iterdir() if p.is_dir()))
    if not classes:
        raise DataMissing(f"{split_dir} holds no class folders (expected {split_dir}/<class>/*.png)")
    files = []
    for index, name in enumerate(classes):
        for entry in sorted(os.scandir(split_dir / name), key=lambda e: e.name):
            if entry.is_file() and Path(entry.name).suffix.lower() in IMAGE_SUFFIXES:
                files.append((Path(entry.path), index))
    return classes, files


def _order_classes(classes: tuple[str, ...]) -> tuple[tuple[str, ...], list[int]]:
    """Use CIFAR-10's standard label order when the folders are the CIFAR-10 classes."""
    if set(classes) == set(CLASSES):
        return CLASSES, [CLASSES.index(c) for c in classes]
    return classes, list(range(len(classes)))


def _decode(path: Path):
    import numpy as np
    from PIL import Image

    with Image.open(path) as img:
        return np.asarray(img.convert("RGB"), dtype=np.uint8)


def load_imagefolder_split(split_dir: Path, cache: bool = True) -> ImageSet:
    """Decode ``split_dir/<class>/*`` once into uint8 tensors; cache them next to the folder.

    The cache (``<split>.cache.pt`` beside ``split_dir``) is used while the number of images
    and the class names are unchanged. A folder that cannot be written to is read every time.
    """
    import numpy as np
    import torch

    split_dir = Path(split_dir)
    folder_classes, files = _image_files(split_dir)
    classes, remap = _order_classes(folder_classes)
    cache_file = split_dir.parent / f"{split_dir.name}.cache.pt"
    key = {"version": CACHE_VERSION, "count": len(files), "classes": list(classes)}
    if cache and cache_file.is_file():
        try:
            stored = torch.load(cache_file, weights_only=True)
            if stored.get("key") == key:
                return ImageSet(stored["images"], stored["labels"], classes, str(split_dir))
        except Exception:  # a broken or old cache is rebuilt below
            pass
    if not files:
        raise DataMissing(f"{split_dir} holds no images (.png, .jpg, ...)")
    arrays = [_decode(path) for path, _ in files]
    shapes = {a.shape for a in arrays}
    if len(shapes) != 1:
        raise ValueError(f"images in {split_dir} differ in size: {sorted(shapes)[:3]} ...")
    images = torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).contiguous()
    labels = torch.tensor([remap[label] for _, label in files], dtype=torch.int64)
    if cache:
        try:
            tmp = cache_file.with_suffix(f".tmp{os.getpid()}")
            torch.save({"key": key, "images": images, "labels": labels}, tmp)
            os.replace(tmp, cache_file)
        except OSError:
            pass
    return ImageSet(images, labels, classes, str(split_dir))


def load_torchvision_split(root: Path, train: bool, download: bool = False) -> ImageSet:
    """One split through ``torchvision.datasets.CIFAR10`` (which checks the files' MD5)."""
    import torch
    from torchvision.datasets import CIFAR10

    dataset = CIFAR10(root=str(root), train=train, download=download)
    images = torch.from_numpy(dataset.data).permute(0, 3, 1, 2).contiguous()
    labels = torch.tensor(dataset.targets, dtype=torch.int64)
    return ImageSet(images, labels, tuple(dataset.classes), str(Path(root) / dataset.base_folder))


def download_cifar10(root: Path | None = None) -> Path:
    """Download CIFAR-10 with torchvision (checksummed) into ``root``; return ``root``."""
    root = Path(root) if root is not None else default_data_dir()
    root.mkdir(parents=True, exist_ok=True)
    for train in (True, False):
        load_torchvision_split(root, train=train, download=True)
    return root


def load_cifar10(root: Path | None = None, download: bool = True) -> tuple[ImageSet, ImageSet]:
    """CIFAR-10's training and test split from a local copy in ``root``, or downloaded there.

    Raises :class:`DataMissing` (with instructions) when neither works.
    """
    root = Path(root) if root is not None else default_data_dir()
    layout = find_layout(root)
    if layout == "imagefolder":
        return load_imagefolder_split(root / "train"), load_imagefolder_split(root / "test")
    if layout == "torchvision":
        try:
            return load_torchvision_split(root, True), load_torchvision_split(root, False)
        except RuntimeError as err:  # torchvision: "Dataset not found or corrupted"
            if not download:
                raise DataMissing(HOW_TO_GET.format(root=root, reason=err, env=DATA_ENV)) from None
    if not download:
        reason = "downloading was switched off"
        raise DataMissing(HOW_TO_GET.format(root=root, reason=reason, env=DATA_ENV))
    try:
        download_cifar10(root)
        return load_torchvision_split(root, True), load_torchvision_split(root, False)
    except (OSError, RuntimeError) as err:  # no internet, no space, bad checksum
        reason = f"{type(err).__name__}: {err}".strip()
        raise DataMissing(HOW_TO_GET.format(root=root, reason=reason, env=DATA_ENV)) from None


# --------------------------------------------------------------------------------------
# A small CIFAR-shaped data set for tests, CI and grading
# --------------------------------------------------------------------------------------

FIXTURE_VERSION = 1


def _fixture_image(rng, label: int):
    """One 32 x 32 RGB image of class ``label``: a shape (5 kinds) in a colour family (2
    kinds), at a random place and size, on a noisy random background."""
    import numpy as np

    shape, warm = label % 5, label // 5
    yy, xx = np.mgrid[0:32, 0:32].astype(np.float32)
    background = rng.uniform(0.2, 0.8, size=3) * 255
    img = np.empty((32, 32, 3), dtype=np.float32)
    img[:] = background
    cy, cx = rng.uniform(10, 22, size=2)
    size = rng.uniform(5, 9)
    dy, dx = yy - cy, xx - cx
    if shape == 0:  # disk
        mask = dy**2 + dx**2 <= size**2
    elif shape == 1:  # horizontal bar
        mask = (np.abs(dy) <= size / 3) & (np.abs(dx) <= size * 1.4)
    elif shape == 2:  # vertical bar
        mask = (np.abs(dx) <= size / 3) & (np.abs(dy) <= size * 1.4)
    elif shape == 3:  # square ring
        box = np.maximum(np.abs(dy), np.abs(dx))
        mask = (box <= size) & (box >= size * 0.55)
    else:  # cross
        mask = ((np.abs(dy) <= size / 4) | (np.abs(dx) <= size / 4)) & (
            np.maximum(np.abs(dy), np.abs(dx)) <= size
        )
    if warm:
        colour = np.array([rng.uniform(200, 255), rng.uniform(40, 140), rng.uniform(0, 60)])
    else:
        colour = np.array([rng.uniform(0, 60), rng.uniform(60, 160), rng.uniform(200, 255)])
    img[mask] = colour
    img += rng.normal(0, 18, size=img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def make_fixture(root: Path, train_per_class: int = 64, test_per_class: int = 20, seed: int = 0):
    """Write a small learnable CIFAR-shaped data set (32x32 RGB PNG files, CIFAR-10's ten
    class names) to ``root/train/<class>/`` and ``root/test/<class>/``; return ``root``.

    Each class is a shape and a colour family at a random place, size and background, with
    pixel noise: a small CNN learns it in a few epochs, a constant guess gets 10%.
    Writing is skipped when ``root`` already holds this exact fixture.
    """
    import numpy as np
    from PIL import Image

    root = Path(root)
    stamp = root / "FIXTURE"
    wanted = f"cifar10-fixture v{FIXTURE_VERSION} {train_per_class} {test_per_class} {seed}\n"
    if stamp.is_file() and stamp.read_text() == wanted:
        return root
    root.parent.mkdir(parents=True, exist_ok=True)
    # Several notebooks may start at once (parallel grading): one writes, the others wait
    # for it, and a finished fixture is never deleted while someone reads it.
    # filelock comes with torch (one of its own dependencies).
    from filelock import FileLock

    with FileLock(root.with_name(root.name + ".lock")):
        if stamp.is_file() and stamp.read_text() == wanted:
            return root
        rng = np.random.default_rng(seed)
        tmp = root.with_name(root.name + f".tmp{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        for split, per_class in (("train", train_per_class), ("test", test_per_class)):
            for label, name in enumerate(CLASSES):
                folder = tmp / split / name
                folder.mkdir(parents=True, exist_ok=True)
                for i in range(per_class):
                    Image.fromarray(_fixture_image(rng, label)).save(folder / f"{i:04d}.png")
        (tmp / "FIXTURE").write_text(wanted)
        if root.exists():  # an older version: move it aside in one step, then delete it
            old = root.with_name(root.name + f".old{os.getpid()}")
            os.replace(root, old)
            shutil.rmtree(old, ignore_errors=True)
        os.replace(tmp, root)
    return root


def fixture_dir() -> Path:
    """Where the generated fixture lives: ``<data folder>/cifar10-fixture``, or a temporary
    folder when the data folder cannot be written to."""
    base = default_data_dir()
    try:
        base.mkdir(parents=True, exist_ok=True)
        if os.access(base, os.W_OK):
            return base / "cifar10-fixture"
    except OSError:
        pass
    import tempfile

    return Path(tempfile.gettempdir()) / "torchcourse-cifar10-fixture"


def load_fixture(root: Path | None = None) -> tuple[ImageSet, ImageSet]:
    """The generated fixture (made on first use), read by the same code as real CIFAR-10."""
    root = make_fixture(root or fixture_dir())
    return load_cifar10(root, download=False)


def load_for_budget(budget) -> tuple[ImageSet, ImageSet]:
    """The data a training budget asks for (see torchcourse.budget), cut to its sizes."""
    if budget.data == "fixture":
        train, test = load_fixture()
    else:
        train, test = load_cifar10()
    return train.subset(budget.train_size, seed=1), test.subset(budget.test_size, seed=2)


def data_root(budget) -> Path:
    """The folder a budget's images come from, for torchvision's own data set classes:
    the generated fixture (one folder per class, what ``ImageFolder`` reads) or the local
    CIFAR-10 copy (``find_layout`` tells which layout it holds)."""
    if budget.data == "fixture":
        return make_fixture(fixture_dir())
    return default_data_dir()


# --------------------------------------------------------------------------------------
# Tensors on the device: normalisation, augmentation, batches
# --------------------------------------------------------------------------------------


def normalize(images, mean=CIFAR10_MEAN, std=CIFAR10_STD):
    """uint8 images N x 3 x H x W -> float32, scaled to 0..1, minus mean, over std (per
    channel)."""
    import torch

    x = images.float().div_(255)
    mean = torch.as_tensor(mean, dtype=x.dtype, device=x.device).view(1, -1, 1, 1)
    std = torch.as_tensor(std, dtype=x.dtype, device=x.device).view(1, -1, 1, 1)
    return (x - mean) / std


def random_crop_flip(x, pad: int = 4, generator=None):
    """A random crop (after padding ``pad`` pixels by reflection) and a random horizontal
    flip, per image, for a whole batch ``N x C x H x W`` at once, on the batch's device."""
    import torch
    import torch.nn.functional as F

    n, c, h, w = x.shape
    device = x.device
    flip = torch.rand(n, device=device, generator=generator) < 0.5
    x = torch.where(flip.view(n, 1, 1, 1), x.flip(3), x)
    if pad <= 0:
        return x
    padded = F.pad(x, (pad, pad, pad, pad), mode="reflect")
    dy = torch.randint(0, 2 * pad + 1, (n,), device=device, generator=generator)
    dx = torch.randint(0, 2 * pad + 1, (n,), device=device, generator=generator)
    rows = (dy.view(n, 1) + torch.arange(h, device=device)).view(n, 1, h, 1)
    cols = (dx.view(n, 1) + torch.arange(w, device=device)).view(n, 1, 1, w)
    batch = torch.arange(n, device=device).view(n, 1, 1, 1)
    chan = torch.arange(c, device=device).view(1, c, 1, 1)
    return padded[batch, chan, rows, cols]


def tensor_loader(X, y, batch_size: int, shuffle: bool = False, seed: int = 0):
    """A ``DataLoader`` over tensors that hands out whole batches by fancy indexing.

    One index per batch instead of one per image: fast even when X lives on the GPU.
    """
    import torch
    from torch.utils.data import (
        BatchSampler,
        DataLoader,
        RandomSampler,
        SequentialSampler,
        TensorDataset,
    )

    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}")
    dataset = TensorDataset(X, y)
    if shuffle:
        order = RandomSampler(dataset, generator=torch.Generator().manual_seed(seed))
    else:
        order = SequentialSampler(dataset)
    sampler = BatchSampler(order, batch_size=batch_size, drop_last=False)
    return DataLoader(dataset, sampler=sampler, batch_size=None, collate_fn=_as_is)


def _as_is(batch):
    return batch


def main(argv: list[str] | None = None) -> int:
    """``python -m torchcourse.data download|fixture|check [DIR]``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m torchcourse.data", description=__doc__)
    parser.add_argument("command", choices=["download", "fixture", "check"])
    parser.add_argument("root", nargs="?", help=f"data folder (default: ${DATA_ENV} or data/)")
    args = parser.parse_args(argv)
    root = Path(args.root) if args.root else None
    try:
        if args.command == "download":
            print("CIFAR-10 is ready in", download_cifar10(root))
        elif args.command == "fixture":
            print("fixture written to", make_fixture(root or fixture_dir()))
        else:
            train, test = load_cifar10(root, download=False)
            print(f"train: {len(train)} images, test: {len(test)} images, from {train.source}")
    except DataMissing as err:
        print(err, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
