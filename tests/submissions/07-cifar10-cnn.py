"""Wrong-but-plausible submissions of lesson 07: each must lose exactly its exercise."""

VARIANTS = {
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
            "ex3-train-step": """def train_step(model, X, y, loss_fn, optimizer):
    model.train()
    loss = loss_fn(model(X), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
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
    "quiz-q1-wrong": {
        "replace": {"quiz-answers": 'q1 = "a"\nq2 = "a"\n'},
        "loses": ["quiz-q1-test"],
    },
}
