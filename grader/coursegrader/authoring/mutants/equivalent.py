"""Mutants that are truly equivalent to the reference solution: no test could kill them,
because the mutated code computes the same thing. Each was read and argued for by hand.

Key: "<lesson>/<mutant id>" (ids as `course mutants --list` prints them). Keep the list short
and the reasons honest: a mutant that a better test *could* kill does not belong here.
"""

EQUIVALENT: dict[str, str] = {
    "00-tensors-and-autograd/ex3-gradient-of:detach:0": (
        "w.grad is filled by backward() without create_graph, so it is never part of a graph: "
        "w.grad.detach() is a tensor with the same storage and values, and nothing a test "
        "can observe differs."
    ),
    "02-nn-module/ex9-predict:detach:0": (
        "model(X) runs inside torch.no_grad(), so its result already has no graph and "
        "requires_grad=False: adding .detach() changes nothing observable."
    ),
    "04-hooks/ex1-capture-output:detach:1": (
        "the hook already stores output.detach(), and the exercise says the module is a layer "
        "of the model (or the model) that runs, so a second .detach() on the stored tensor "
        "changes nothing observable."
    ),
    "05-state-dict/ex1-snapshot:detach:0": (
        "model.state_dict() (keep_vars=False) already returns detached tensors, so "
        "tensor.clone() and tensor.detach().clone() give the same values, no graph and "
        "requires_grad=False alike."
    ),
    "06-training-and-metrics/ex1b-momentum-step:const:0": (
        "zip(..., strict=True) -> strict=False only matters when params and velocities differ "
        "in length, and the exercise gives one velocity per parameter: for every input it "
        "allows, both loops visit the same pairs."
    ),
    "06-training-and-metrics/ex8-standardizer:delete:2": (
        "without self.std = None the attribute does not exist before fit(); transform() checks "
        "self.mean and raises the RuntimeError either way, and the exercise says nothing "
        "about reading self.std before fit()."
    ),
    "06-training-and-metrics/ex8-standardizer:delete:4": (
        "the exercise gives fit() a 2-D float tensor; for float32 (what the lesson uses) "
        "as_tensor(..., dtype=float32) returns X itself, and for float64 only the dtype of "
        "the statistics differs, which the exercise leaves free."
    ),
    "06-training-and-metrics/ex8-standardizer:detach:1": (
        "a standardizer transforms data, which does not require grad: the output of "
        "(X - mean) / std then has no graph, and .detach() changes nothing observable."
    ),
    "06-training-and-metrics/ex8-standardizer:dim:1": (
        "a (1, n) mean instead of an (n,) one broadcasts over a 2-D X the same way: "
        "transform() returns the same values and shape, and the exercise fixes no shape "
        "for self.mean."
    ),
    "06-training-and-metrics/ex8-standardizer:dim:3": (
        "a (1, n) std instead of an (n,) one: the zero check keeps the shape, and it "
        "broadcasts over a 2-D X the same way, so transform() returns the same values."
    ),
    "07-cifar10-cnn/ex2-cnn:const:4": (
        "nn.ReLU(inplace=False) computes the same values as nn.ReLU(inplace=True); in-place "
        "only saves the memory of one activation, and the batch norm before it does not need "
        "its own output for backward."
    ),
    "07-cifar10-cnn/ex2-cnn:const:8": (
        "nn.ReLU(inplace=False) computes the same values as nn.ReLU(inplace=True); in-place "
        "only saves the memory of one activation, and the batch norm before it does not need "
        "its own output for backward."
    ),
    "07-cifar10-cnn/ex-resblock:const:3": (
        "nn.ReLU(inplace=False) computes the same values as nn.ReLU(inplace=True); in-place "
        "only saves the memory of one activation, and the batch norm before it does not need "
        "its own output for backward."
    ),
    "07-cifar10-cnn/ex-resnet:const:3": (
        "a bias in the stem's convolution is followed by batch norm, which subtracts the "
        "batch's mean in training (the bias cancels) and its running mean in eval (which "
        "then holds the bias): the outputs are the same, and a student who keeps the bias "
        "has not made a mistake. The parameter-count check allows 5% on purpose."
    ),
    "07-cifar10-cnn/ex-resnet:const:4": (
        "nn.ReLU(inplace=False) in the stem computes the same values as inplace=True; in-place "
        "only saves the memory of one activation, and neither the batch norm before it nor "
        "the max pooling after it needs the overwritten tensor for backward."
    ),
}
