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
    model.eval()
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
    model.eval()
    with torch.no_grad():
        probs = torch.softmax(model(X), dim=1)
    return torch.softmax(probs, dim=1), probs.argmax(dim=1)
""",
        },
        "loses": ["ex5-predict-labels-test"],
    },
    # Records the graph, then detaches: requires_grad is False, but no_grad was the point.
    "predict-detach-instead-of-no-grad": {
        "replace": {
            "ex5-predict-labels": """def predict_labels(model, X):
    model.eval()
    logits = model(X).detach()
    return torch.softmax(logits, dim=1), logits.argmax(dim=1)
""",
        },
        "loses": ["ex5-predict-labels-test"],
    },
    # Never switches to eval(): dropout makes every prediction a different one.
    "predict-without-eval": {
        "replace": {
            "ex5-predict-labels": """def predict_labels(model, X):
    with torch.no_grad():
        logits = model(X)
    return torch.softmax(logits, dim=1), logits.argmax(dim=1)
""",
        },
        "loses": ["ex5-predict-labels-test"],
    },
    # Padding on one side only.
    "conv-size-single-padding": {
        "replace": {
            "ex1b-conv-size": """def conv_output_size(n, kernel_size, stride=1, padding=0):
    return (n + padding - kernel_size) // stride + 1
""",
        },
        "loses": ["ex1b-conv-size-test"],
    },
    # True division: right where the window fits exactly, a float with a fraction elsewhere.
    "conv-size-true-division": {
        "replace": {
            "ex1b-conv-size": """def conv_output_size(n, kernel_size, stride=1, padding=0):
    return (n + 2 * padding - kernel_size) / stride + 1
""",
        },
        "loses": ["ex1b-conv-size-test"],
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
    # Dropout on the logits: eval() is respected, but the wrong activations are dropped.
    "dropout-on-the-logits": {
        "replace": {
            "ex4-functional-mlp": """class FunctionalMLP(nn.Module):
    def __init__(self, in_features, hidden, out_features, p):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden)
        self.fc2 = nn.Linear(hidden, out_features)
        self.p = p

    def forward(self, x):
        x = self.fc2(F.relu(self.fc1(x)))
        return F.dropout(x, p=self.p, training=self.training)
""",
        },
        "loses": ["ex4-functional-mlp-test"],
    },
    # Dropout on the input features instead of the hidden activations.
    "dropout-on-the-input": {
        "replace": {
            "ex4-functional-mlp": """class FunctionalMLP(nn.Module):
    def __init__(self, in_features, hidden, out_features, p):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden)
        self.fc2 = nn.Linear(hidden, out_features)
        self.p = p

    def forward(self, x):
        x = F.dropout(x, p=self.p, training=self.training)
        return self.fc2(F.relu(self.fc1(x)))
""",
        },
        "loses": ["ex4-functional-mlp-test"],
    },
    # Forgets the ReLUs: same shapes and parameter count, a linear model.
    "cifarnet-without-relu": {
        "replace": {
            "ex3-cifarnet": """class CifarNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, kernel_size=3, padding=1), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, kernel_size=3, padding=1), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, kernel_size=3, padding=1), nn.MaxPool2d(2),
        )
        self.head = nn.Linear(32 * 4 * 4, 10)

    def forward(self, x):
        return self.head(torch.flatten(self.features(x), 1))
""",
        },
        "loses": ["ex3-cifarnet-test"],
    },
    # Shifts by the maximum of the whole tensor: fine until rows are far apart.
    "log-softmax-global-max": {
        "replace": {
            "ex6-log-softmax": """def stable_log_softmax(logits):
    shifted = logits - logits.max()
    return shifted - shifted.exp().sum(dim=1, keepdim=True).log()
""",
        },
        "loses": ["ex6-log-softmax-test"],
    },
    # The library call the exercise asks to write by hand.
    "log-softmax-library-call": {
        "replace": {
            "ex6-log-softmax": """def stable_log_softmax(logits):
    return F.log_softmax(logits, 1)
""",
        },
        "loses": ["ex6-log-softmax-test"],
    },
    # The same, through the tensor method.
    "log-softmax-tensor-method": {
        "replace": {
            "ex6-log-softmax": """def stable_log_softmax(logits):
    return logits.log_softmax(dim=1)
""",
        },
        "loses": ["ex6-log-softmax-test"],
    },
    # logsumexp does the stable part for you.
    "log-softmax-logsumexp": {
        "replace": {
            "ex6-log-softmax": """def stable_log_softmax(logits):
    return logits - torch.logsumexp(logits, dim=1, keepdim=True)
""",
        },
        "loses": ["ex6-log-softmax-test"],
    },
    "quiz-q2-softmax-twice-is-harmless": {
        "replace": {"quiz-answers": 'q1 = "c"\nq2 = "b"\nq3 = "a"\nq4 = "b"\n'},
        "loses": ["quiz-q2-test"],
    },
    # The myth that forward is called by hand.
    "quiz-q4-call-forward-yourself": {
        "replace": {"quiz-answers": 'q1 = "c"\nq2 = "d"\nq3 = "a"\nq4 = "a"\n'},
        "loses": ["quiz-q4-test"],
    },
    # Right values, but the sum is cut from the graph: nothing before it gets a gradient.
    "residual-detaches-output": {
        "replace": {
            "ex1-residual": """class Residual(nn.Module):
    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return (x + self.inner(x)).detach()
""",
        },
        "loses": ["ex1-residual-test"],
    },
}

# Correct answers written differently from the reference: each must get full marks.
CORRECT = {
    "residual-add-module-torch-add": {
        "replace": {
            "ex1-residual": """class Residual(nn.Module):
    def __init__(self, inner):
        super().__init__()
        self.add_module("inner", inner)

    def forward(self, x):
        out = self.inner(x)
        return torch.add(out, x)
""",
        },
    },
    "trace-with-size": {
        "replace": {
            "ex2-shape-trace": """def shape_trace(model, x):
    pairs = []
    out = x
    for name, layer in list(model.named_children()):
        out = layer(out)
        pairs.append((name, tuple(int(d) for d in out.size())))
    return pairs
""",
        },
    },
    # Pooling before ReLU gives the same numbers (max and ReLU commute); view instead of flatten.
    "cifarnet-loop-pool-then-relu": {
        "replace": {
            "ex3-cifarnet": """class CifarNet(nn.Module):
    def __init__(self):
        super().__init__()
        layers = []
        for c_in, c_out in [(3, 8), (8, 16), (16, 32)]:
            layers += [nn.Conv2d(c_in, c_out, 3, padding=1), nn.MaxPool2d(2), nn.ReLU()]
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(512, 10)

    def forward(self, x):
        x = self.features(x)
        return self.head(x.view(x.size(0), -1))
""",
        },
    },
    # Dropout before the ReLU is the same function: ReLU(mask * 2z) = mask * 2 ReLU(z).
    "functional-mlp-dropout-before-relu": {
        "replace": {
            "ex4-functional-mlp": """class FunctionalMLP(nn.Module):
    def __init__(self, in_features, hidden, out_features, p):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden)
        self.fc2 = nn.Linear(hidden, out_features)
        self.p = p

    def forward(self, x):
        h = self.fc1(x)
        if self.training:
            h = torch.nn.functional.dropout(h, self.p)
        return self.fc2(torch.nn.functional.relu(h))
""",
        },
    },
    "predict-functional-softmax-max": {
        "replace": {
            "ex5-predict-labels": """def predict_labels(model, X):
    was_training = model.training
    model.eval()
    with torch.no_grad():
        scores = model(X)
    model.train(was_training)
    probs = F.softmax(scores, dim=-1)
    return probs, torch.max(probs, dim=1).indices
""",
        },
    },
    "conv-size-math-floor": {
        "replace": {
            "ex1b-conv-size": """import math


def conv_output_size(n, kernel_size, stride=1, padding=0):
    return math.floor((n + 2 * padding - kernel_size) / stride) + 1
""",
        },
    },
    "log-softmax-row-by-row": {
        "replace": {
            "ex6-log-softmax": """def stable_log_softmax(logits):
    rows = []
    for row in logits:
        m = row.max()
        rows.append(row - m - torch.log(torch.sum(torch.exp(row - m))))
    return torch.stack(rows)
""",
        },
    },
    # The formula regrouped as z - (m + log sum exp(z - m)): the same numbers, up to rounding.
    "log-softmax-regrouped": {
        "replace": {
            "ex6-log-softmax": """def stable_log_softmax(logits):
    m = torch.amax(logits, dim=1, keepdim=True)
    return logits - (m + torch.log(torch.exp(logits - m).sum(dim=1, keepdim=True)))
""",
        },
    },
    "repeat-net-while-loop": {
        "replace": {
            "ex7-repeat-net": """class RepeatNet(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.hidden = nn.Linear(n, n)
        self.out = nn.Linear(n, 1)

    def forward(self, x, depth):
        if depth < 0:
            raise ValueError("depth must be 0 or more")
        h = x
        while depth > 0:
            h = F.relu(self.hidden(h))
            depth -= 1
        return self.out(h)
""",
        },
    },
    "quiz-one-line": {
        "replace": {"quiz-answers": 'q1, q2, q3, q4 = "c", "d", "a", "b"\n'},
    },
}
