"""Train lesson 07's CNN on CIFAR-10 without a notebook and report how fast and how well.

    python benchmarks/bench_cifar.py [--data DIR] [--budget gpu|cpu|ci] [--epochs N] ...

The network is the one the lesson's reference solution builds: its class is read from the
solution cell ``ex2-cnn`` of solutions/07-cifar10-cnn, so the benchmark measures the lesson.
The recipe (widths, epochs, batch size, SGD with Nesterov momentum, one-cycle learning rate,
label smoothing, crop-and-flip augmentation) is the budget's, as in the lesson. The loop
itself is the lesson's, minus what only a notebook needs (progress bar, per-epoch
validation, checkpoints) and with no host-device synchronisation inside an epoch.

On CUDA: the whole data set lives on the GPU, augmentation runs there, the model and the
batches use channels_last, and the arithmetic runs under bfloat16 autocast. Elsewhere
everything is float32 on the CPU (or MPS).

Prints: device, data set, epochs, training seconds, test accuracy. The training time counts
every epoch including augmentation, not the one-time loading and decoding of the images
nor the final test pass.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "grader"))  # coursegrader.course.cells: nbgrader cell metadata

LESSON = "07-cifar10-cnn"
MODEL_CELL = "ex2-cnn"


def load_lesson_model():
    """The CifarCNN class as the lesson's reference solution defines it."""
    import nbformat
    import torch
    from torch import nn

    from coursegrader.course import cells

    path = ROOT / "solutions" / LESSON / f"{LESSON}.ipynb"
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cells.grade_id(cell) == MODEL_CELL:
            namespace = {"torch": torch, "nn": nn}
            exec(compile(cell.source, f"{path.name}:{MODEL_CELL}", "exec"), namespace)
            return namespace["CifarCNN"]
    raise SystemExit(f"{path} has no cell {MODEL_CELL!r}")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", help="CIFAR-10 folder (torchvision layout or train/<class>/, "
                   "test/<class>/); default: $COURSE_DATA_DIR or data/")
    p.add_argument("--budget", choices=["gpu", "cpu", "ci"],
                   help="default: $COURSE_BUDGET, else gpu on CUDA and cpu elsewhere")
    p.add_argument("--device", help="cuda, mps or cpu (default: the best available)")
    p.add_argument("--epochs", type=int, help="override the budget's epochs")
    p.add_argument("--train-size", type=int, help="override the budget's training images")
    p.add_argument("--threads", type=int, help="CPU threads for torch")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-download", action="store_true", help="only use a local copy")
    p.add_argument("--fast-path", choices=["auto", "on", "off"], default="auto",
                   help="channels_last memory and bfloat16 autocast (auto: only on CUDA; "
                   "'on' runs the GPU recipe's code path on any device, e.g. to test it)")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    import torch
    import torch.nn.functional as F

    from torchcourse import data, describe_device, pick_device, seed_everything
    from torchcourse.budget import BUDGETS, select_budget, with_overrides

    device = pick_device(args.device)
    budget = BUDGETS[args.budget] if args.budget else select_budget(device)
    changes = {}
    if args.epochs:
        changes["epochs"] = args.epochs
    if args.train_size:
        changes["train_size"] = args.train_size
    budget = with_overrides(budget, **changes)
    threads = args.threads or budget.threads
    if threads:
        torch.set_num_threads(threads)
    on_gpu = device.type == "cuda"
    if on_gpu:
        torch.backends.cudnn.benchmark = True
    fast = on_gpu if args.fast_path == "auto" else args.fast_path == "on"

    t0 = time.perf_counter()
    try:
        if budget.data == "fixture":
            train_set, test_set = data.load_fixture()
        else:
            root = Path(args.data) if args.data else None
            train_set, test_set = data.load_cifar10(root, download=not args.no_download)
    except data.DataMissing as err:
        print(err, file=sys.stderr)
        return 2
    train_set = train_set.subset(budget.train_size, seed=1)
    test_set = test_set.subset(budget.test_size, seed=2)
    load_seconds = time.perf_counter() - t0

    CifarCNN = load_lesson_model()
    seed_everything(args.seed)
    fmt = torch.channels_last if fast else torch.contiguous_format
    X_train = data.normalize(train_set.images.to(device))
    y_train = train_set.labels.to(device)
    X_test = data.normalize(test_set.images.to(device)).contiguous(memory_format=fmt)
    y_test = test_set.labels.to(device)

    model = CifarCNN(widths=budget.widths).to(device, memory_format=fmt)
    optimizer = torch.optim.SGD(model.parameters(), lr=budget.lr, momentum=0.9, nesterov=True,
                                weight_decay=budget.weight_decay)
    steps_per_epoch = math.ceil(len(y_train) / budget.batch_size)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=budget.lr, epochs=budget.epochs, steps_per_epoch=steps_per_epoch,
        pct_start=0.25, anneal_strategy="linear")
    generator = torch.Generator(device=device).manual_seed(args.seed)

    def sync():
        if on_gpu:
            torch.cuda.synchronize()

    sync()
    start = time.perf_counter()
    for epoch in range(budget.epochs):
        model.train()
        X_aug = data.random_crop_flip(X_train, generator=generator).contiguous(memory_format=fmt)
        order = torch.randperm(len(y_train), device=device, generator=generator)
        total = torch.zeros((), device=device)
        for i in range(steps_per_epoch):
            idx = order[i * budget.batch_size:(i + 1) * budget.batch_size]
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=fast):
                loss = F.cross_entropy(model(X_aug[idx]), y_train[idx],
                                       label_smoothing=budget.label_smoothing)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            total += loss.detach()
        if not on_gpu:
            print(f"  epoch {epoch + 1}/{budget.epochs}: mean train loss "
                  f"{total.item() / steps_per_epoch:.3f} ({time.perf_counter() - start:.1f} s)",
                  flush=True)
    sync()
    train_seconds = time.perf_counter() - start

    model.eval()
    correct = 0
    with torch.no_grad(), torch.autocast(device.type, dtype=torch.bfloat16, enabled=fast):
        for xb, yb in zip(X_test.split(1000), y_test.split(1000), strict=True):
            correct += (model(xb).argmax(1) == yb).sum().item()
    accuracy = correct / len(y_test)

    print(f"device:            {describe_device(device)}")
    print(f"data set:          {train_set.source} ({len(y_train)} training, "
          f"{len(y_test)} test images; loaded in {load_seconds:.1f} s)")
    print(f"budget:            {budget.name}, widths {budget.widths}, batch {budget.batch_size}"
          f"{', threads ' + str(threads) if threads else ''}")
    print(f"epochs:            {budget.epochs}"
          f"{' (channels_last, bfloat16 autocast)' if fast else ''}")
    print(f"training seconds:  {train_seconds:.1f}")
    print(f"test accuracy:     {accuracy:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
