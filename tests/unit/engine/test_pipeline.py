"""The grading pipeline's share of the machine among its kernels."""

from coursegrader.engine import pipeline


def test_kernels_side_by_side_share_the_cores_out(monkeypatch):
    monkeypatch.setattr(pipeline.os, "cpu_count", lambda: 8)
    assert pipeline.kernel_threads(1) == 8
    assert pipeline.kernel_threads(2) == 4
    assert pipeline.kernel_threads(3) == 2
    assert pipeline.kernel_threads(9) == 1  # never none
    monkeypatch.setattr(pipeline.os, "cpu_count", lambda: None)
    assert pipeline.kernel_threads(2) == 1
