"""Wrong-but-plausible submissions of lesson 08, and right answers written differently.

Each wrong answer loses its own exercise; two reach further, and say so in "loses":
``transfer_model`` and the measured gain (``ex6-gain-test``) use ``load_body``,
``freeze_body`` and ``frozen_body_epoch``. Measured on the ci budget (accuracy on the 100
test images of the five new classes; scratch 0.49, the reference 0.78): a frozen-body
epoch in train() mode reaches 0.77, one that never steps the schedule 0.72 (both above
scratch + 0.15), a transfer model left unfrozen 0.33 (below).
"""

# Every wrong answer below replaces one cell, and what it loses is listed: two graded
# submissions hold them all (eight at most each), one holds the right answers.
PACK_LIMIT = 8

VARIANTS = {
    # Renumbers by subtracting the smallest kept class: right only for consecutive classes.
    "select-subtracts-min": {
        "replace": {
            "ex1-select-classes": """def select_classes(images, labels, keep):
    mask = torch.isin(labels, torch.tensor(list(keep)))
    return images[mask], labels[mask] - min(keep)
""",
        },
        "loses": ["ex1-select-classes-test"],
    },
    # Passes num_classes to torchvision: with trained weights that raises a ValueError.
    "resnet-num-classes-argument": {
        "replace": {
            "ex2-resnet-head": """def resnet_for(num_classes, weights=None):
    return models.resnet18(weights=weights, num_classes=num_classes)
""",
        },
        "loses": ["ex2-resnet-head-test"],
    },
    # Freezes `features` by name: right for SmallCNN, leaves a ResNet's body trainable.
    "freeze-features-by-name": {
        "replace": {
            "ex3-freeze-body": """def freeze_body(model):
    model.features.requires_grad_(False)
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
""",
        },
        "loses": ["ex3-freeze-body-test"],
    },
    # Trains the head with the whole model in train() mode: the body's statistics drift.
    "frozen-epoch-train-mode": {
        "replace": {
            "ex4-frozen-epoch": """def frozen_body_epoch(model, loader, loss_fn, optimizer, scheduler=None):
    model.train()
    total, count = 0.0, 0
    for X, y in loader:
        loss = loss_fn(model(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        total += loss.item() * len(y)
        count += len(y)
    return total / count
""",
        },
        "loses": ["ex4-frozen-epoch-test"],
    },
    # strict=False alone: the head's shapes differ, and that raises all the same; so does
    # Exercise 6's test, with four classes. (The lesson's own run fine-tunes five classes
    # from five: the shapes fit there, the old head is loaded and trained, the gain stays.)
    "load-body-strict-false-only": {
        "replace": {
            "ex5-load-body": """def load_body(model, state_dict, head="fc"):
    return model.load_state_dict(state_dict, strict=False)
""",
        },
        "loses": ["ex5-load-body-test", "ex6-transfer-model-test"],
    },
    # The body group is model.parameters(): the head's parameters are in both groups.
    "param-groups-head-twice": {
        "replace": {
            "ex7-param-groups": """def param_groups(model, body_lr, head_lr):
    return [{"params": list(model.parameters()), "lr": body_lr},
            {"params": list(model.fc.parameters()), "lr": head_lr}]
""",
        },
        "loses": ["ex7-param-groups-test"],
    },
    "quiz-q2-wrong": {
        "replace": {"quiz-answers": 'q1 = "b"\nq2 = "a"\nq3 = "c"\nq4 = "a"\nq5 = "b"\n'},
        "loses": ["quiz-q2-test"],
    },
    # Renumbers by sorted class number, not by the position in keep.
    "select-sorted-order": {
        "replace": {
            "ex1-select-classes": """def select_classes(images, labels, keep):
    keep = sorted(keep)
    mask = torch.isin(labels, torch.tensor(keep))
    return images[mask], torch.tensor([keep.index(c) for c in labels[mask].tolist()])
""",
        },
        "loses": ["ex1-select-classes-test"],
    },
    # Ignores the weights it was given: always a network with random weights.
    "resnet-ignores-weights": {
        "replace": {
            "ex2-resnet-head": """def resnet_for(num_classes, weights=None):
    model = models.resnet18(weights=None)
    model.fc = nn.Linear(model.fc.in_features, num_classes)
    return model
""",
        },
        "loses": ["ex2-resnet-head-test"],
    },
    # Freezes the body but never unfreezes a head that was frozen before.
    "freeze-leaves-head-frozen": {
        "replace": {
            "ex3-freeze-body": """def freeze_body(model):
    for name, p in model.named_parameters():
        if not name.startswith("fc."):
            p.requires_grad_(False)
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
""",
        },
        "loses": ["ex3-freeze-body-test"],
    },
    # Never steps the schedule: the one-cycle learning rate stays at its small start.
    "frozen-epoch-no-scheduler-step": {
        "replace": {
            "ex4-frozen-epoch": """def frozen_body_epoch(model, loader, loss_fn, optimizer, scheduler=None):
    model.eval()
    total, count = 0.0, 0
    for X, y in loader:
        loss = loss_fn(model(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * len(y)
        count += len(y)
    return total / count
""",
        },
        "loses": ["ex4-frozen-epoch-test"],
    },
    # Deletes the head from the caller's dictionary (the checkpoint loses its head).
    "load-body-mutates-caller": {
        "replace": {
            "ex5-load-body": """def load_body(model, state_dict, head="fc"):
    for name in [k for k in state_dict if k.startswith(head + ".")]:
        del state_dict[name]
    return model.load_state_dict(state_dict, strict=False)
""",
        },
        "loses": ["ex5-load-body-test"],
    },
    # Loads the body but forgets to freeze it: every parameter trains on 60 images, with
    # batch norm in eval mode, and the gain over scratch is gone.
    "transfer-model-not-frozen": {
        "replace": {
            "ex6-transfer-model": """def transfer_model(checkpoint, num_classes):
    model = transfer.SmallCNN(num_classes, checkpoint["widths"])
    load_body(model, checkpoint["state_dict"])
    return model
""",
        },
        "loses": ["ex6-transfer-model-test", "ex6-gain-test"],
    },
    # The head's group has no lr of its own: it takes the optimizer's default.
    "param-groups-no-head-lr": {
        "replace": {
            "ex7-param-groups": """def param_groups(model, body_lr, head_lr):
    head = list(model.fc.parameters())
    body = [p for p in model.parameters() if all(p is not h for h in head)]
    return [{"params": body, "lr": body_lr}, {"params": head}]
""",
        },
        "loses": ["ex7-param-groups-test"],
    },
    "quiz-q3-wrong": {
        "replace": {"quiz-answers": 'q1 = "b"\nq2 = "c"\nq3 = "a"\nq4 = "a"\nq5 = "b"\n'},
        "loses": ["quiz-q3-test"],
    },
}

_ALTERNATIVES = {
    "select-with-a-dict": {
        "ex1-select-classes": """def select_classes(images, labels, keep):
    position = {c: i for i, c in enumerate(keep)}
    rows = [i for i, c in enumerate(labels.tolist()) if c in position]
    new = torch.tensor([position[labels[i].item()] for i in rows], dtype=torch.int64)
    return images[rows], new
""",
    },
    "resnet-through-torchvision": {
        "ex2-resnet-head": """import torchvision


def resnet_for(num_classes, weights=None):
    net = torchvision.models.resnet18(weights=weights)
    features = net.fc.in_features
    net.fc = torch.nn.Linear(features, num_classes, bias=True)
    return net
""",
    },
    "freeze-by-name": {
        "ex3-freeze-body": """def freeze_body(model):
    count = 0
    for name, p in model.named_parameters():
        p.requires_grad = name.startswith("fc.")
        if p.requires_grad:
            count += p.numel()
    return count
""",
    },
    "frozen-epoch-batch-norm-only": {
        "ex4-frozen-epoch": """def frozen_body_epoch(model, loader, loss_fn, optimizer, scheduler=None):
    model.train()
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.eval()
    losses, sizes = [], []
    for X, y in loader:
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        if scheduler:
            scheduler.step()
        losses.append(loss.item())
        sizes.append(len(y))
    return sum(l * n for l, n in zip(losses, sizes)) / sum(sizes)
""",
    },
    "load-body-copy": {
        "ex5-load-body": """import copy


def load_body(model, state_dict, head="fc"):
    kept = copy.copy(state_dict)
    for name in list(kept):
        if name.split(".")[0] == head:
            kept.pop(name)
    result = model.load_state_dict(kept, strict=False)
    return result
""",
    },
    "transfer-model-freeze-first": {
        "ex6-transfer-model": """def transfer_model(checkpoint, num_classes):
    model = transfer.SmallCNN(num_classes=num_classes, widths=tuple(checkpoint["widths"]))
    freeze_body(model)
    load_body(model, checkpoint["state_dict"], head="fc")
    return model
""",
    },
    "param-groups-by-name": {
        "ex7-param-groups": """def param_groups(model, body_lr, head_lr):
    head_names = {"fc." + name for name, _ in model.fc.named_parameters()}
    named = list(model.named_parameters())
    body = [p for name, p in named if name not in head_names]
    head = [p for name, p in named if name in head_names]
    return [dict(lr=body_lr, params=body), dict(lr=head_lr, params=head)]
""",
    },
    "quiz-one-line": {"quiz-answers": 'q1, q2, q3, q4, q5 = "b", "c", "c", "a", "b"\n'},
}


def _merge(*replacements):
    """One submission made of several answers (each replaces a different cell)."""
    replace = {}
    for part in replacements:
        assert not set(part) & set(replace), "two answers replace the same cell"
        replace.update(part)
    return {"replace": replace}


CORRECT = {"every-exercise-written-differently": _merge(*_ALTERNATIVES.values())}
