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
    "quiz-q2-wrong": {
        "replace": {"quiz-answers": 'q1 = "a"\nq2 = "a"\nq3 = "b"\nq4 = "b"\n'},
        "loses": ["quiz-q2-test"],
    },
}
