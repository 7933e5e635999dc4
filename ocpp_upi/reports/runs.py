"""One record per scenario run: its verdict, why, and what a reviewer needs to act on it."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from ocpp_upi.verdicts import Verdict


@dataclass
class ScenarioRun:
    """What one scenario did for one OCPP version, filled in as its phases finish."""

    nodeid: str
    name: str  # the pytest test name, e.g. test_a_credit_...[ocpp1.6]
    feature: str  # the feature file's stem, e.g. static_qr
    scenario: str  # the Gherkin title
    ocpp_version: str | None
    requirements: list[str] = field(default_factory=list)
    verdict: Verdict = Verdict.PASS
    reason: str = ""  # one line: the NA reason, the broken rule's headline, the error
    detail: str = ""  # expected / arrived, the declared known-failure reason, ...
    step: str | None = None  # the Gherkin step that broke
    not_run: list[str] = field(default_factory=list)  # the steps after it, never run
    quirks: list[str] = field(default_factory=list)
    seconds: float = 0.0
    trace: str | None = None  # the rendered frame trace of a FAIL or ERROR
    trace_file: str | None = None

    @property
    def graded(self) -> str:
        """The verdict as people read it: a PASS with quirks says so."""
        if self.verdict is Verdict.PASS and self.quirks:
            return "PASS (quirks)"
        return str(self.verdict)

    @property
    def rule(self) -> str:
        """The requirements a FAIL breaks, as the scenario's tags name them."""
        return ", ".join(r.replace(":", " ", 1) for r in self.requirements)

    def explanation(self) -> str:
        """The verdict as every report words it: why, the rule a FAIL breaks, the step that
        broke and those never run after it, then expected / arrived (or the quirks)."""
        why = "; ".join(self.quirks) if self.verdict is Verdict.PASS else self.reason
        lines = [f"{self.graded}: {why}"]
        if self.verdict is Verdict.FAIL and self.rule:
            lines.append(f"breaks:   {self.rule}")
        if self.step:
            lines.append(f"step:     {self.step}")
        if self.not_run:
            lines.append(f"not run:  {'; '.join(self.not_run)}")
        if self.detail:
            lines.append(self.detail)
        return "\n".join(lines)

    @property
    def title(self) -> str:
        return f"{self.scenario} [OCPP {self.ocpp_version}]" if self.ocpp_version else self.scenario

    def to_wire(self) -> dict[str, Any]:
        """Every field as plain data, for a pytest-xdist worker to hand the record to the
        controller (execnet carries dicts, lists, strings and numbers only)."""
        wire = asdict(self)
        wire["verdict"] = self.verdict.value
        return wire

    @classmethod
    def from_wire(cls, wire: dict[str, Any]) -> ScenarioRun:
        return cls(**{**wire, "verdict": Verdict(wire["verdict"])})

    def as_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "feature": self.feature,
            "ocpp_version": self.ocpp_version,
            "requirements": self.requirements,
            "verdict": str(self.verdict),
            "reason": self.reason,
            "detail": self.detail,
            "step": self.step,
            "not_run": self.not_run,
            "quirks": self.quirks,
            "seconds": round(self.seconds, 3),
            "trace_file": self.trace_file,
            "test": self.name,
        }


def totals(runs: list[ScenarioRun]) -> dict[str, int]:
    """Counts per verdict, every verdict named (zeros included) so readers need no defaults."""
    counted = Counter(run.verdict for run in runs)
    result = {str(v): counted.get(v, 0) for v in Verdict}
    result["PASS with quirks"] = sum(1 for r in runs if r.verdict is Verdict.PASS and r.quirks)
    result["total"] = len(runs)
    return result


def junit_totals(runs: list[ScenarioRun]) -> dict[str, int]:
    """How JUnit counts the same runs: FAIL and UNEXPECTED PASS are failures, ERROR errors,
    NOT APPLICABLE and KNOWN FAILURE skipped."""
    verdicts = Counter(run.verdict for run in runs)
    return {
        "tests": len(runs),
        "failures": verdicts[Verdict.FAIL] + verdicts[Verdict.UNEXPECTED_PASS],
        "errors": verdicts[Verdict.ERROR],
        "skipped": verdicts[Verdict.NOT_APPLICABLE] + verdicts[Verdict.KNOWN_FAILURE],
    }
