"""Wrong-but-plausible submissions of lesson 07: each must lose exactly its exercise."""

# Wrong answers, one per mistake; combined below into few submissions, because every
# graded notebook of this lesson trains a network.
_WRONG = {
    # MPS checked before CUDA: not the rule the exercise asks for.
    "device-mps-first": {
        "replace": {
            "ex0-choose-device": """def choose_device(cuda_available, mps_available):
    if mps_available:
        return torch.device("mps")
    if cuda_available:
        return torch.device("cuda")
    return torch.device("cpu")
""",
        },
        "loses": ["ex0-choose-device-test"],
    },
    # Strings instead of torch.device, and MPS forgotten.
    "device-string-no-mps": {
        "replace": {
            "ex0-choose-device": """def choose_device(cuda_available, mps_available):
    return "cuda" if cuda_available else "cpu"
""",
        },
        "loses": ["ex0-choose-device-test"],
    },
    # Statistics on the 0..255 scale: the shapes are right, the values are 255 times too big.
    "stats-forget-255": {
        "replace": {
            "ex1-channel-stats": """def channel_stats(images):
    x = images.float()
    return x.mean(dim=(0, 2, 3)), x.std(dim=(0, 2, 3))
""",
        },
        "loses": ["ex1-channel-stats-test"],
    },
    # Flattens the 4 x 4 maps into the linear layer instead of pooling them: the output shape
    # is right for 32 x 32 images, and it even trains, but it is not the network asked for.
    "cnn-flatten-head": {
        "replace": {
            "ex2-cnn": """def conv_block(c_in, c_out):
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, kernel_size=3, padding=1, bias=False),
        nn.MaxPool2d(2),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
        nn.Conv2d(c_out, c_out, kernel_size=3, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
    )


class CifarCNN(nn.Module):
    def __init__(self, widths=(64, 256, 256), num_classes=10):
        super().__init__()
        c1, c2, c3 = widths
        self.blocks = nn.Sequential(conv_block(3, c1), conv_block(c1, c2), conv_block(c2, c3))
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(c3 * 4 * 4, num_classes))

    def forward(self, x):
        return self.head(self.blocks(x))
""",
        },
        "loses": ["ex2-cnn-params-test"],
    },
    # Returns the loss tensor: training works, but every step's graph is kept alive.
    "train-step-returns-tensor": {
        "replace": {
            "ex3-train-step": """def train_step(model, X, y, loss_fn, optimizer, scheduler, scaler, amp_dtype=None, max_norm=2.0):
    model.train()
    with torch.autocast(X.device.type, dtype=amp_dtype, enabled=amp_dtype is not None):
        loss = loss_fn(model(X), y)
    optimizer.zero_grad()
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    scheduler.step()
    return loss
""",
        },
        "loses": ["ex3-train-step-test"],
    },
    # Averages the per-batch accuracies: wrong whenever the last batch is smaller.
    "evaluate-averages-batches": {
        "replace": {
            "ex4-evaluate": """def evaluate(model, loader, loss_fn, device):
    model.eval()
    losses, accs = [], []
    with torch.no_grad():
        for X, y in loader:
            X, y = X.to(device), y.to(device)
            logits = model(X)
            losses.append(loss_fn(logits, y).item())
            accs.append((logits.argmax(dim=1) == y).float().mean().item())
    return sum(losses) / len(losses), sum(accs) / len(accs)
""",
        },
        "loses": ["ex4-evaluate-test"],
    },
    # Forgets eval(): the reloaded model would use batch statistics.
    "load-model-train-mode": {
        "replace": {
            "ex5-load-model": """def load_model(path, make_model, device):
    model = make_model()
    checkpoint = torch.load(path, map_location=device, weights_only=True)
    model.load_state_dict(checkpoint["state_dict"])
    return model.to(device)
""",
        },
        "loses": ["ex5-load-model-test"],
    },
    # No ReLU at all: the shapes and the parameter count are right, but the network is
    # almost linear.
    "cnn-without-relu": {
        "replace": {"ex2-cnn": """def conv_block(c_in, c_out):
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, kernel_size=3, padding=1, bias=False),
        nn.MaxPool2d(2),
        nn.BatchNorm2d(c_out),
        nn.Conv2d(c_out, c_out, kernel_size=3, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
    )


class CifarCNN(nn.Module):
    def __init__(self, widths=(64, 256, 256), num_classes=10):
        super().__init__()
        c1, c2, c3 = widths
        self.blocks = nn.Sequential(conv_block(3, c1), conv_block(c1, c2), conv_block(c2, c3))
        self.head = nn.Sequential(nn.AdaptiveMaxPool2d(1), nn.Flatten(), nn.Linear(c3, num_classes))

    def forward(self, x):
        return self.head(self.blocks(x))
"""},
        "loses": ["ex2-cnn-shape-test"],
    },
    # Convolutions with a bias in front of batch norm: within 1% of the parameter count.
    "cnn-conv-bias": {
        "replace": {"ex2-cnn": """def conv_block(c_in, c_out):
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, kernel_size=3, padding=1, bias=True),
        nn.MaxPool2d(2),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
        nn.Conv2d(c_out, c_out, kernel_size=3, padding=1, bias=True),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
    )


class CifarCNN(nn.Module):
    def __init__(self, widths=(64, 256, 256), num_classes=10):
        super().__init__()
        c1, c2, c3 = widths
        self.blocks = nn.Sequential(conv_block(3, c1), conv_block(c1, c2), conv_block(c2, c3))
        self.head = nn.Sequential(nn.AdaptiveMaxPool2d(1), nn.Flatten(), nn.Linear(c3, num_classes))

    def forward(self, x):
        return self.head(self.blocks(x))
"""},
        "loses": ["ex2-cnn-shape-test"],
    },
    # Autocast around the whole step: backward and the optimizer step run inside it.
    "train-step-autocast-whole-step": {
        "replace": {
            "ex3-train-step": """def train_step(model, X, y, loss_fn, optimizer, scheduler, scaler, amp_dtype=None, max_norm=2.0):
    with torch.autocast(X.device.type, dtype=amp_dtype, enabled=amp_dtype is not None):
        model.train()
        loss = loss_fn(model(X), y)
        optimizer.zero_grad()
        scaler.scale(loss).backward()
        scaler.unscale_(optimizer)
        nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        scaler.step(optimizer)
        scaler.update()
        scheduler.step()
    return loss.item()
""",
        },
        "loses": ["ex3-train-step-test"],
    },
    # Accepts amp_dtype and ignores it.
    "train-step-ignores-amp": {
        "replace": {
            "ex3-train-step": """def train_step(model, X, y, loss_fn, optimizer, scheduler, scaler, amp_dtype=None, max_norm=2.0):
    model.train()
    loss = loss_fn(model(X), y)
    optimizer.zero_grad()
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    scheduler.step()
    return loss.item()
""",
        },
        "loses": ["ex3-train-step-test"],
    },
    # Never moves the batches: fine while they already live on the model's device.
    "evaluate-no-to-device": {
        "replace": {
            "ex4-evaluate": """def evaluate(model, loader, loss_fn, device):
    model.eval()
    total_loss, correct, count = 0.0, 0, 0
    with torch.no_grad():
        for X, y in loader:
            logits = model(X)
            total_loss += loss_fn(logits, y).item() * len(y)
            correct += (logits.argmax(dim=1) == y).sum().item()
            count += len(y)
    return total_loss / count, correct / count
""",
        },
        "loses": ["ex4-evaluate-test"],
    },
    # No map_location: a checkpoint saved on a GPU does not open on a CPU-only machine.
    "load-model-no-map-location": {
        "replace": {
            "ex5-load-model": """def load_model(path, make_model, device):
    model = make_model()
    model.load_state_dict(torch.load(path, weights_only=True)["state_dict"])
    return model.to(device).eval()
""",
        },
        "loses": ["ex5-load-model-test"],
    },
    # No max pooling: AdaptiveMaxPool2d(1) in the head takes maps of any size, and pooling
    # has no parameters, so the output shape and the parameter count are both right. The
    # network also learns less: its checkpoint misses the accuracy bar (0.45 against 0.6 in
    # the ci budget), so Exercise 6 is lost as well.
    "cnn-without-maxpool": {
        "replace": {"ex2-cnn": """def conv_block(c_in, c_out):
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, kernel_size=3, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
        nn.Conv2d(c_out, c_out, kernel_size=3, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
    )


class CifarCNN(nn.Module):
    def __init__(self, widths=(64, 256, 256), num_classes=10):
        super().__init__()
        c1, c2, c3 = widths
        self.blocks = nn.Sequential(conv_block(3, c1), conv_block(c1, c2), conv_block(c2, c3))
        self.head = nn.Sequential(nn.AdaptiveMaxPool2d(1), nn.Flatten(), nn.Linear(c3, num_classes))

    def forward(self, x):
        return self.head(self.blocks(x))
"""},
        "loses": ["ex2-cnn-shape-test"],
    },
    # backward() inside the autocast block; only the optimizer step comes after it.
    "train-step-backward-in-autocast": {
        "replace": {
            "ex3-train-step": """def train_step(model, X, y, loss_fn, optimizer, scheduler, scaler, amp_dtype=None, max_norm=2.0):
    model.train()
    optimizer.zero_grad()
    with torch.autocast(X.device.type, dtype=amp_dtype, enabled=amp_dtype is not None):
        loss = loss_fn(model(X), y)
        scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    scheduler.step()
    return loss.item()
""",
        },
        "loses": ["ex3-train-step-test"],
    },
    "quiz-q1-wrong": {
        "replace": {"quiz-answers": 'q1 = "a"\nq2 = "b"\nq3 = "a"\nq4 = "b"\n'},
        "loses": ["quiz-q1-test"],
    },
    "quiz-q2-wrong": {
        "replace": {"quiz-answers": 'q1 = "c"\nq2 = "c"\nq3 = "a"\nq4 = "b"\n'},
        "loses": ["quiz-q2-test"],
    },
    # __len__ one short: the last image is never used.
    "dataset-len-off-by-one": {
        "replace": {"ex-dataset": """from torch.utils.data import DataLoader, Dataset


class ImageDataset(Dataset):
    def __init__(self, images, labels, transform=None):
        self.images, self.labels, self.transform = images, labels, transform

    def __len__(self):
        return len(self.images) - 1

    def __getitem__(self, i):
        image = self.images[i]
        if self.transform is not None:
            image = self.transform(image)
        return image, self.labels[i]
"""},
        "loses": ["ex-dataset-test"],
    },
    # The transform applied once, to all the images, in __init__: the same augmentation
    # in every epoch.
    "dataset-transform-in-init": {
        "replace": {"ex-dataset": """from torch.utils.data import DataLoader, Dataset


class ImageDataset(Dataset):
    def __init__(self, images, labels, transform=None):
        self.images = transform(images) if transform is not None else images
        self.labels = labels

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        return self.images[i], self.labels[i]
"""},
        "loses": ["ex-dataset-test"],
    },
    # RandomCrop pads with black (the default fill) instead of reflecting the border.
    "transform-black-padding": {
        "replace": {"ex-transform": """from torchvision.transforms import v2


def make_train_transform(mean, std):
    return v2.Compose([
        v2.RandomCrop(32, padding=4),
        v2.RandomHorizontalFlip(),
        v2.ToDtype(torch.float32, scale=True),
        v2.Normalize(mean, std),
    ])
"""},
        "loses": ["ex-transform-test"],
    },
    # ToDtype without scale=True: the values stay 0..255.
    "transform-no-scale": {
        "replace": {"ex-transform": """from torchvision.transforms import v2


def make_train_transform(mean, std):
    return v2.Compose([
        v2.RandomCrop(32, padding=4, padding_mode="reflect"),
        v2.RandomHorizontalFlip(),
        v2.ToDtype(torch.float32),
        v2.Normalize(mean, std),
    ])
"""},
        "loses": ["ex-transform-test"],
    },
    # No shuffle: every epoch sees the images in the same order.
    "loader-no-shuffle": {
        "replace": {"ex-loader": """def make_loader(dataset, batch_size, device, workers=0):
    return DataLoader(dataset, batch_size=batch_size, num_workers=workers,
                      pin_memory=device.type == "cuda")
"""},
        "loses": ["ex-loader-test"],
    },
    # Pinned memory whatever the device.
    "loader-always-pinned": {
        "replace": {"ex-loader": """def make_loader(dataset, batch_size, device, workers=0):
    return DataLoader(dataset, batch_size=batch_size, shuffle=True, num_workers=workers,
                      pin_memory=True)
"""},
        "loses": ["ex-loader-test"],
    },
    # Only whole batches: the last, smaller one is dropped.
    "batches-drop-last": {
        "replace": {"ex-device-batches": """def device_batches(X, y, batch_size, generator=None):
    order = torch.randperm(len(y), device=X.device, generator=generator)
    for b in range(len(y) // batch_size):
        idx = order[b * batch_size:(b + 1) * batch_size]
        yield X[idx], y[idx]
"""},
        "loses": ["ex-device-batches-test"],
    },
    # No skip connection: a plain block with a shortcut module that is never used.
    "resblock-no-skip": {
        "replace": {"ex-resblock": """class ResidualBlock(nn.Module):
    def __init__(self, c_in, c_out, stride=1):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False),
            nn.BatchNorm2d(c_out),
            nn.ReLU(inplace=True),
            nn.Conv2d(c_out, c_out, 3, padding=1, bias=False),
            nn.BatchNorm2d(c_out),
        )
        self.shortcut = nn.Identity()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(
                nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x):
        return F.relu(self.main(x))
"""},
        "loses": ["ex-resblock-skip-test"],
    },
    # The ReLU before the sum: relu(main(x)) + x.
    "resblock-relu-before-sum": {
        "replace": {"ex-resblock": """class ResidualBlock(nn.Module):
    def __init__(self, c_in, c_out, stride=1):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False),
            nn.BatchNorm2d(c_out),
            nn.ReLU(inplace=True),
            nn.Conv2d(c_out, c_out, 3, padding=1, bias=False),
            nn.BatchNorm2d(c_out),
            nn.ReLU(inplace=True),
        )
        self.shortcut = nn.Identity()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(
                nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x):
        return self.main(x) + self.shortcut(x)
"""},
        "loses": ["ex-resblock-skip-test"],
    },
    # A shortcut only when the channels change: a block with stride 2 and the same channels
    # adds a 16 x 16 map to an 8 x 8 one (the lesson's network never builds one).
    "resblock-shortcut-only-for-channels": {
        "replace": {"ex-resblock": """class ResidualBlock(nn.Module):
    def __init__(self, c_in, c_out, stride=1):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False),
            nn.BatchNorm2d(c_out),
            nn.ReLU(inplace=True),
            nn.Conv2d(c_out, c_out, 3, padding=1, bias=False),
            nn.BatchNorm2d(c_out),
        )
        self.shortcut = nn.Identity()
        if c_in != c_out:
            self.shortcut = nn.Sequential(
                nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x):
        return F.relu(self.main(x) + self.shortcut(x))
"""},
        "loses": ["ex-resblock-shape-test"],
    },
    # Never calls scaler.update(): the GradScaler keeps its first scale forever (after an
    # overflow every later step would be skipped).
    "train-step-forgets-scaler-update": {
        "replace": {"ex3-train-step": """def train_step(model, X, y, loss_fn, optimizer, scheduler, scaler, amp_dtype=None, max_norm=2.0):
    model.train()
    with torch.autocast(X.device.type, dtype=amp_dtype, enabled=amp_dtype is not None):
        loss = loss_fn(model(X), y)
    optimizer.zero_grad()
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scheduler.step()
    return loss.item()
"""},
        "loses": ["ex3-train-step-clip-test"],
    },
    # Clips after the optimizer's step: the step used the unclipped gradients.
    "train-step-clip-after-step": {
        "replace": {"ex3-train-step": """def train_step(model, X, y, loss_fn, optimizer, scheduler, scaler, amp_dtype=None, max_norm=2.0):
    model.train()
    with torch.autocast(X.device.type, dtype=amp_dtype, enabled=amp_dtype is not None):
        loss = loss_fn(model(X), y)
    optimizer.zero_grad()
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scheduler.step()
    return loss.item()
"""},
        "loses": ["ex3-train-step-clip-test"],
    },
    # Clips the scaled gradients (no unscale_ first): with float16 and a GradScaler the
    # real gradients end up thousands of times smaller than max_norm.
    "train-step-clip-before-unscale": {
        "replace": {"ex3-train-step": """def train_step(model, X, y, loss_fn, optimizer, scheduler, scaler, amp_dtype=None, max_norm=2.0):
    model.train()
    with torch.autocast(X.device.type, dtype=amp_dtype, enabled=amp_dtype is not None):
        loss = loss_fn(model(X), y)
    optimizer.zero_grad()
    scaler.scale(loss).backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    scheduler.step()
    return loss.item()
"""},
        "loses": ["ex3-train-step-clip-test"],
    },
    # The schedule moves before the optimizer's step. PyTorch warns about it on stderr, which
    # nbgrader counts as a failure in every test cell that runs train_step.
    "train-step-scheduler-first": {
        "replace": {"ex3-train-step": """def train_step(model, X, y, loss_fn, optimizer, scheduler, scaler, amp_dtype=None, max_norm=2.0):
    model.train()
    with torch.autocast(X.device.type, dtype=amp_dtype, enabled=amp_dtype is not None):
        loss = loss_fn(model(X), y)
    optimizer.zero_grad()
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scheduler.step()
    scaler.step(optimizer)
    scaler.update()
    return loss.item()
"""},
        "loses": ["ex3-train-step-test", "ex3-train-step-clip-test"],
    },
    # The schedule left for the epoch loop, as in lesson 05: the one-cycle rate never moves
    # from its small starting value, and the residual network learns too little.
    "train-step-no-schedule": {
        "replace": {"ex3-train-step": """def train_step(model, X, y, loss_fn, optimizer, scheduler, scaler, amp_dtype=None, max_norm=2.0):
    model.train()
    with torch.autocast(X.device.type, dtype=amp_dtype, enabled=amp_dtype is not None):
        loss = loss_fn(model(X), y)
    optimizer.zero_grad()
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    return loss.item()
"""},
        "loses": ["ex3-train-step-test", "ex6-checkpoint-test"],
    },
    # Weight decay on every parameter, batch norm's and the biases too.
    "optimizer-decay-everything": {
        "replace": {"ex-optimizer": """def make_optimizer(model, lr, weight_decay):
    return torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, nesterov=True,
                           weight_decay=weight_decay)
"""},
        "loses": ["ex-optimizer-test"],
    },
    "quiz-q3-wrong": {
        "replace": {"quiz-answers": 'q1 = "c"\nq2 = "b"\nq3 = "b"\nq4 = "b"\n'},
        "loses": ["quiz-q3-test"],
    },
    "quiz-q4-wrong": {
        "replace": {"quiz-answers": 'q1 = "c"\nq2 = "b"\nq3 = "a"\nq4 = "a"\n'},
        "loses": ["quiz-q4-test"],
    },
}

# Right answers written differently from the reference, one per exercise.
_ALTERNATIVES = {
    "device-lookup": {
        "replace": {
            "ex0-choose-device": """def choose_device(cuda_available, mps_available):
    for name, ok in (("cuda", cuda_available), ("mps", mps_available), ("cpu", True)):
        if ok:
            return torch.device(name)
""",
        },
    },
    "stats-std-mean": {
        "replace": {
            "ex1-channel-stats": """def channel_stats(images):
    per_channel = images.transpose(0, 1).reshape(3, -1).to(torch.float64) / 255.0
    std, mean = torch.std_mean(per_channel, dim=1)
    return mean.float(), std.float()
""",
        },
    },
    # Batch norm and ReLU before the pooling (the other common order).
    "cnn-pool-last": {
        "replace": {
            "ex2-cnn": """def conv_block(c_in, c_out):
    layers = []
    for a, b in [(c_in, c_out), (c_out, c_out)]:
        layers += [nn.Conv2d(a, b, 3, padding=1, bias=False), nn.BatchNorm2d(b), nn.ReLU()]
    layers.append(nn.MaxPool2d(2))
    return nn.Sequential(*layers)


class CifarCNN(nn.Module):
    def __init__(self, widths=(64, 256, 256), num_classes=10):
        super().__init__()
        c1, c2, c3 = widths
        self.block1 = conv_block(3, c1)
        self.block2 = conv_block(c1, c2)
        self.block3 = conv_block(c2, c3)
        self.pool = nn.AdaptiveMaxPool2d(1)
        self.fc = nn.Linear(c3, num_classes)

    def forward(self, x):
        x = self.block3(self.block2(self.block1(x)))
        return self.fc(torch.flatten(self.pool(x), 1))
""",
        },
    },
    # torch.nn.functional for ReLU and pooling, layers kept in ModuleLists.
    "cnn-functional": {
        "replace": {
            "ex2-cnn": """def conv_block(c_in, c_out):
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, kernel_size=3, padding=1, bias=False),
        nn.MaxPool2d(2),
        nn.BatchNorm2d(c_out),
        nn.ReLU(),
        nn.Conv2d(c_out, c_out, kernel_size=3, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(),
    )


class CifarCNN(nn.Module):
    def __init__(self, widths=(64, 256, 256), num_classes=10):
        super().__init__()
        chans = [3, *widths]
        self.convs = nn.ModuleList()
        self.norms = nn.ModuleList()
        for c_in, c_out in zip(chans[:-1], chans[1:]):
            self.convs.extend([nn.Conv2d(c_in, c_out, 3, padding=1, bias=False),
                               nn.Conv2d(c_out, c_out, 3, padding=1, bias=False)])
            self.norms.extend([nn.BatchNorm2d(c_out), nn.BatchNorm2d(c_out)])
        self.fc = nn.Linear(widths[-1], num_classes)

    def forward(self, x):
        for i in range(0, 6, 2):
            x = F.relu(self.norms[i](F.max_pool2d(self.convs[i](x), 2)))
            x = F.relu(self.norms[i + 1](self.convs[i + 1](x)))
        return self.fc(F.adaptive_max_pool2d(x, 1).flatten(1))
""",
        },
    },
    # zero_grad after step, ready for the next batch; set_to_none leaves .grad as None.
    "train-step-zero-grad-after-step": {
        "replace": {
            "ex3-train-step": """def train_step(model, X, y, loss_fn, optimizer, scheduler, scaler, amp_dtype=None, max_norm=2.0):
    model.train()
    with torch.autocast(device_type=X.device.type, dtype=amp_dtype, enabled=amp_dtype is not None):
        logits = model(X)
        loss = loss_fn(logits, y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=max_norm)
    scaler.step(optimizer)
    scaler.update()
    optimizer.zero_grad(set_to_none=True)
    scheduler.step()
    return float(loss.detach())
""",
        },
    },
    "evaluate-inference-mode-non-blocking": {
        "replace": {
            "ex4-evaluate": """def evaluate(model, loader, loss_fn, device):
    model.eval()
    loss_sum = 0.0
    hits = n = 0
    with torch.inference_mode():
        for X, y in loader:
            X = X.to(device, non_blocking=True)
            y = y.to(device=device, non_blocking=True)
            out = model(X)
            loss_sum += float(loss_fn(out, y)) * y.numel()
            hits += int((out.argmax(1) == y).sum())
            n += y.numel()
    return loss_sum / n, hits / n
""",
        },
    },
    # Moves the fresh model first, then loads onto the device object.
    "load-model-device-first": {
        "replace": {
            "ex5-load-model": """def load_model(path, make_model, device):
    device = torch.device(device)
    model = make_model().to(device)
    state = torch.load(path, map_location=device, weights_only=True)["state_dict"]
    model.load_state_dict(state, strict=True)
    model.eval()
    return model
""",
        },
    },
    # The checkpoint is read onto the device, and assign=True makes those tensors the
    # model's own: the model is on the device without a .to().
    "load-model-assign": {
        "replace": {
            "ex5-load-model": """def load_model(path, make_model, device):
    model = make_model()
    state = torch.load(path, map_location=device, weights_only=True)["state_dict"]
    model.load_state_dict(state, assign=True)
    return model.eval()
""",
        },
    },
    "dataset-tuple-int": {
        "replace": {"ex-dataset": """import torch.utils.data as tud
from torch.utils.data import DataLoader


class ImageDataset(tud.Dataset):
    def __init__(self, images, labels, transform=None):
        super().__init__()
        self.images, self.labels = images, labels
        self.transform = transform or (lambda image: image)

    def __len__(self):
        return self.images.shape[0]

    def __getitem__(self, index):
        return self.transform(self.images[index]), int(self.labels[index])
"""},
    },
    "transform-to-image-first": {
        "replace": {"ex-transform": """from torchvision.transforms import v2


def make_train_transform(mean, std):
    steps = [v2.ToImage(), v2.RandomCrop(size=(32, 32), padding=4, padding_mode="reflect"),
             v2.RandomHorizontalFlip(p=0.5), v2.ToDtype(torch.float32, scale=True),
             v2.Normalize(mean=list(mean), std=list(std))]
    return v2.Compose(steps)
"""},
    },
    "loader-keywords": {
        "replace": {"ex-loader": """def make_loader(dataset, batch_size, device, workers=0):
    on_cuda = torch.device(device).type == "cuda"
    return DataLoader(dataset, shuffle=True, batch_size=batch_size, drop_last=False,
                      num_workers=workers, persistent_workers=workers > 0, pin_memory=on_cuda)
"""},
    },
    "batches-split": {
        "replace": {"ex-device-batches": """def device_batches(X, y, batch_size, generator=None):
    for idx in torch.randperm(y.shape[0], generator=generator, device=X.device).split(batch_size):
        yield X.index_select(0, idx), y.index_select(0, idx)
"""},
    },
    "resblock-attributes": {
        "replace": {"ex-resblock": """class ResidualBlock(nn.Module):
    def __init__(self, c_in, c_out, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, kernel_size=3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.down = None
        if stride > 1 or c_in != c_out:
            self.down = nn.Sequential(nn.Conv2d(c_in, c_out, kernel_size=1, stride=stride, bias=False),
                                      nn.BatchNorm2d(c_out))

    def forward(self, x):
        out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        out = out + (x if self.down is None else self.down(x))
        return out.relu()
"""},
    },
    "resnet-one-sequential": {
        "replace": {"ex-resnet": """class CifarResNet(nn.Module):
    def __init__(self, widths=(64, 128, 256), num_classes=10):
        super().__init__()
        a, b, c = widths
        self.net = nn.Sequential(
            nn.Conv2d(3, a, 3, padding=1, bias=False), nn.BatchNorm2d(a), nn.ReLU(), nn.MaxPool2d(2),
            ResidualBlock(a, a), ResidualBlock(a, b, 2), ResidualBlock(b, c, 2),
            nn.AdaptiveMaxPool2d((1, 1)), nn.Flatten(), nn.Linear(c, num_classes),
        )

    def forward(self, x):
        return self.net(x)
"""},
    },
    "optimizer-named-groups": {
        "replace": {"ex-optimizer": """def make_optimizer(model, lr, weight_decay):
    plain, decayed = [], []
    for name, param in model.named_parameters():
        (decayed if param.dim() >= 2 else plain).append(param)
    return torch.optim.SGD([{"params": plain, "weight_decay": 0},
                            {"params": decayed, "weight_decay": weight_decay}],
                           lr=lr, momentum=0.9, nesterov=True)
"""},
    },
    "quiz-tuple": {
        "replace": {"quiz-answers": 'q1, q2, q3, q4 = "c", "b", "a", "b"\n'},
    },
}


def _merge(*specs):
    """One submission made of several answers (each replaces a different cell)."""
    replace = {}
    for spec in specs:
        clash = set(replace) & set(spec["replace"])
        if clash:
            raise ValueError(f"two answers replace the same cell: {clash}")
        replace.update(spec["replace"])
    return {"replace": replace}


# Every graded notebook of this lesson trains two networks, so the wrong answers are packed
# by hand into as few submissions as the cells allow: train_step has nine wrong answers,
# so nine submissions. Each groups answers to different exercises, which must each lose
# their own test cells (and only those).
_KEPT_ALONE = []
_COMBINED = {
    "combo-tensor-255-len-black-noshuffle-noskip-decay-q1": [
        "train-step-returns-tensor", "stats-forget-255", "dataset-len-off-by-one",
        "transform-black-padding", "loader-no-shuffle", "resblock-no-skip",
        "optimizer-decay-everything", "quiz-q1-wrong"],
    "combo-mps-first-no-relu-no-move-backward-in-amp-q2": [
        "device-mps-first", "cnn-without-relu", "evaluate-no-to-device", "quiz-q2-wrong",
        "train-step-backward-in-autocast", "dataset-transform-in-init", "transform-no-scale",
        "loader-always-pinned", "resblock-relu-before-sum"],
    "combo-string-device-bias-amp-step-no-map-location": [
        "device-string-no-mps", "cnn-conv-bias", "train-step-autocast-whole-step",
        "load-model-no-map-location", "batches-drop-last", "resblock-shortcut-only-for-channels",
        "quiz-q3-wrong"],
    "combo-ignores-amp-no-maxpool-q4": ["train-step-ignores-amp", "cnn-without-maxpool", "quiz-q4-wrong"],
    "combo-flatten-head-clip-after-step": ["cnn-flatten-head", "train-step-clip-after-step"],
    "combo-averages-batches-clip-before-unscale": [
        "evaluate-averages-batches", "train-step-clip-before-unscale"],
    "combo-train-mode-scheduler-first": ["load-model-train-mode", "train-step-scheduler-first"],
    "combo-no-schedule": ["train-step-no-schedule"],
    "combo-no-scaler-update": ["train-step-forgets-scaler-update"],
}
VARIANTS = {name: _WRONG[name] for name in _KEPT_ALONE}
for _name, _parts in _COMBINED.items():
    VARIANTS[_name] = {
        **_merge(*(_WRONG[part] for part in _parts)),
        "loses": [cell for part in _parts for cell in _WRONG[part]["loses"]],
    }
assert set(_KEPT_ALONE) | {p for parts in _COMBINED.values() for p in parts} == set(_WRONG)

# Every alternative in two submissions (two answer Exercise 6, two Exercise 12): full marks.
CORRECT = {
    "written-differently": _merge(*(v for k, v in _ALTERNATIVES.items()
                                    if k not in {"cnn-functional", "load-model-assign"})),
    "cnn-functional": _merge(_ALTERNATIVES["cnn-functional"], _ALTERNATIVES["load-model-assign"]),
}

# Graded as they are: the combinations above were made by hand (every graded notebook of
# this lesson trains two networks), and each needs a kernel of its own.
GRADE_ALONE = [*VARIANTS, *CORRECT]
