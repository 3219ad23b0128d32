"""torchcourse.data: the fixture, both local layouts, the download path, the messages."""

from __future__ import annotations

import pickle
import urllib.error

import numpy as np
import pytest
import torch
from PIL import Image

from torchcourse import data


@pytest.fixture(scope="module")
def fixture_root(tmp_path_factory):
    return data.make_fixture(tmp_path_factory.mktemp("fixture") / "cifar")


def test_fixture_is_cifar_shaped_and_balanced(fixture_root):
    train, test = data.load_cifar10(fixture_root, download=False)
    assert train.images.shape == (640, 3, 32, 32) and train.images.dtype == torch.uint8
    assert test.images.shape == (200, 3, 32, 32)
    assert train.classes == data.CLASSES
    assert torch.bincount(train.labels, minlength=10).tolist() == [64] * 10
    assert torch.bincount(test.labels, minlength=10).tolist() == [20] * 10
    assert train.images.float().std() > 20, "the fixture images should not be flat"


def test_fixture_is_written_once(fixture_root):
    stamp = fixture_root / "FIXTURE"
    before = stamp.stat().st_mtime_ns
    data.make_fixture(fixture_root)
    assert stamp.stat().st_mtime_ns == before


def _load_fixture_sizes(root):
    train, test = data.load_fixture(root)
    return len(train), len(test), int(train.labels.sum())


def test_fixture_made_by_several_processes_at_once_is_whole_for_each(tmp_path):
    """Parallel grading starts several notebooks at the same moment, each asking for the
    fixture: every one of them must read the complete data set."""
    import multiprocessing

    root = tmp_path / "cifar"
    # Not fork: forking a process whose torch thread pool is running can hang. A fork server
    # imports torch once, in a process that has run nothing, and forks the four from it
    # (spawn imported torch in each).
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["torch", "torchcourse.data"])
    with context.Pool(4) as pool:
        sizes = pool.map(_load_fixture_sizes, [root] * 8)
    assert set(sizes) == {(640, 200, 64 * sum(range(10)))}, sizes
    leftovers = sorted(p.name for p in tmp_path.iterdir() if p.name != "cifar")
    assert leftovers == ["cifar.lock"], f"temporary folders left behind: {leftovers}"


def test_fixture_of_an_older_version_is_replaced(tmp_path):
    root = tmp_path / "cifar"
    data.make_fixture(root, train_per_class=2, test_per_class=1)
    data.make_fixture(root)
    train, test = data.load_cifar10(root, download=False)
    assert (len(train), len(test)) == (640, 200)


def test_fixture_is_learnable_by_a_small_cnn(fixture_root):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        torch.manual_seed(0)
        train, test = data.load_cifar10(fixture_root, download=False)
        X, y = data.normalize(train.images), train.labels
        net = torch.nn.Sequential(
            torch.nn.Conv2d(3, 16, 3, padding=1), torch.nn.BatchNorm2d(16), torch.nn.ReLU(),
            torch.nn.MaxPool2d(4),
            torch.nn.Conv2d(16, 32, 3, padding=1), torch.nn.BatchNorm2d(32), torch.nn.ReLU(),
            torch.nn.AdaptiveMaxPool2d(1), torch.nn.Flatten(), torch.nn.Linear(32, 10),
        )
        opt = torch.optim.Adam(net.parameters(), lr=3e-3)
        for epoch in range(8):
            net.train()
            for xb, yb in data.tensor_loader(data.random_crop_flip(X), y, 64, True, epoch):
                loss = torch.nn.functional.cross_entropy(net(xb), yb)
                opt.zero_grad()
                loss.backward()
                opt.step()
        net.eval()
        with torch.no_grad():
            acc = (net(data.normalize(test.images)).argmax(1) == test.labels).float().mean()
    finally:
        torch.set_num_threads(threads)
    assert acc >= 0.6, f"a small CNN reaches only {acc:.2f} on the fixture (chance: 0.1)"


def _write_png_folder(root, split, pixels_by_class):
    for name, pixels in pixels_by_class.items():
        folder = root / split / name
        folder.mkdir(parents=True)
        for i, value in enumerate(pixels):
            arr = np.full((32, 32, 3), value, dtype=np.uint8)
            arr[0, 0] = (1, 2, 3)
            Image.fromarray(arr).save(folder / f"{i}.png")


def test_imagefolder_layout_loads_exact_pixels_and_caches(tmp_path, monkeypatch):
    _write_png_folder(tmp_path, "train", {"cats": [10, 20], "dogs": [30]})
    _write_png_folder(tmp_path, "test", {"cats": [40], "dogs": [50]})
    assert data.find_layout(tmp_path) == "imagefolder"
    train, test = data.load_cifar10(tmp_path, download=False)
    assert train.classes == ("cats", "dogs")
    assert train.labels.tolist() == [0, 0, 1] and test.labels.tolist() == [0, 1]
    assert train.images.shape == (3, 3, 32, 32)
    assert train.images[:, 0, 5, 5].tolist() == [10, 20, 30]
    assert train.images[0, :, 0, 0].tolist() == [1, 2, 3], "channels must come first"
    assert (tmp_path / "train.cache.pt").is_file()

    def no_decoding(path):
        raise AssertionError("the cache should have been used")

    monkeypatch.setattr(data, "_decode", no_decoding)
    again, _ = data.load_cifar10(tmp_path, download=False)
    assert torch.equal(again.images, train.images)


def test_imagefolder_cache_is_rebuilt_when_images_change(tmp_path):
    _write_png_folder(tmp_path, "train", {"a": [1], "b": [2]})
    _write_png_folder(tmp_path, "test", {"a": [3], "b": [4]})
    first, _ = data.load_cifar10(tmp_path, download=False)
    Image.fromarray(np.zeros((32, 32, 3), np.uint8)).save(tmp_path / "train" / "b" / "9.png")
    second, _ = data.load_cifar10(tmp_path, download=False)
    assert len(first) == 2 and len(second) == 3


def _write_torchvision_copy(root, n=4):
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    pixels = {}
    for name in ["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4",
                 "data_batch_5", "test_batch"]:
        raw = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
        pixels[name] = raw
        with open(folder / name, "wb") as fh:
            pickle.dump({"data": raw, "labels": [i % 10 for i in range(n)]}, fh)
    with open(folder / "batches.meta", "wb") as fh:
        pickle.dump({"label_names": list(data.CLASSES)}, fh)
    return pixels


def test_torchvision_layout_loads(tmp_path, monkeypatch):
    import torchvision.datasets.cifar as tv_cifar

    pixels = _write_torchvision_copy(tmp_path)
    # the files are ours, so their MD5 sums are not torchvision's: skip only that check
    monkeypatch.setattr(tv_cifar, "check_integrity", lambda path, md5=None: True)
    assert data.find_layout(tmp_path) == "torchvision"
    train, test = data.load_cifar10(tmp_path, download=False)
    assert train.images.shape == (20, 3, 32, 32) and test.images.shape == (4, 3, 32, 32)
    # torchvision's rows are R plane, G plane, B plane: channel c of image 0 is row[c*1024:...]
    expected = torch.from_numpy(pixels["data_batch_1"][0].reshape(3, 32, 32).copy())
    assert torch.equal(train.images[0], expected)
    assert train.classes == data.CLASSES


def test_corrupt_torchvision_copy_gives_the_message(tmp_path):
    _write_torchvision_copy(tmp_path)  # checksums do not match torchvision's
    with pytest.raises(data.DataMissing, match="python -m torchcourse.data download"):
        data.load_cifar10(tmp_path, download=False)


def test_missing_data_gives_one_clear_message(tmp_path):
    with pytest.raises(data.DataMissing) as info:
        data.load_cifar10(tmp_path / "nothing", download=False)
    message = str(info.value)
    for hint in ("python -m torchcourse.data download", "cifar-10-batches-py",
                 "train/<class>", data.DATA_ENV):
        assert hint in message


def test_failed_download_gives_the_message_without_a_chained_traceback(tmp_path, monkeypatch):
    def offline(root):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(data, "download_cifar10", offline)
    with pytest.raises(data.DataMissing, match="no network") as info:
        data.load_cifar10(tmp_path)
    assert info.value.__suppress_context__


def test_download_goes_through_torchvision_with_download_true(tmp_path, monkeypatch):
    import torchvision.datasets

    calls = []

    class FakeCIFAR10:
        base_folder = "cifar-10-batches-py"
        classes = list(data.CLASSES)

        def __init__(self, root, train=True, download=False):
            calls.append((root, train, download))
            self.data = np.zeros((3 if train else 2, 32, 32, 3), dtype=np.uint8)
            self.targets = [1] * len(self.data)

    monkeypatch.setattr(torchvision.datasets, "CIFAR10", FakeCIFAR10)
    train, test = data.load_cifar10(tmp_path / "dl")
    assert (str(tmp_path / "dl"), True, True) in calls
    assert (str(tmp_path / "dl"), False, True) in calls
    assert train.images.shape == (3, 3, 32, 32) and len(test) == 2


def test_data_dir_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(data.DATA_ENV, str(tmp_path))
    assert data.default_data_dir() == tmp_path.resolve()
    monkeypatch.delenv(data.DATA_ENV)
    assert data.default_data_dir() == data.course_root() / "data"


def test_command_line_reports_missing_data_without_traceback(tmp_path, capsys):
    assert data.main(["check", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "python -m torchcourse.data download" in err and "Traceback" not in err


def test_normalize_per_channel():
    images = torch.full((2, 3, 4, 4), 255, dtype=torch.uint8)
    x = data.normalize(images)
    expected = [(1 - m) / s for m, s in zip(data.CIFAR10_MEAN, data.CIFAR10_STD, strict=True)]
    assert x.dtype == torch.float32
    assert torch.allclose(x[0, :, 0, 0], torch.tensor(expected))


def test_random_crop_flip_is_a_shifted_window_of_the_image():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(6, 3, 8, 8)
    out = data.random_crop_flip(x, pad=2, generator=g)
    assert out.shape == x.shape
    padded = torch.nn.functional.pad(x, (2, 2, 2, 2), mode="reflect")
    for i in range(len(x)):
        windows = [
            padded[i, :, dy:dy + 8, dx:dx + 8] for dy in range(5) for dx in range(5)
        ] + [padded[i, :, dy:dy + 8, dx:dx + 8].flip(2) for dy in range(5) for dx in range(5)]
        flipped_first = torch.nn.functional.pad(x[i:i + 1].flip(3), (2, 2, 2, 2), mode="reflect")[0]
        windows += [flipped_first[:, dy:dy + 8, dx:dx + 8] for dy in range(5) for dx in range(5)]
        assert any(torch.equal(out[i], w) for w in windows), f"image {i} is not a crop"


def test_random_flip_only_without_padding():
    x = torch.arange(2 * 3 * 4 * 4, dtype=torch.float32).view(2, 3, 4, 4).repeat(20, 1, 1, 1)
    out = data.random_crop_flip(x, pad=0, generator=torch.Generator().manual_seed(1))
    same = [torch.equal(o, i) for o, i in zip(out, x, strict=True)]
    flipped = [torch.equal(o, i.flip(2)) for o, i in zip(out, x, strict=True)]
    assert all(s or f for s, f in zip(same, flipped, strict=True))
    assert any(same) and any(flipped)


def test_tensor_loader_covers_every_row_once():
    X, y = torch.arange(10).float().view(10, 1), torch.arange(10)
    batches = list(data.tensor_loader(X, y, batch_size=4, shuffle=True, seed=0))
    assert [len(b[1]) for b in batches] == [4, 4, 2]
    seen = torch.cat([b[1] for b in batches])
    assert sorted(seen.tolist()) == list(range(10)) and seen.tolist() != list(range(10))
    assert torch.equal(torch.cat([b[0] for b in batches]).view(-1), seen.float())
    with pytest.raises(ValueError, match="rows"):
        data.tensor_loader(X, y[:5], 4)


def test_subset_is_fixed_and_shuffled(fixture_root):
    train, _ = data.load_cifar10(fixture_root, download=False)
    a, b = train.subset(100, seed=1), train.subset(100, seed=1)
    assert torch.equal(a.labels, b.labels) and len(a) == 100
    assert len(set(a.labels[:20].tolist())) > 3, "a subset must not be one class after another"
    assert len(train.subset(None)) == len(train)


def test_data_root_of_the_ci_budget_is_an_imagefolder_of_the_fixture(monkeypatch, tmp_path):
    from torchvision.datasets import ImageFolder

    from torchcourse.budget import BUDGETS

    monkeypatch.setattr(data, "fixture_dir", lambda: tmp_path / "fixture")
    root = data.data_root(BUDGETS["ci"])
    assert data.find_layout(root) == "imagefolder"
    folder = ImageFolder(root / "train")
    train, _ = data.load_fixture(root)
    assert tuple(folder.classes) == tuple(train.classes)
    assert len(folder) == len(train)
