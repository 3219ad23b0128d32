"""Wrong-but-plausible submissions of lesson 00: each must lose exactly its exercise.

CORRECT holds right answers written differently from the reference solution: each must
get full marks (same shape as VARIANTS, without "loses").
"""

VARIANTS = {
    # Divides by the column sums: the shapes always fit, so nothing fails but the numbers.
    "normalize-columns": {
        "replace": {"ex1-normalize-rows": "def normalize_rows(X):\n    return X / X.sum(dim=0)\n"},
        "loses": ["ex1-normalize-rows-test"],
    },
    # The right shape, but the channels interleaved pixel by pixel (no permute).
    "images-reshape-without-permute": {
        "replace": {"ex1b-images-to-rows": "def images_to_rows(photos):\n    return photos.reshape(len(photos), -1)\n"},
        "loses": ["ex1b-images-to-rows-test"],
    },
    # Channels first, but for square 3-channel images only (hard-coded sizes).
    "images-hard-coded-sizes": {
        "replace": {"ex1b-images-to-rows": "def images_to_rows(photos):\n    return photos.permute(0, 3, 1, 2).reshape(-1, 12)\n"},
        "loses": ["ex1b-images-to-rows-test"],
    },
    # Works for the visible float argument, but torch refuses requires_grad on an int tensor.
    "grad-at-no-float": {
        "replace": {
            "ex2-grad-at": """def grad_at(f, value):
    x = torch.tensor(value, requires_grad=True)
    f(x).backward()
    return x.grad.item()
""",
        },
        "loses": ["ex2-grad-at-test"],
    },
    # Zeroes the gradient in place without asking whether there is one: fails on a tensor
    # whose .grad is still None (before its first backward()).
    "gradient-of-zero-none": {
        "replace": {
            "ex3-gradient-of": """def gradient_of(loss_fn, w):
    w.grad.zero_()
    loss_fn(w).backward()
    return w.grad
""",
        },
        "loses": ["ex3-gradient-of-test"],
    },
    "to-numpy-no-detach": {
        "replace": {"ex4-to-numpy": "def to_numpy(t):\n    t.requires_grad_(False)\n    return t.numpy()\n"},
        "loses": ["ex4-to-numpy-test"],
    },
    # Rebinds the name instead of updating in place: the caller's tensors never move.
    # (The reference capstone does its own update, so only this exercise is lost.)
    "sgd-step-rebinds": {
        "replace": {
            "ex5-sgd-step": """def sgd_step(params, lr):
    for p in params:
        if p.grad is not None:
            p = p - lr * p.grad
""",
        },
        "loses": ["ex5-sgd-step-test"],
    },
    # A ready-made optimizer where the lesson asks for the update by hand (both exercises in
    # one submission: each loses its own test).
    "torch-optim-instead-of-by-hand": {
        "replace": {
            "ex5-sgd-step": """def sgd_step(params, lr):
    optimizer = torch.optim.SGD(params, lr=lr)
    optimizer.step()
    optimizer.zero_grad()
""",
            "capstone-train-linear": """def train_linear(X, y, lr=0.1, num_epochs=100):
    w = torch.zeros(X.shape[1], requires_grad=True)
    b = torch.zeros((), requires_grad=True)
    optimizer = torch.optim.SGD([w, b], lr=lr)
    losses = []
    for _ in range(num_epochs):
        loss = ((X @ w + b - y) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return w.detach(), b.detach(), losses
""",
        },
        "loses": ["ex5-sgd-step-test", "capstone-fit-test"],
    },
    "quiz-q1-overwrites": {
        "replace": {"quiz-answers": 'q1 = "a"\nq2 = "d"\nq3 = "a"\nq4 = "c"\n'},
        "loses": ["quiz-q1-test"],
    },
    # Keeps the loss tensors (and with them every epoch's graph) instead of floats.
    "train-records-tensors": {
        "replace": {
            "capstone-train-linear": """def train_linear(X, y, lr=0.1, num_epochs=100):
    w = torch.zeros(X.shape[1], requires_grad=True)
    b = torch.zeros((), requires_grad=True)
    losses = []
    for _ in range(num_epochs):
        loss = ((X @ w + b - y) ** 2).mean()
        loss.backward()
        sgd_step([w, b], lr)
        losses.append(loss)
    return w.detach(), b.detach(), losses
""",
        },
        "loses": ["capstone-losses-test"],
    },
    # Loss without the mean: the gradient is 200 times larger and training diverges.
    "train-sum-not-mean": {
        "replace": {
            "capstone-train-linear": """def train_linear(X, y, lr=0.1, num_epochs=100):
    w = torch.zeros(X.shape[1], requires_grad=True)
    b = torch.zeros((), requires_grad=True)
    losses = []
    for _ in range(num_epochs):
        loss = ((X @ w + b - y) ** 2).sum()
        loss.backward()
        sgd_step([w, b], lr)
        losses.append(loss.item())
    return w.detach(), b.detach(), losses
""",
        },
        "loses": ["capstone-fit-test", "capstone-losses-test"],
    },
}

CORRECT = {
    # One image at a time, each made channels-first, then stacked into a batch of rows.
    "images-to-rows-per-image": {
        "replace": {
            "ex1b-images-to-rows": """def images_to_rows(photos):
    return torch.stack([img.permute(2, 0, 1).reshape(-1) for img in photos])
""",
        },
    },
    "alternatives": {
        "replace": {
            "ex1-normalize-rows": "def normalize_rows(X):\n    return X / X.sum(1).unsqueeze(1)\n",
            "ex2-grad-at": """def grad_at(f, value):
    x = torch.tensor([value], dtype=torch.float32).requires_grad_()
    (grad,) = torch.autograd.grad(f(x).sum(), x)
    return float(grad)
""",
            "ex3-gradient-of": """def gradient_of(loss_fn, w):
    if w.grad is not None:
        w.grad.zero_()
    loss = loss_fn(w)
    loss.backward()
    return w.grad.clone()
""",
            "ex4-to-numpy": "import numpy as np\n\ndef to_numpy(t):\n    return np.array(t.tolist())\n",
            "ex5-sgd-step": """def sgd_step(params, lr):
    for p in params:
        if p.grad is not None:
            p.data.add_(p.grad, alpha=-lr)
            p.grad = None
""",
            "quiz-answers": "q1, q2, q3, q4 = 'b', 'd', 'a', 'c'\n",
            "capstone-train-linear": """def train_linear(X, y, lr=0.1, num_epochs=100):
    n_features = X.size(-1)
    w = torch.zeros(n_features).requires_grad_(True)
    b = torch.tensor(0.0, requires_grad=True)
    losses = []
    epoch = 0
    while epoch < num_epochs:
        pred = X.matmul(w) + b
        loss = torch.nn.functional.mse_loss(pred, y)
        for p in (w, b):
            p.grad = None
        loss.backward()
        sgd_step([w, b], lr)
        losses.append(float(loss))
        epoch += 1
    return w.detach().clone(), b.detach().clone(), losses
""",
        },
    },
}

# Graded as a submission of its own: its train_linear calls the submission's sgd_step, so
# beside a wrong sgd_step (sgd-step-rebinds) it loses capstone-fit-test too.
GRADE_ALONE = ["train-records-tensors"]
