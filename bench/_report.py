"""What the delivery benchmark prints: a table per scenario, the goals met or not, notes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bench._wrk import WrkResult

WRK_HEADER = ("server", "req/s", "p50 ms", "p99 ms", "max ms", "bytes/resp", "failed")


@dataclass
class Goal:
    what: str
    goal: str
    measured: str
    met: bool | None  # None: not measurable in this run


@dataclass
class Report:
    """Figures per scenario (for --json), goals (for the summary) and notes on doubtful points."""

    scenarios: dict[str, dict[str, Any]] = field(default_factory=dict)
    goals: list[Goal] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        self.notes.append(text)
        print(f"note: {text}", flush=True)

    def goal(self, what: str, goal: str, measured: str, met: bool | None) -> None:
        self.goals.append(Goal(what, goal, measured, met))

    def print_summary(self) -> None:
        verdicts = {True: "met", False: "NOT met", None: "n/a"}
        table(
            "summary",
            ("measure", "goal", "measured", ""),
            [[g.what, g.goal, g.measured, verdicts[g.met]] for g in self.goals],
        )
        for text in self.notes:
            print(f"  note: {text}")


def fmt(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}"


def table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """``rows`` under ``header``, the first column left-aligned, the others right-aligned."""
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows, strict=True)]
    print(f"\n{title}")
    for index, row in enumerate([header, *rows]):
        cells = [
            str(c).ljust(w) if i == 0 else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        print("  " + "  ".join(cells))
        if index == 0:
            print("  " + "  ".join("-" * w for w in widths))


def wrk_rows(results: dict[str, WrkResult]) -> list[list[str]]:
    """Rows for ``WRK_HEADER``, one per named wrk run."""
    return [
        [
            name,
            fmt(r.rps),
            fmt(r.p50_ms, 2),
            fmt(r.p99_ms, 2),
            fmt(r.max_ms, 1),
            fmt(r.bytes_per_response, 0),
            str(r.failed),
        ]
        for name, r in results.items()
    ]
