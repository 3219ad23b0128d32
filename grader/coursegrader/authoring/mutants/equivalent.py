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
    "04-hooks/ex4-record-outputs:delete:2": (
        "without the up-front check, modules[name] raises the KeyError itself, naming the "
        "unknown layer, and the finally block removes the hooks registered before it: what "
        "the exercise asks (a KeyError that names the layer, no hook left) still holds; only "
        "the list of valid names is missing from the message."
    ),
    "05-state-dict/ex1-snapshot:detach:0": (
        "model.state_dict() (keep_vars=False) already returns detached tensors, so "
        "tensor.clone() and tensor.detach().clone() give the same values, no graph and "
        "requires_grad=False alike."
    ),
    "07-cifar10-cnn/ex2-cnn:const:8": (
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
}
