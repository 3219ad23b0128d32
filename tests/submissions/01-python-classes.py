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
    "quiz-q2-wrong": {
        "replace": {"quiz-answers": 'q1 = "b"\nq2 = "a"\n'},
        "loses": ["quiz-q2-test"],
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
}
