"""Wrong-but-plausible submissions of lesson 03: each must lose exactly its exercise."""

VARIANTS = {
    # Same numbers, but the hooks of the inner module are skipped.
    "residual-calls-forward-directly": {
        "replace": {
            "ex1-residual": """class Residual(nn.Module):
    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return x + self.inner.forward(x)
""",
        },
        "loses": ["ex1-residual-test"],
    },
    # Feeds every layer the original input instead of the previous layer's output.
    "trace-feeds-original-input": {
        "replace": {
            "ex2-shape-trace": """def shape_trace(model, x):
    result = []
    for name, layer in model.named_children():
        try:
            out = layer(x)
        except RuntimeError:
            break
        result.append((name, tuple(out.shape)))
    return result
""",
        },
        "loses": ["ex2-shape-trace-test"],
    },
    # Right shapes and parameters, but the model returns probabilities, not logits.
    "cifarnet-softmax-in-forward": {
        "replace": {
            "ex3-cifarnet": """class CifarNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.head = nn.Linear(32 * 4 * 4, 10)

    def forward(self, x):
        return torch.softmax(self.head(torch.flatten(self.features(x), 1)), dim=1)
""",
        },
        "loses": ["ex3-cifarnet-test"],
    },
    # The classic head size for one pooling too few.
    "cifarnet-wrong-in-features": {
        "replace": {
            "ex3-cifarnet": """class CifarNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.head = nn.Linear(32 * 8 * 8, 10)

    def forward(self, x):
        return self.head(torch.flatten(self.features(x), 1))
""",
        },
        "loses": ["ex3-cifarnet-test"],
    },
    # F.dropout without training=self.training keeps dropping after eval().
    "functional-dropout-ignores-eval": {
        "replace": {
            "ex4-functional-mlp": """class FunctionalMLP(nn.Module):
    def __init__(self, in_features, hidden, out_features, p):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden)
        self.fc2 = nn.Linear(hidden, out_features)
        self.p = p

    def forward(self, x):
        return self.fc2(F.dropout(F.relu(self.fc1(x)), p=self.p))
""",
        },
        "loses": ["ex4-functional-mlp-test"],
    },
    # Calls forward directly: the right numbers, but the model's hooks never run.
    "predict-calls-forward-directly": {
        "replace": {
            "ex5-predict-labels": """def predict_labels(model, X):
    with torch.no_grad():
        logits = model.forward(X)
    return torch.softmax(logits, dim=1), logits.argmax(dim=1)
""",
        },
        "loses": ["ex5-predict-labels-test"],
    },
    # Softmax twice: rows still sum to 1 and the argmax is right; only hidden tests see it.
    "predict-softmax-twice": {
        "replace": {
            "ex5-predict-labels": """def predict_labels(model, X):
    with torch.no_grad():
        probs = torch.softmax(model(X), dim=1)
    return torch.softmax(probs, dim=1), probs.argmax(dim=1)
""",
        },
        "loses": ["ex5-predict-labels-test"],
    },
    # The textbook formula without the shift: overflows for large logits.
    "log-softmax-unstable": {
        "replace": {
            "ex6-log-softmax": """def stable_log_softmax(logits):
    return logits - logits.exp().sum(dim=1, keepdim=True).log()
""",
        },
        "loses": ["ex6-log-softmax-test"],
    },
    # Builds a new layer for every repetition instead of reusing self.hidden.
    "repeat-net-new-layers-in-forward": {
        "replace": {
            "ex7-repeat-net": """class RepeatNet(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.n = n
        self.out = nn.Linear(n, 1)

    def forward(self, x, depth):
        if depth < 0:
            raise ValueError("depth must be 0 or more")
        for _ in range(depth):
            x = torch.relu(nn.Linear(self.n, self.n)(x))
        return self.out(x)
""",
        },
        "loses": ["ex7-repeat-net-test"],
    },
    "quiz-q2-softmax-twice-is-harmless": {
        "replace": {"quiz-answers": 'q1 = "b"\nq2 = "b"\nq3 = "a"\n'},
        "loses": ["quiz-q2-test"],
    },
}
