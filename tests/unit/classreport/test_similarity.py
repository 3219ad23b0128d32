"""classreport/similar.py: copydetect over the answer code, starter, reference and what
most of the class shares subtracted."""

from __future__ import annotations

import numpy as np

from coursegrader.classreport import similar

REFERENCE = '''def total(items):
    result = 0
    for item in items:
        result = result + item * item
    return result
'''
OWN = '''def walk(tree, prefix=""):
    found = []
    todo = [(child, prefix) for child in reversed(tree.children)]
    while todo:
        node, base = todo.pop()
        name = base + "." + node.name if base else node.name
        found.append(name)
        todo.extend((sub, name) for sub in reversed(node.children))
    return found
'''
RENAMED = OWN.replace("found", "acc").replace("todo", "stack").replace("base", "pre")
OTHER = '''def walk(tree, prefix=""):
    if not tree.children:
        return []
    out = []
    for c in tree.children:
        p = f"{prefix}.{c.name}" if prefix else c.name
        out += [p] + walk(c, p)
    return out
'''


def common():
    return np.unique(np.array(sorted(similar._fingerprint("ref", REFERENCE).hashes),
                              dtype=np.int64))


def test_a_copy_with_renamed_variables_is_the_top_pair():
    pairs = similar.compare({"ada": REFERENCE + OWN, "ben": REFERENCE + RENAMED,
                             "cho": REFERENCE + OTHER, "dev": REFERENCE}, common())
    top = pairs[0]
    assert (top.a, top.b) == ("ada", "ben") and top.score > 0.9 and top.worth_a_look
    assert "<mark>" in top.code[0] and "<mark>" in top.code[1]
    assert all(not p.worth_a_look for p in pairs[1:])


def test_the_reference_and_the_starter_are_not_similarity():
    pairs = similar.compare({"ada": REFERENCE, "ben": "# mine\n" + REFERENCE}, common())
    assert pairs == []


def test_code_most_of_the_class_shares_is_subtracted():
    code = {f"s{i}": REFERENCE + OWN + f"x_{i} = {i}\n" for i in range(10)}
    assert similar.compare(code, common()) == []  # in 10 of 10: how the class was taught
    two = {"s0": OWN, "s1": RENAMED, "s2": OTHER, "s3": "pass\n", "s4": "x = 1\n"}
    assert [(p.a, p.b) for p in similar.compare(two, common()) if p.worth_a_look] == [
        ("s0", "s1")]


def test_answer_code_takes_the_answer_cells_only():
    from memory_notebooks import answer_cell, make_test_cell, notebook

    nb = notebook(answer_cell("a1", "def f():\n    return 1"), make_test_cell("t1"))
    assert similar.answer_code(nb) == "# a1\ndef f():\n    return 1\n"
