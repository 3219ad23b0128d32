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
            "ex8-attach-layer": """def attach_layer(model, name, layer, optimizer):
    setattr(model, name, layer)
""",
        },
        "loses": ["ex8-attach-layer-test"],
    },
    # Passes the visible test, but leaves a training model in eval mode (hidden tests).
    "predict-forgets-to-restore-mode": {
        "replace": {
            "ex9-predict": """def predict(model, X):
    model.eval()
    with torch.no_grad():
        return model(X)
""",
        },
        "loses": ["ex9-predict-test"],
    },
    # Records the graph, then detaches the output: requires_grad is False, but the forward
    # pass still paid for the graph that no_grad would have skipped.
    "predict-detach-instead-of-no-grad": {
        "replace": {
            "ex9-predict": """def predict(model, X):
    was_training = model.training
    model.eval()
    out = model(X).detach()
    model.train(was_training)
    return out
""",
        },
        "loses": ["ex9-predict-test"],
    },
    # Tensors with requires_grad=True get gradients, but are not registered parameters.
    "scale-shift-plain-tensors": {
        "replace": {
            "ex7-scale-shift": """class ScaleShift(nn.Module):
    def __init__(self, num_features):
        super().__init__()
        self.scale = torch.ones(num_features, requires_grad=True)
        self.shift = torch.zeros(num_features, requires_grad=True)

    def forward(self, x):
        return x * self.scale + self.shift
""",
        },
        "loses": ["ex7-scale-shift-test"],
    },
    # Random initial values: registered and trainable, but a new layer is not a no-op.
    "scale-shift-random-start": {
        "replace": {
            "ex7-scale-shift": """class ScaleShift(nn.Module):
    def __init__(self, num_features):
        super().__init__()
        self.scale = nn.Parameter(torch.randn(num_features))
        self.shift = nn.Parameter(torch.randn(num_features))

    def forward(self, x):
        return x * self.scale + self.shift
""",
        },
        "loses": ["ex7-scale-shift-test"],
    },
    # Buffers: saved and moved, but never trained.
    "scale-shift-buffers": {
        "replace": {
            "ex7-scale-shift": """class ScaleShift(nn.Module):
    def __init__(self, num_features):
        super().__init__()
        self.register_buffer("scale", torch.ones(num_features))
        self.register_buffer("shift", torch.zeros(num_features))

    def forward(self, x):
        return x * self.scale + self.shift
""",
        },
        "loses": ["ex7-scale-shift-test"],
    },
    # The belief this lesson corrects: "only layers made in __init__ are registered".
    "quiz-q2-only-init-counts": {
        "replace": {"quiz-answers": 'q1 = "d"\nq2 = "a"\nq3 = "b"\nq4 = "a"\nq5 = "b"\n'},
        "loses": ["quiz-q2-test"],
    },
    # The belief that parameters are listed for the optimizer by hand.
    "quiz-q3-list-parameters-by-hand": {
        "replace": {"quiz-answers": 'q1 = "d"\nq2 = "c"\nq3 = "a"\nq4 = "a"\nq5 = "b"\n'},
        "loses": ["quiz-q3-test"],
    },
    # The belief that autograd needs nn.Module.
    "quiz-q1-autograd-needs-modules": {
        "replace": {"quiz-answers": 'q1 = "a"\nq2 = "c"\nq3 = "b"\nq4 = "a"\nq5 = "b"\n'},
        "loses": ["quiz-q1-test"],
    },
    # Right values, but the output is cut from the graph: the weights would never learn.
    "mlp-detaches-output": {
        "replace": {
            "ex1-mlp": """class MLP(nn.Module):
    def __init__(self, in_features, hidden, out_features):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(hidden, out_features)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x))).detach()
""",
        },
        "loses": ["ex1-mlp-test"],
    },
}

# Correct answers written differently from the reference: each must get full marks.
CORRECT = {
    "mlp-step-by-step": {
        "replace": {
            "ex1-mlp": """class MLP(nn.Module):
    def __init__(self, in_features, hidden, out_features):
        super(MLP, self).__init__()
        self.add_module("fc1", nn.Linear(in_features, hidden))
        self.add_module("act", nn.ReLU())
        self.add_module("fc2", nn.Linear(hidden, out_features))

    def forward(self, x):
        h = self.fc1(x)
        h = self.act(h)
        return self.fc2(h)
""",
        },
    },
    "count-with-a-loop": {
        "replace": {
            "ex2-count-trainable": """def count_trainable(model):
    total = 0
    for _, p in model.named_parameters():
        if p.requires_grad:
            total += int(p.numel())
    return total
""",
        },
    },
    "leaves-with-a-loop": {
        "replace": {
            "ex3-leaf-names": """def leaf_names(model):
    leaves = []
    for name, module in model.named_modules():
        if next(module.children(), None) is None:
            leaves.append(name)
    return leaves
""",
        },
    },
    "sequential-add-module": {
        "replace": {
            "ex4-sequential": """def make_sequential(in_features, hidden, out_features):
    seq = nn.Sequential()
    seq.add_module("fc1", nn.Linear(in_features, hidden))
    seq.add_module("act", nn.ReLU())
    seq.add_module("fc2", nn.Linear(hidden, out_features))
    return seq
""",
        },
    },
    "stack-append-and-functional-relu": {
        "replace": {
            "ex5-stack": """import torch.nn.functional as F


class Stack(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        if len(sizes) < 2:
            raise ValueError("need at least an input and an output size")
        self.layers = nn.ModuleList()
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            self.layers.append(nn.Linear(n_in, n_out))

    def forward(self, x):
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < last:
                x = F.relu(x)
        return x
""",
        },
    },
    "standardize-clone": {
        "replace": {
            "ex6-standardize": """class Standardize(nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        self.register_buffer("mean", mean.detach().clone().to(torch.float32))
        self.register_buffer("std", std.detach().clone().to(torch.float32))

    def forward(self, x):
        return (x - self.mean) * (1.0 / self.std)
""",
        },
    },
    "scale-shift-register-parameter": {
        "replace": {
            "ex7-scale-shift": """class ScaleShift(nn.Module):
    def __init__(self, num_features):
        super().__init__()
        self.register_parameter("shift", nn.Parameter(torch.zeros(num_features)))
        self.register_parameter("scale", nn.Parameter(torch.full((num_features,), 1.0)))

    def forward(self, x):
        return torch.addcmul(self.shift, x, self.scale)
""",
        },
    },
    "attach-setattr-and-extend-group": {
        "replace": {
            "ex8-attach-layer": """def attach_layer(model, name, layer, optimizer):
    setattr(model, name, layer)
    optimizer.add_param_group({"params": layer.parameters()})
""",
        },
    },
    "predict-if-else-restore": {
        "replace": {
            "ex9-predict": """def predict(model, X):
    was_training = model.training
    model.eval()
    with torch.no_grad():
        out = model(X)
    if was_training:
        model.train()
    return out
""",
        },
    },
    # inference_mode is no_grad's stricter sibling; the decorator form of the same thing.
    "predict-inference-mode-decorator": {
        "replace": {
            "ex9-predict": """@torch.inference_mode()
def predict(model, X):
    was_training = model.training
    out = model.eval()(X)
    model.train(mode=was_training)
    return out
""",
        },
    },
    "quiz-one-line": {
        "replace": {"quiz-answers": 'q1, q2, q3, q4, q5 = "d", "c", "b", "a", "b"\n'},
    },
}
