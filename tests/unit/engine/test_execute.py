"""engine/execute.py: the execute stage's config and one notebook's run."""

from __future__ import annotations

from memory_notebooks import fake_kernel_runs, notebook
from nbformat.v4 import new_code_cell

from coursegrader.engine import execute


def test_a_kernel_that_never_starts_fails_the_submission_with_the_reason(tmp_path,
                                                                        monkeypatch):
    """Not one cell ran, twice: the machine's fault, not the student's. The submission fails
    with the reason (the instructor grades it again), instead of a grade of 0."""
    import nbformat

    def dead(self, nb, attempt):
        raise RuntimeError("Kernel died before replying to kernel_info")

    calls = fake_kernel_runs(monkeypatch, dead)
    path = tmp_path / "lesson.ipynb"
    nbformat.write(notebook(new_code_cell("x = 1")), path)
    result = execute.execute_notebook(str(path), "alice", "lesson")
    assert len(calls) == 2
    assert not result.ok
    assert result.error.startswith("the kernel could not start (RuntimeError: Kernel died")


def test_execute_config_uses_the_sandbox_only_when_on():
    from traitlets.config import Config

    from coursegrader.sandbox.manager import SandboxedKernelManager

    base = Config({"Execute": {"timeout": 5}})
    on = execute.execute_config(base, sandbox=True, limits={"memory_limit": 2 * 1024**3})
    assert on.Execute.kernel_manager_class is SandboxedKernelManager
    assert on.Execute.timeout == 5 and on.SandboxedKernelManager.memory_limit == 2 * 1024**3
    assert "kernel_manager_class" not in base.Execute, "the course's config is left alone"
    off = execute.execute_config(base, sandbox=False)
    assert "kernel_manager_class" not in off.Execute and off.Execute.timeout == 5
