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
    # Removes the hooks after the run, but not when the model raises.
    "nan-finder-no-finally": {
        "replace": {
            "ex7-first-nan-layer": """def first_nan_layer(model, x):
    bad = []
    handles = []
    for name, module in model.named_modules():
        if len(list(module.children())) == 0:
            def hook(mod, args, output, name=name):
                if not bad and not torch.isfinite(output).all():
                    bad.append(name)

            handles.append(module.register_forward_hook(hook))
    model(x)
    for handle in handles:
        handle.remove()
    return bad[0] if bad else None
""",
        },
        "loses": ["ex7-first-nan-layer-test"],
    },
    # The deprecated module backward hook: the same numbers on a Linear layer, the wrong API.
    "grad-norms-deprecated-backward-hook": {
        "replace": {
            "ex6-layer-grad-norms": """def layer_grad_norms(model, X, y):
    norms, handles = {}, []
    for name, module in model.named_modules():
        if isinstance(module, nn.Linear):
            def hook(mod, grad_input, grad_output, name=name):
                norms[name] = grad_output[0].norm().item()

            handles.append(module.register_backward_hook(hook))
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
    # Clamps in place and returns None: the numbers look right, backward() breaks.
    "clamp-in-place": {
        "replace": {
            "ex3-clamp-output": """def clamp_output(module, low, high):
    def hook(mod, args, output):
        output.clamp_(low, high)

    return module.register_forward_hook(hook)
""",
        },
        "loses": ["ex3-clamp-output-test"],
    },
    # Cleans up only for the exception type the visible test raises, not when the model fails.
    "record-outputs-cleans-up-on-valueerror-only": {
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
    try:
        yield outputs
    except ValueError:
        for handle in handles:
            handle.remove()
        raise
    for handle in handles:
        handle.remove()
""",
        },
        "loses": ["ex4-record-outputs-exception-test"],
    },
    # Clamps the gradient in place: right for this tensor, but it clips other gradients too.
    "clip-grad-in-place": {
        "replace": {
            "ex5-clip-grad-hook": """def clip_grad_hook(tensor, max_abs):
    def hook(grad):
        grad.clamp_(-max_abs, max_abs)

    return tensor.register_hook(hook)
""",
        },
        "loses": ["ex5-clip-grad-hook-test"],
    },
    "quiz-q3-wrong": {
        "replace": {"quiz-answers": 'q1 = "d"\nq2 = "a"\nq3 = "a"\n'},
        "loses": ["quiz-q3-test"],
    },
    # The belief that model.forward(x) and model(x) are the same call.
    "quiz-q1-forward-runs-hooks": {
        "replace": {"quiz-answers": 'q1 = "a"\nq2 = "a"\nq3 = "c"\n'},
        "loses": ["quiz-q1-test"],
    },
    # Forgets `handles = []`: works only because an earlier cell has a list of that name.
    "record-outputs-leans-on-notebook-handles": {
        "replace": {
            "ex4-record-outputs": """@contextmanager
def record_outputs(model, names):
    modules = dict(model.named_modules())
    unknown = [name for name in names if name not in modules]
    if unknown:
        raise KeyError(f"no layer named {unknown}")
    outputs = {}
    try:
        for name in names:
            def hook(module, args, output, name=name):
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
    # No check up front: the KeyError comes from modules[name] after hooks were registered.
    "record-outputs-checks-names-late": {
        "replace": {
            "ex4-record-outputs": """@contextmanager
def record_outputs(model, names):
    modules = dict(model.named_modules())
    outputs, handles = {}, []
    try:
        for name in names:
            def hook(module, args, output, name=name):
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
    # Forgets `handles = []` too.
    "first-nan-leans-on-notebook-handles": {
        "replace": {
            "ex7-first-nan-layer": """def first_nan_layer(model, x):
    bad = []
    for name, module in model.named_modules():
        if len(list(module.children())) == 0:
            def hook(mod, args, output, name=name):
                if not bad and not torch.isfinite(output).all():
                    bad.append(name)

            handles.append(module.register_forward_hook(hook))
    try:
        model(x)
    finally:
        for handle in handles:
            handle.remove()
    return bad[0] if bad else None
""",
        },
        "loses": ["ex7-first-nan-layer-test"],
    },
}

# Correct answers written differently from the reference: each must get full marks.
CORRECT = {
    "capture-into-a-list": {
        "replace": {
            "ex1-capture-output": """def capture_output(model, module, x):
    seen = []
    handle = module.register_forward_hook(lambda mod, args, out: seen.append(out.detach()))
    try:
        model(x)
    finally:
        handle.remove()
    return seen[-1] if seen else None
""",
        },
    },
    "input-check-len-shape": {
        "replace": {
            "ex2-input-check": """def add_input_check(module, ndim):
    def check(mod, args):
        shape = tuple(args[0].shape)
        if len(shape) != ndim:
            raise ValueError("expected a %d-d input, got shape %s" % (ndim, shape))
        return args

    handle = module.register_forward_pre_hook(check)
    return handle
""",
        },
    },
    # The shape as PyTorch prints it, torch.Size([...]), not as a tuple.
    "input-check-torch-size": {
        "replace": {
            "ex2-input-check": """def add_input_check(module, ndim):
    def check(mod, args):
        if args[0].ndim != ndim:
            raise ValueError(f"expected {ndim} dimensions, got {args[0].shape}")

    return module.register_forward_pre_hook(check)
""",
        },
    },
    "clamp-with-torch-clamp": {
        "replace": {
            "ex3-clamp-output": """def clamp_output(module, low, high):
    def hook(mod, args, output):
        return torch.clamp(output, min=low, max=high)

    handle = module.register_forward_hook(hook)
    return handle
""",
        },
    },
    "record-outputs-exit-stack-partial": {
        "replace": {
            "ex4-record-outputs": """from contextlib import ExitStack
from functools import partial


def _store(outputs, name, module, args, output):
    outputs[name] = output.detach()


@contextmanager
def record_outputs(model, names):
    modules = dict(model.named_modules())
    for name in names:
        if name not in modules:
            raise KeyError(name)
    outputs = {}
    with ExitStack() as stack:
        for name in names:
            handle = modules[name].register_forward_hook(partial(_store, outputs, name))
            stack.callback(handle.remove)
        yield outputs
""",
        },
    },
    "clip-grad-named-function": {
        "replace": {
            "ex5-clip-grad-hook": """def clip_grad_hook(tensor, max_abs):
    def clip(grad):
        return torch.clamp(grad, -max_abs, max_abs)

    handle = tensor.register_hook(clip)
    return handle
""",
        },
    },
    "grad-norms-linalg": {
        "replace": {
            "ex6-layer-grad-norms": """def layer_grad_norms(model, X, y):
    linears = [(n, m) for n, m in model.named_modules() if isinstance(m, nn.Linear)]
    norms = {}

    def make_hook(name):
        def hook(module, grad_input, grad_output):
            norms[name] = float(torch.linalg.vector_norm(grad_output[0]))
        return hook

    handles = [m.register_full_backward_hook(make_hook(n)) for n, m in linears]
    try:
        loss = nn.functional.mse_loss(model(X), y)
        loss.backward()
    finally:
        for h in handles:
            h.remove()
    return norms
""",
        },
    },
    "nan-finder-ordered-list": {
        "replace": {
            "ex7-first-nan-layer": """def first_nan_layer(model, x):
    order = []
    leaves = [(n, m) for n, m in model.named_modules() if not list(m.children())]

    def make_hook(name):
        return lambda mod, args, out: order.append((name, bool(torch.isfinite(out).all())))

    handles = [m.register_forward_hook(make_hook(n)) for n, m in leaves]
    try:
        model(x)
    finally:
        for h in handles:
            h.remove()
    for name, finite in order:
        if not finite:
            return name
    return None
""",
        },
    },
    "quiz-one-line": {
        "replace": {"quiz-answers": 'q1, q2, q3 = "d", "a", "c"\n'},
    },
}
