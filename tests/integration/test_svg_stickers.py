"""Sticker images served as SVG are scanned like PNG ones: a correct CSMS that serves SVG
passes (the fault variant SvgStickerForAnotherEvse, in the fault-detection self-test, fails)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.suite_runner import run_suite_timed


def _image_runs(tmp_path: Path, csms_class: str) -> dict[str, object]:
    run = run_suite_timed(
        tmp_path / "junit.xml",
        "--csms-class",
        csms_class,
        "--only-feature",
        "static_qr",
        "-k",
        "sticker_image",
    )
    assert len(run.verdicts) == 3, sorted(run.verdicts)
    return dict(run.verdicts)


@pytest.mark.slow
def test_a_csms_serving_svg_stickers_passes(tmp_path: Path) -> None:
    for name, verdict in _image_runs(
        tmp_path, "tests.integration.correct_variants:SvgStickers"
    ).items():
        assert verdict.verdict == "PASS", (name, verdict.verdict, verdict.message[:300])
