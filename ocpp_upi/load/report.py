"""A fleet run's result as files: ``fleet.json`` (everything) and ``fleet.html`` (latency over
time, one inline SVG per series, readable offline with no script)."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from ocpp_upi.files import write_json_atomically

WIDTH, HEIGHT, PAD = 760, 220, 40


def _plot(name: str, points: list[list[float]], duration: float) -> str:
    """One scatter plot: seconds into the run (x) against latency in ms (y)."""
    if not points:
        return f"<h2>{html.escape(name)}</h2><p>no samples</p>"
    top = max(v for _, v in points) or 1.0
    right = max(duration, max(t for t, _ in points)) or 1.0

    def x(t: float) -> float:
        return PAD + (WIDTH - 2 * PAD) * t / right

    def y(v: float) -> float:
        return HEIGHT - PAD - (HEIGHT - 2 * PAD) * v / top

    dots = "".join(f'<circle cx="{x(t):.1f}" cy="{y(v):.1f}" r="1.6"/>' for t, v in points)
    return (
        f"<h2>{html.escape(name)} ({len(points)} samples)</h2>"
        f'<svg width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{html.escape(name)}">'
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" '
        f'stroke="#444"/><line x1="{PAD}" y1="{PAD}" x2="{PAD}" y2="{HEIGHT - PAD}" stroke="#444"/>'
        f'<text x="{PAD}" y="{PAD - 8}" font-size="11">{top:.0f} ms</text>'
        f'<text x="{WIDTH - PAD}" y="{HEIGHT - 12}" font-size="11" text-anchor="end">'
        f"{right:.0f} s</text>"
        f'<g fill="#1f5fa8" fill-opacity="0.6">{dots}</g></svg>'
    )


def render_html(result: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(name)}</td><td>{s['count']}</td><td>{s['p50_ms']}</td>"
        f"<td>{s['p95_ms']}</td><td>{s['p99_ms']}</td></tr>"
        for name, s in result["latency"].items()
    )
    violations = (
        "".join(
            f"<li>{html.escape(v['rule'])}: charger {html.escape(v['charger'])}, payment "
            f"{html.escape(v['payment'])}: {html.escape(v['detail'])}</li>"
            for v in result["violations"]
        )
        or "<li>none</li>"
    )
    duration = float(result.get("sessions_s", 0)) + float(result.get("boot_s", 0))
    plots = "".join(_plot(n, pts, duration) for n, pts in result["series"].items())
    title = f"ocpp-upi fleet: {result['chargers']} chargers, OCPP {result['ocpp_version']}"
    return (
        f"<!doctype html><html lang='en'><meta charset='utf-8'><title>{title}</title>"
        f"<body style='font-family:sans-serif'><h1>{title}</h1>"
        f"<p>{result['counts'].get('sessions completed', 0)} sessions completed, "
        f"{result['sessions_per_s']} a second; peak RSS {result['peak_rss_mib']} MiB "
        f"({result['rss_per_charger_kib']} KiB a charger)</p>"
        f"<h2>Rules broken under load</h2><ul>{violations}</ul>"
        f"<table border='1' cellpadding='4'><tr><th>latency</th><th>n</th><th>p50 ms</th>"
        f"<th>p95 ms</th><th>p99 ms</th></tr>{rows}</table>{plots}</body></html>"
    )


def write_reports(result: dict[str, Any], folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / "fleet.json"
    page = folder / "fleet.html"
    write_json_atomically(data, result)
    page.write_text(render_html(result), encoding="utf-8")
    return data, page


def summary_lines(result: dict[str, Any]) -> list[str]:
    """The end-of-run console summary."""
    c = result["counts"]
    lines = [
        f"chargers {result['booted']}/{result['chargers']} booted in {result['boot_s']} s; "
        f"sessions started {c.get('sessions started', 0)}, completed "
        f"{c.get('sessions completed', 0)}, refunded {c.get('refunds', 0)} "
        f"({result['sessions_per_s']}/s); peak RSS {result['peak_rss_mib']} MiB, "
        f"{result['rss_per_charger_kib']} KiB a charger",
    ]
    for name, s in result["latency"].items():
        lines.append(
            f"  {name:<32} n={s['count']:<6} p50 {s['p50_ms']} ms  p95 {s['p95_ms']} ms  "
            f"p99 {s['p99_ms']} ms"
        )
    lines.append(f"rules broken under load: {len(result['violations'])}")
    lines += [
        f"  {v['rule']}: charger {v['charger']}, payment {v['payment']}: {v['detail']}"
        for v in result["violations"][:20]
    ]
    lines += [f"  problem: {p}" for p in result["problems"][:5]]
    return lines


def dumps(result: dict[str, Any]) -> str:
    return json.dumps(result, indent=2)
