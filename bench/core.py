"""Benchmark harness: candidate and baseline on the same input, interleaved, medians, ratio.

A benchmark module in ``bench/`` defines ``BENCHMARKS``: a list of :class:`Benchmark`. The
runner (``python -m bench [NAME...]``) prints one line per benchmark::

    name  candidate=12.3ms  baseline=180.1ms  ratio=14.6x  target>=8x  PASS  (extra)

``mode="speedup"``: ratio = baseline / candidate, PASS when ratio >= target.
``mode="at_most"``: ratio = candidate / baseline, PASS when ratio <= target (e.g. re-ingest cost
<= 10% of the first ingest, or within 2.5x of raw executemany).
``check(candidate_answer, baseline_answer)`` must hold on every repetition (same answer).
``extra(result) -> list[str]`` may add notes and failures (notes prefixed "FAIL:" fail the line).
"""

from __future__ import annotations

import gc
import statistics
import time
from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass
class Result:
    name: str
    candidate_s: float
    baseline_s: float
    ratio: float
    target: float
    mode: str
    passed: bool
    notes: list[str] = field(default_factory=list)
    candidate_runs: list[float] = field(default_factory=list)
    baseline_runs: list[float] = field(default_factory=list)
    context: dict = field(default_factory=dict)

    def line(self) -> str:
        op = ">=" if self.mode == "speedup" else "<="
        ratio = f"{self.ratio:.1f}x" if self.mode == "speedup" else f"{self.ratio:.3f}"
        tail = ("  " + "; ".join(self.notes)) if self.notes else ""
        return (
            f"{self.name:<28} candidate={_fmt(self.candidate_s):>9}  baseline={_fmt(self.baseline_s):>9}  "
            f"ratio={ratio:>7}  target{op}{self.target:g}  {'PASS' if self.passed else 'FAIL'}{tail}"
        )


def _fmt(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f}us"
    if seconds < 1:
        return f"{seconds * 1e3:.1f}ms"
    return f"{seconds:.2f}s"


@dataclass
class Benchmark:
    name: str
    setup: Callable[[], Any]
    candidate: Callable[[Any], Any]
    baseline: Callable[[Any], Any]
    target: float
    mode: str = "speedup"
    repeat: int = 5
    check: Callable[[Any, Any], bool] | None = None
    extra: Callable[[Result], list[str]] | None = None
    # Called before each timed call (outside the timing), e.g. to reset a database.
    reset: Callable[[Any, str], None] | None = None

    def run(self, repeat: int | None = None) -> Result:
        n = repeat or self.repeat
        inp = self.setup()
        cand_t: list[float] = []
        base_t: list[float] = []
        for i in range(n):
            # Interleave, alternating which goes first, so drift hits both alike.
            order = ("candidate", "baseline") if i % 2 == 0 else ("baseline", "candidate")
            answers: dict[str, Any] = {}
            for who in order:
                if self.reset:
                    self.reset(inp, who)
                fn = self.candidate if who == "candidate" else self.baseline
                gc.collect()
                t0 = time.perf_counter()
                answers[who] = fn(inp)
                dt = time.perf_counter() - t0
                (cand_t if who == "candidate" else base_t).append(dt)
            if self.check is not None and not self.check(answers["candidate"], answers["baseline"]):
                raise AssertionError(f"{self.name}: candidate and baseline answers differ (run {i})")
        c, b = statistics.median(cand_t), statistics.median(base_t)
        if self.mode == "speedup":
            ratio = b / c if c > 0 else float("inf")
            ok = ratio >= self.target
        else:
            ratio = c / b if b > 0 else float("inf")
            ok = ratio <= self.target
        res = Result(self.name, c, b, ratio, self.target, self.mode, ok,
                     candidate_runs=cand_t, baseline_runs=base_t, context={"input": inp})
        if self.extra:
            for note in self.extra(res):
                res.notes.append(note)
                if note.startswith("FAIL:"):
                    res.passed = False
        res.context.clear()
        return res
