"""Wrong-but-plausible submissions of lesson 05: each must lose exactly its exercise."""

VARIANTS = {
    # state_dict() is not a copy: its tensors share memory with the model.
    "snapshot-shares-memory": {
        "replace": {
            "ex1-snapshot": """def snapshot(model):
    return dict(model.state_dict())
""",
        },
        "loses": ["ex1-snapshot-test"],
    },
    # Pickles the whole model instead of its state dict.
    "save-whole-model": {
        "replace": {
            "ex2-save-weights": """def save_weights(model, path):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(model, path)
    return path
""",
        },
        "loses": ["ex2-save-weights-test"],
    },
    # Relies on the default instead of asking for weights_only=True.
    "load-without-weights-only": {
        "replace": {
            "ex3-load-weights": """def load_weights(model, path):
    model.load_state_dict(torch.load(path))
    return model
""",
        },
        "loses": ["ex3-load-weights-test"],
    },
    # Believes strict=False skips tensors of the wrong shape.
    "load-matching-strict-false-only": {
        "replace": {
            "ex5-load-matching": """def load_matching(model, state_dict):
    model.load_state_dict(state_dict, strict=False)
    own = model.state_dict()
    return sorted(name for name in state_dict if name in own)
""",
        },
        "loses": ["ex5-load-matching-test"],
    },
    # No map_location: a GPU checkpoint cannot be opened on a CPU-only machine.
    "load-to-cpu-no-map-location": {
        "replace": {
            "ex6-load-to-cpu": """def load_to_cpu(path):
    return torch.load(path, weights_only=True)
""",
        },
        "loses": ["ex6-load-to-cpu-test"],
    },
    # The checkpoint keeps the weights and the epoch, but not the optimizer or scheduler.
    "checkpoint-without-optimizer": {
        "replace": {
            "ex7-checkpoint": """def save_checkpoint(path, model, optimizer, scheduler, epoch):
    torch.save({"model": model.state_dict(), "epoch": epoch}, path)


def load_checkpoint(path, model, optimizer, scheduler):
    checkpoint = torch.load(path, weights_only=True, map_location="cpu")
    model.load_state_dict(checkpoint["model"])
    return checkpoint["epoch"] + 1
""",
        },
        "loses": ["ex7-checkpoint-test"],
    },
    # Device-right but not safe: relies on the default of weights_only.
    "load-to-cpu-no-weights-only": {
        "replace": {
            "ex6-load-to-cpu": """def load_to_cpu(path):
    return torch.load(path, map_location="cpu")
""",
        },
        "loses": ["ex6-load-to-cpu-test"],
    },
    # The full checkpoint, loaded without map_location: a GPU checkpoint fails on a CPU.
    "checkpoint-no-map-location": {
        "replace": {
            "ex7-checkpoint": """def save_checkpoint(path, model, optimizer, scheduler, epoch):
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(), "epoch": epoch}, path)


def load_checkpoint(path, model, optimizer, scheduler):
    checkpoint = torch.load(path, weights_only=True)
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    scheduler.load_state_dict(checkpoint["scheduler"])
    return checkpoint["epoch"] + 1
""",
        },
        "loses": ["ex7-checkpoint-test"],
    },
    # The full checkpoint, loaded without asking for weights_only=True.
    "checkpoint-no-weights-only": {
        "replace": {
            "ex7-checkpoint": """def save_checkpoint(path, model, optimizer, scheduler, epoch):
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(), "epoch": epoch}, path)


def load_checkpoint(path, model, optimizer, scheduler):
    checkpoint = torch.load(path, map_location="cpu")
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    scheduler.load_state_dict(checkpoint["scheduler"])
    return checkpoint["epoch"] + 1
""",
        },
        "loses": ["ex7-checkpoint-test"],
    },
    # Exports the model in whatever mode it is in: batch norm and dropout stay in training mode.
    "export-without-eval": {
        "replace": {
            "ex8-export": """def export_model(model, example_inputs, path):
    exported = torch.export.export(model, example_inputs)
    torch.export.save(exported, path)
    return exported
""",
        },
        "loses": ["ex8-export-test"],
    },
    # Returns the program but never writes the file.
    "export-not-saved": {
        "replace": {
            "ex8-export": """def export_model(model, example_inputs, path):
    model.eval()
    return torch.export.export(model, example_inputs)
""",
        },
        "loses": ["ex8-export-test"],
    },
    # The myth: a state dict carries the model's code.
    "quiz-q5-myth": {
        "replace": {"quiz-answers": 'q1 = "c"\nq2 = "d"\nq3 = "a"\nq4 = "b"\nq5 = "a"\nq6 = "a"\n'},
        "loses": ["quiz-q5-test"],
    },
    # trace and export mixed up.
    "quiz-q6-swapped": {
        "replace": {"quiz-answers": 'q1 = "c"\nq2 = "d"\nq3 = "a"\nq4 = "b"\nq5 = "d"\nq6 = "c"\n'},
        "loses": ["quiz-q6-test"],
    },
    "quiz-q2-wrong": {
        "replace": {"quiz-answers": 'q1 = "c"\nq2 = "a"\nq3 = "a"\nq4 = "b"\nq5 = "d"\nq6 = "a"\n'},
        "loses": ["quiz-q2-test"],
    },
    # Saves the scheduler but never restores it: with this schedule the rates happen to match.
    "checkpoint-forgets-to-load-scheduler": {
        "replace": {
            "ex7-checkpoint": """def save_checkpoint(path, model, optimizer, scheduler, epoch):
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(), "epoch": epoch}, path)


def load_checkpoint(path, model, optimizer, scheduler):
    checkpoint = torch.load(path, weights_only=True, map_location="cpu")
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    return checkpoint["epoch"] + 1
""",
        },
        "loses": ["ex7-checkpoint-test"],
    },
}

# Right answers written differently from the reference, one per exercise.
_ALTERNATIVES = {
    "snapshot-deepcopy": {
        "replace": {
            "ex1-snapshot": """import copy


def snapshot(model):
    return copy.deepcopy(model.state_dict())
""",
        },
    },
    "save-weights-os-makedirs": {
        "replace": {
            "ex2-save-weights": """import os


def save_weights(model, path):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    state = model.state_dict()
    torch.save(state, str(path))
    return Path(path)
""",
        },
    },
    "load-weights-with-map-location": {
        "replace": {
            "ex3-load-weights": """def load_weights(model, path):
    state = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(state, strict=True)
    return model
""",
        },
    },
    "strip-prefix-loop-removeprefix": {
        "replace": {
            "ex4-strip-prefix": """def strip_prefix(state_dict, prefix="module."):
    out = {}
    for key in state_dict:
        out[key.removeprefix(prefix)] = state_dict[key]
    return out
""",
        },
    },
    "load-matching-loop": {
        "replace": {
            "ex5-load-matching": """def load_matching(model, state_dict):
    own = model.state_dict()
    names = []
    for name, tensor in state_dict.items():
        if name in own and tuple(own[name].shape) == tuple(tensor.shape):
            names.append(name)
    model.load_state_dict({name: state_dict[name] for name in names}, strict=False)
    return sorted(names)
""",
        },
    },
    "load-to-cpu-device-object": {
        "replace": {
            "ex6-load-to-cpu": """def load_to_cpu(path):
    return torch.load(path, map_location=torch.device("cpu"), weights_only=True)
""",
        },
    },
    "checkpoint-map-location-lambda": {
        "replace": {
            "ex7-checkpoint": """def save_checkpoint(path, model, optimizer, scheduler, epoch):
    checkpoint = {"epoch": epoch}
    for key, obj in [("model", model), ("optimizer", optimizer), ("scheduler", scheduler)]:
        checkpoint[key] = obj.state_dict()
    torch.save(checkpoint, path)


def load_checkpoint(path, model, optimizer, scheduler):
    ckpt = torch.load(path, map_location=lambda storage, location: storage, weights_only=True)
    for key, obj in [("model", model), ("optimizer", optimizer), ("scheduler", scheduler)]:
        obj.load_state_dict(ckpt[key])
    return ckpt["epoch"] + 1
""",
        },
    },
    "export-train-false": {
        "replace": {
            "ex8-export": """from torch.export import export, save


def export_model(model, example_inputs, path):
    model.train(False)
    program = export(model, tuple(example_inputs))
    save(program, str(path))
    return program
""",
        },
    },
    "quiz-dict": {
        "replace": {
            "quiz-answers": """answers = {"q1": "c", "q2": "d", "q3": "a", "q4": "b", "q5": "d", "q6": "a"}
q1, q2, q3, q4, q5, q6 = answers.values()
""",
        },
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


# Every alternative in one submission (grading a notebook is what costs time): full marks.
CORRECT = {"every-exercise-written-differently": _merge(*_ALTERNATIVES.values())}
