"""What a fault scenario found: checks (hold at any size) and targets (figures at full size)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Check:
    """A promise that holds at any size: "zero acknowledged messages missing"."""

    name: str
    passed: bool
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Target:
    """A measured figure held against the issue's target: p95 resume ≤ 5 s. `baseline` is the
    same figure measured without the fault in the same run, where the target is relative."""

    name: str
    measured: float
    limit: float
    unit: str
    baseline: float | None = None

    @property
    def met(self) -> bool:
        return self.measured <= self.limit


@dataclass
class Outcome:
    checks: list[Check] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)  # everything else measured

    def check(self, name: str, passed: bool, detail: str = "") -> None:
        self.checks.append(Check(name, passed, detail))

    def target(
        self, name: str, measured: float, limit: float, unit: str, baseline: float | None = None
    ) -> None:
        self.targets.append(Target(name, measured, limit, unit, baseline))

    @property
    def failed_checks(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]

    @property
    def passed(self) -> bool:
        return not self.failed_checks and all(t.met for t in self.targets)

    def table(self) -> str:
        lines = ["check                                              result"]
        for c in self.checks:
            mark = "ok" if c.passed else "FAILED"
            lines.append(f"{c.name:<50} {mark} {c.detail}".rstrip())
        if self.targets:
            lines.append("")
            lines.append("target                                   measured     limit   baseline")
            for t in self.targets:
                base = "" if t.baseline is None else f"{t.baseline:.3g} {t.unit}"
                mark = "" if t.met else "  MISSED"
                lines.append(
                    f"{t.name:<40} {t.measured:>8.3g} {t.unit:<3} {t.limit:>6.3g} {t.unit:<3}"
                    f" {base}{mark}"
                )
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "checks": [
                {"name": c.name, "passed": c.passed, "detail": c.detail} for c in self.checks
            ],
            "targets": [
                {
                    "name": t.name,
                    "measured": t.measured,
                    "limit": t.limit,
                    "unit": t.unit,
                    "baseline": t.baseline,
                    "met": t.met,
                }
                for t in self.targets
            ],
            "figures": self.figures,
        }
