"""Wrong-but-plausible submissions of lesson 02: each must lose exactly its exercise."""

VARIANTS = {
    # The classic: layers assigned before nn.Module.__init__ ran.
    "mlp-forgets-super": {
        "replace": {
            "ex1-mlp": """class MLP(nn.Module):
    def __init__(self, in_features, hidden, out_features):
        self.fc1 = nn.Linear(in_features, hidden)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(hidden, out_features)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))
""",
        },
        "loses": ["ex1-mlp-test"],
    },
    # Right layers, but unnamed children ('0', '1', '2'): TinyNet's weights do not load.
    "sequential-without-names": {
        "replace": {
            "ex4-sequential": """def make_sequential(in_features, hidden, out_features):
    return nn.Sequential(
        nn.Linear(in_features, hidden), nn.ReLU(), nn.Linear(hidden, out_features)
    )
""",
        },
        "loses": ["ex4-sequential-test"],
    },
    # Runs and gives the right shape, but the layers are invisible to parameters().
    "stack-plain-list": {
        "replace": {
            "ex5-stack": """class Stack(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        if len(sizes) < 2:
            raise ValueError("need at least an input and an output size")
        self.layers = [nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:])]

    def forward(self, x):
        for layer in self.layers[:-1]:
            x = torch.relu(layer(x))
        return self.layers[-1](x)
""",
        },
        "loses": ["ex5-stack-test"],
    },
    # Computes the right numbers, but mean and std are plain tensor attributes.
    "standardize-plain-tensors": {
        "replace": {
            "ex6-standardize": """class Standardize(nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        self.mean = mean
        self.std = std

    def forward(self, x):
        return (x - self.mean) / self.std
""",
        },
        "loses": ["ex6-standardize-test"],
    },
    # Registers the layer but leaves the optimizer as it was built.
    "attach-forgets-optimizer": {
        "replace": {
            "ex7-attach-layer": """def attach_layer(model, name, layer, optimizer):
    setattr(model, name, layer)
""",
        },
        "loses": ["ex7-attach-layer-test"],
    },
    # Passes the visible test, but leaves a training model in eval mode (hidden tests).
    "predict-forgets-to-restore-mode": {
        "replace": {
            "ex8-predict": """def predict(model, X):
    model.eval()
    with torch.no_grad():
        return model(X)
""",
        },
        "loses": ["ex8-predict-test"],
    },
    # The belief this lesson corrects: "only layers made in __init__ are registered".
    "quiz-q1-only-init-counts": {
        "replace": {"quiz-answers": 'q1 = "a"\nq2 = "c"\nq3 = "a"\n'},
        "loses": ["quiz-q1-test"],
    },
}
