"""The files of one conformance run under one reports directory.

``ocpp-upi run`` and the pytest plugin's ``--ocpp-upi-reports`` both lay a run out this way, so a
suite added to someone else's pytest run leaves the same reports as the command line does.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ReportLayout:
    root: Path

    @property
    def junit(self) -> Path:
        return self.root / "junit.xml"

    @property
    def summary(self) -> Path:
        return self.root / "summary.json"

    @property
    def allure_results(self) -> Path:
        return self.root / "allure-results"

    @property
    def traces(self) -> Path:
        return self.root / "traces"

    def start_fresh(self) -> None:
        """Allure merges every result file it finds: stale ones would resurrect an old verdict,
        and a stale junit.xml or summary.json would outlive a run that stopped before writing
        its own. Only the run's own files go; anything else in the directory stays."""
        for directory in (self.allure_results, self.traces):
            if directory.exists():
                shutil.rmtree(directory)
        for stale in (self.junit, self.summary):
            stale.unlink(missing_ok=True)
        self.allure_results.mkdir(parents=True)
