"""Wrong-but-plausible submissions of lesson 01: each must lose exactly its exercise."""

VARIANTS = {
    # Passes the visible test but ignores n: only the hidden tests catch it.
    "running-mean-ignores-n": {
        "replace": {
            "ex1-running-mean": """class RunningMean:
    def __init__(self):
        self.total = 0.0
        self.count = 0

    def update(self, value, n=1):
        self.total += value
        self.count += 1

    def mean(self):
        return self.total / self.count if self.count else 0.0
""",
        },
        "loses": ["ex1-running-mean-test"],
    },
    "clip-forgets-super": {
        "replace": {
            "ex2-clip": """class Clip(Layer):
    def __init__(self, low, high):
        self.low = low
        self.high = high

    def forward(self, x):
        return min(max(x, self.low), self.high)
""",
        },
        "loses": ["ex2-clip-test"],
    },
    # Sets up the parent's state by hand: works today, breaks when Layer changes.
    "clip-sets-name-by-hand": {
        "replace": {
            "ex2-clip": """class Clip(Layer):
    def __init__(self, low, high):
        if low > high:
            raise ValueError("low must not be larger than high")
        self.name = "clip"
        self.training = True
        self.low = low
        self.high = high

    def forward(self, x):
        return min(max(x, self.low), self.high)
""",
        },
        "loses": ["ex2-clip-test"],
    },
    # Refuses low == high, which the exercise allows.
    "clip-rejects-equal-bounds": {
        "replace": {
            "ex2-clip": """class Clip(Layer):
    def __init__(self, low, high):
        super().__init__(name="clip")
        if low >= high:
            raise ValueError("low must be smaller than high")
        self.low = low
        self.high = high

    def forward(self, x):
        return min(max(x, self.low), self.high)
""",
        },
        "loses": ["ex2-clip-test"],
    },
    # The belief that __getattr__ runs on every attribute read (that is __getattribute__).
    "quiz-q2-wrong": {
        "replace": {"quiz-answers": 'q1 = "c"\nq2 = "b"\nq3 = "d"\n'},
        "loses": ["quiz-q2-test"],
    },
    # The belief that the parent's __init__ runs by itself, as constructors do in C++ or Java.
    "quiz-q1-parent-init-automatic": {
        "replace": {"quiz-answers": 'q1 = "a"\nq2 = "a"\nq3 = "d"\n'},
        "loses": ["quiz-q1-test"],
    },
    # parameters() does not recurse into sub-modules: registration and __call__ still work.
    "parameters-not-recursive": {
        "replace": {
            "capstone-module": """class Module:
    def __init__(self):
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})

    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise AttributeError("call super().__init__() first")
        if isinstance(value, Parameter):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        object.__setattr__(self, name, value)

    def parameters(self):
        return list(self._parameters.values())

    def forward(self, *args, **kwargs):
        raise NotImplementedError

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)
""",
        },
        "loses": ["capstone-parameters-test"],
    },
    # Fails the right way (AttributeError) but the message does not say what to do.
    "capstone-error-without-advice": {
        "replace": {"capstone-module": """class Module:
    def __init__(self):
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})

    def __setattr__(self, name, value):
        # no check: self._parameters below raises Python's own AttributeError, with no advice
        if isinstance(value, Parameter):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        object.__setattr__(self, name, value)

    def parameters(self):
        found = list(self._parameters.values())
        for child in self._modules.values():
            found += child.parameters()
        return found

    def forward(self, *args, **kwargs):
        raise NotImplementedError

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)
"""},
        "loses": ["capstone-register-test"],
    },
}

# Correct answers written differently from the reference: each must get full marks.
CORRECT = {
    # Its own wording of the missing-__init__ error.
    "capstone-own-error-message": {
        "replace": {"capstone-module": """class Module:
    def __init__(self):
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})

    def __setattr__(self, name, value):
        if not hasattr(self, "_parameters"):
            raise AttributeError(f"Module.__init__() was not called before setting {name}")
        if isinstance(value, Parameter):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        object.__setattr__(self, name, value)

    def parameters(self):
        found = list(self._parameters.values())
        for child in self._modules.values():
            found += child.parameters()
        return found

    def forward(self, *args, **kwargs):
        raise NotImplementedError

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)
"""},
    },
    "running-mean-try-except": {
        "replace": {
            "ex1-running-mean": """class RunningMean:
    def __init__(self):
        self.total, self.count = 0.0, 0

    def update(self, value, n=1):
        self.total = self.total + n * value
        self.count = self.count + n

    def mean(self):
        try:
            return self.total / self.count
        except ZeroDivisionError:
            return 0.0
""",
        },
    },
    "clip-calls-layer-init-by-name": {
        "replace": {
            "ex2-clip": """class Clip(Layer):
    def __init__(self, low, high):
        if high < low:
            raise ValueError(f"low={low} is larger than high={high}")
        Layer.__init__(self, "clip")
        self.low, self.high = low, high

    def forward(self, x):
        if x < self.low:
            return self.low
        if x > self.high:
            return self.high
        return x
""",
        },
    },
    "affine-format": {
        "replace": {
            "ex3-affine": """class Affine:
    def __init__(self, w, b):
        self.w, self.b = w, b

    def __call__(self, x):
        return self.b + self.w * x

    def __repr__(self):
        return "Affine(w={}, b={})".format(self.w, self.b)
""",
        },
    },
    "tracked-dict-and-super": {
        "replace": {
            "ex4-tracked": """class Tracked:
    def __init__(self):
        self.__dict__["_order"] = []

    def __setattr__(self, name, value):
        super().__setattr__(name, value)
        if name[0] != "_" and name not in self._order:
            self._order = self._order + [name]
""",
        },
    },
    "dotted-names-generator": {
        "replace": {
            "ex5-dotted-names": """def dotted_names(node, prefix=""):
    def walk(current, path):
        for child in current.children:
            child_path = path + "." + child.name if path else child.name
            yield child_path
            yield from walk(child, child_path)

    return list(walk(node, prefix))
""",
        },
    },
    # What nn.Module really does: registered values live only in the dictionaries and are
    # found again through __getattr__.
    "module-like-torch-getattr": {
        "replace": {
            "capstone-module": """class Module:
    def __init__(self):
        self.__dict__["_parameters"] = {}
        self.__dict__["_modules"] = {}

    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise AttributeError("call super().__init__() first, then assign " + name)
        if isinstance(value, Parameter):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        else:
            self.__dict__[name] = value

    def __getattr__(self, name):
        for store in ("_parameters", "_modules"):
            found = self.__dict__.get(store, {})
            if name in found:
                return found[name]
        raise AttributeError(name)

    def parameters(self):
        return [*self._parameters.values(),
                *[p for child in self._modules.values() for p in child.parameters()]]

    def forward(self, *args, **kwargs):
        raise NotImplementedError("subclasses define forward")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)
""",
        },
    },
    "quiz-one-line": {
        "replace": {"quiz-answers": 'q1, q2, q3 = "c", "a", "d"\n'},
    },
}
