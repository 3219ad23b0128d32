"""Train lesson 07's two networks on CIFAR-10 without a notebook and report how fast and how well.

    python benchmarks/bench_cifar.py [--data DIR] [--budget gpu|cpu|ci] [--network both|cnn|resnet] ...

The networks are the ones the lesson's reference solution builds: the plain CNN (the
baseline, solution cell ``ex2-cnn``) and the residual network (cells ``ex-resblock`` and
``ex-resnet``), and the optimizer is the solution's ``make_optimizer`` (``ex-optimizer``:
SGD with Nesterov momentum, weight decay on weights only), so the benchmark measures the
lesson. The recipe (widths, epochs, batch size, one-cycle learning rate stepped per batch,
gradient clipping, label smoothing, crop-and-flip augmentation) is the budget's, as in the
lesson. The loop itself is the lesson's, minus what only a notebook needs (progress bar,
per-epoch validation, checkpoints) and with no host-device synchronisation inside an epoch.

As in the lesson: on CUDA the whole data set lives on the GPU, augmentation runs there, and
the arithmetic runs under bfloat16 autocast; on CUDA and on the CPU the model and the
batches use channels_last (on the two-core CPU machine lesson 07's residual network trains
1.2 times faster in it than in the default layout at the ``cpu`` budget's widths, 1.4 times
at twice those; ``--fast-path off`` measures the default layout). Elsewhere (MPS)
everything is float32 in the default layout.

Prints, per network: training seconds, test accuracy with the lesson's test-time
augmentation (each test image's probabilities averaged with its mirror image's) and without,
side by side; and the device (its name on CUDA), the data set and the recipe. The training
time counts every epoch including augmentation, not the one-time loading and decoding of the
images nor the final test pass.
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
SOLUTION_CELLS = ("ex2-cnn", "ex-resblock", "ex-resnet", "ex-optimizer")


def load_lesson_code() -> dict:
    """CifarCNN, ResidualBlock, CifarResNet and make_optimizer as the lesson's reference
    solution defines them."""
    import nbformat
    import torch
    import torch.nn.functional as F
    from torch import nn

    from coursegrader.course import cells

    path = ROOT / "solutions" / LESSON / f"{LESSON}.ipynb"
    nb = nbformat.read(path, as_version=4)
    found = {cells.grade_id(cell): cell.source for cell in nb.cells}
    missing = [gid for gid in SOLUTION_CELLS if gid not in found]
    if missing:
        raise SystemExit(f"{path} has no cells {missing}")
    namespace = {"torch": torch, "nn": nn, "F": F}
    for gid in SOLUTION_CELLS:
        exec(compile(found[gid], f"{path.name}:{gid}", "exec"), namespace)
    return namespace


def load_lesson_model():
    """The CifarCNN class as the lesson's reference solution defines it."""
    return load_lesson_code()["CifarCNN"]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", help="CIFAR-10 folder (torchvision layout or train/<class>/, "
                   "test/<class>/); default: $COURSE_DATA_DIR or data/")
    p.add_argument("--budget", choices=["gpu", "cpu", "ci"],
                   help="default: $COURSE_BUDGET, else gpu on CUDA and cpu elsewhere")
    p.add_argument("--device", help="cuda, mps or cpu (default: the best available)")
    p.add_argument("--network", choices=["both", "cnn", "resnet"], default="both",
                   help="which of the lesson's networks to train (default: both, side by side)")
    p.add_argument("--epochs", type=int, help="override the budget's epochs (both networks)")
    p.add_argument("--train-size", type=int, help="override the budget's training images")
    p.add_argument("--threads", type=int, help="CPU threads for torch")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-download", action="store_true", help="only use a local copy")
    p.add_argument("--fast-path", choices=["auto", "on", "off"], default="auto",
                   help="channels_last memory and bfloat16 autocast (auto: as the lesson, "
                   "channels_last on CUDA and the CPU, autocast on CUDA only; 'on' runs the "
                   "GPU recipe's code path on any device, e.g. to test it; 'off': neither)")
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
        changes["epochs"] = changes["res_epochs"] = args.epochs
    if args.train_size:
        changes["train_size"] = args.train_size
    budget = with_overrides(budget, **changes)
    threads = args.threads or budget.threads
    if threads:
        torch.set_num_threads(threads)
    on_gpu = device.type == "cuda"
    if on_gpu:
        torch.backends.cudnn.benchmark = True
    # the lesson's rule (section 8): channels_last where convolutions read it fastest, CUDA
    # and the CPU; bfloat16 autocast on CUDA only
    fast = on_gpu if args.fast_path == "auto" else args.fast_path == "on"
    channels_last = (device.type in ("cuda", "cpu") if args.fast_path == "auto"
                     else args.fast_path == "on")

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

    code = load_lesson_code()
    seed_everything(args.seed)
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    X_train = data.normalize(train_set.images.to(device))
    y_train = train_set.labels.to(device)
    X_test = data.normalize(test_set.images.to(device)).contiguous(memory_format=fmt)
    y_test = test_set.labels.to(device)
    steps_per_epoch = math.ceil(len(y_train) / budget.batch_size)

    def sync():
        if on_gpu:
            torch.cuda.synchronize()

    def train_and_test(model, epochs):
        model = model.to(device, memory_format=fmt)
        optimizer = code["make_optimizer"](model, budget.lr, budget.weight_decay)
        scheduler = torch.optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=budget.lr, epochs=epochs, steps_per_epoch=steps_per_epoch,
            pct_start=0.25, anneal_strategy="linear")
        generator = torch.Generator(device=device).manual_seed(args.seed)
        sync()
        start, cpu_start = time.perf_counter(), time.process_time()
        for epoch in range(epochs):
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
                loss.backward()  # bfloat16 needs no GradScaler
                torch.nn.utils.clip_grad_norm_(model.parameters(), budget.max_norm)
                optimizer.step()
                scheduler.step()
                total += loss.detach()
            if not on_gpu:
                # CPU seconds too: on a shared machine they show what the epoch cost this
                # process, whatever else ran
                print(f"  {type(model).__name__} epoch {epoch + 1}/{epochs}: mean train loss "
                      f"{total.item() / steps_per_epoch:.3f} ({time.perf_counter() - start:.1f} s, "
                      f"{time.process_time() - cpu_start:.1f} s of CPU)", flush=True)
        sync()
        seconds = time.perf_counter() - start
        model.eval()
        correct = mirrored = 0
        with torch.no_grad(), torch.autocast(device.type, dtype=torch.bfloat16, enabled=fast):
            for xb, yb in zip(X_test.split(1000), y_test.split(1000), strict=True):
                probs = model(xb).softmax(dim=1)
                correct += (probs.argmax(1) == yb).sum().item()
                # the lesson's test-time augmentation: with the mirror image's probabilities
                both = probs + model(xb.flip(3)).softmax(dim=1)
                mirrored += (both.argmax(1) == yb).sum().item()
        return seconds, correct / len(y_test), mirrored / len(y_test)

    runs = []
    if args.network in ("both", "cnn"):
        seed_everything(args.seed)
        cnn = code["CifarCNN"](widths=budget.widths)
        runs.append(("plain CNN", budget.widths, budget.epochs, cnn, *train_and_test(cnn, budget.epochs)))
    if args.network in ("both", "resnet"):
        seed_everything(args.seed)
        res = code["CifarResNet"](widths=budget.res_widths)
        runs.append(("residual network", budget.res_widths, budget.res_epochs, res,
                     *train_and_test(res, budget.res_epochs)))

    print(f"device:            {describe_device(device)}"
          f"{' (' + torch.cuda.get_device_name(device) + ')' if on_gpu else ''}")
    print(f"data set:          {train_set.source} ({len(y_train)} training, "
          f"{len(y_test)} test images; loaded in {load_seconds:.1f} s)")
    print(f"budget:            {budget.name}, batch {budget.batch_size}"
          f"{', threads ' + str(threads) if threads else ''}"
          f"{' (channels_last' if channels_last else ' (default memory format'}"
          f"{', bfloat16 autocast)' if fast else ')'}")
    print(f"{'network':18s} {'widths':16s} {'parameters':>10s} {'epochs':>6s} "
          f"{'training seconds':>16s} {'with mirror images':>18s} {'test accuracy':>13s}")
    for name, widths, epochs, model, seconds, accuracy, mirrored in runs:
        size = sum(p.numel() for p in model.parameters())
        print(f"{name:18s} {str(widths):16s} {size:10,} {epochs:6d} {seconds:16.1f} "
              f"{mirrored:18.4f} {accuracy:13.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
