"""Wrong-but-plausible submissions of lesson 04: each must lose exactly its exercise."""

VARIANTS = {
    # Runs model.forward(x): the hooks of the model itself never run.
    "capture-calls-forward-directly": {
        "replace": {
            "ex1-capture-output": """def capture_output(model, module, x):
    box = {}

    def hook(mod, args, output):
        box["output"] = output.detach()

    handle = module.register_forward_hook(hook)
    try:
        model.forward(x)
    finally:
        handle.remove()
    return box.get("output")
""",
        },
        "loses": ["ex1-capture-output-test"],
    },
    # The hook computes the clamped tensor but does not return it: the output is unchanged.
    "clamp-hook-returns-none": {
        "replace": {
            "ex3-clamp-output": """def clamp_output(module, low, high):
    def hook(mod, args, output):
        output.clamp(low, high)

    return module.register_forward_hook(hook)
""",
        },
        "loses": ["ex3-clamp-output-test"],
    },
    # No try/finally: works on the happy path, leaves every hook behind on an exception.
    "record-outputs-no-finally": {
        "replace": {
            "ex4-record-outputs": """@contextmanager
def record_outputs(model, names):
    modules = dict(model.named_modules())
    for name in names:
        if name not in modules:
            raise KeyError(f"no layer named {name!r}")
    outputs = {}
    handles = []
    for name in names:
        def hook(module, args, output, name=name):
            outputs[name] = output.detach()

        handles.append(modules[name].register_forward_hook(hook))
    yield outputs
    for handle in handles:
        handle.remove()
""",
        },
        "loses": ["ex4-record-outputs-exception-test"],
    },
    # The classic late-binding closure: every hook stores under the last name.
    "record-outputs-late-binding": {
        "replace": {
            "ex4-record-outputs": """@contextmanager
def record_outputs(model, names):
    modules = dict(model.named_modules())
    for name in names:
        if name not in modules:
            raise KeyError(f"no layer named {name!r}")
    outputs = {}
    handles = []
    try:
        for name in names:
            def hook(module, args, output):
                outputs[name] = output.detach()

            handles.append(modules[name].register_forward_hook(hook))
        yield outputs
    finally:
        for handle in handles:
            handle.remove()
""",
        },
        "loses": ["ex4-record-outputs-test"],
    },
    # Records the gradient at the layer's input instead of at its output.
    "grad-norms-of-grad-input": {
        "replace": {
            "ex6-layer-grad-norms": """def layer_grad_norms(model, X, y):
    norms, handles = {}, []
    for name, module in model.named_modules():
        if isinstance(module, nn.Linear):
            def hook(mod, grad_input, grad_output, name=name):
                grads = [g for g in grad_input if g is not None]
                norms[name] = grads[0].norm().item() if grads else 0.0

            handles.append(module.register_full_backward_hook(hook))
    try:
        nn.functional.mse_loss(model(X), y).backward()
    finally:
        for handle in handles:
            handle.remove()
    return norms
""",
        },
        "loses": ["ex6-layer-grad-norms-test"],
    },
    # Finds the right layer but never removes its hooks.
    "nan-finder-keeps-hooks": {
        "replace": {
            "ex7-first-nan-layer": """def first_nan_layer(model, x):
    bad = []
    for name, module in model.named_modules():
        if len(list(module.children())) == 0:
            def hook(mod, args, output, name=name):
                if not bad and not torch.isfinite(output).all():
                    bad.append(name)

            module.register_forward_hook(hook)
    model(x)
    return bad[0] if bad else None
""",
        },
        "loses": ["ex7-first-nan-layer-test"],
    },
    "quiz-q3-wrong": {
        "replace": {"quiz-answers": 'q1 = "b"\nq2 = "b"\nq3 = "a"\n'},
        "loses": ["quiz-q3-test"],
    },
}
