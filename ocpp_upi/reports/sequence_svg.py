"""A failing run's frames as an SVG sequence diagram: charger on the left, CSMS on the right.

A reviewer reads a failure faster from arrows than from 200 lines of JSON: who spoke, in what
order, which answer never came. The SVG is plain inline markup (no script, no font, no link),
so the report stays one self-contained file. Every arrow carries its full frame in a
``<title>`` (the browser's tooltip), while the drawing shows the message type, the action and a
clipped payload, so even a long trace keeps one line per frame.
"""

from __future__ import annotations

from html import escape

from ocpp_upi.reports.sequence import CHARGER, CSMS, Entry, Message, Note, TraceSequence, clip

WIDTH = 1000
TIME_X = 8
CHARGER_X = 170
CSMS_X = 640
HTTP_X = WIDTH - 14  # HTTP calls come in from the right edge (bank, PSP, operator, driver)
HEAD_TOP, HEAD_HEIGHT = 8, 28
TOP = HEAD_TOP + HEAD_HEIGHT + 14
MESSAGE_ROW, NOTE_ROW, VIOLATION_LINE = 36, 26, 13
LABEL_CHARS, PREVIEW_CHARS, NOTE_CHARS, HTTP_CHARS = 64, 68, 96, 50
TITLE_CHARS = 2400

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
MONO = "ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace"
COLOURS = {
    "CALL": "#1d4ed8",
    "SEND": "#1d4ed8",
    "CALLRESULT": "#475569",
    "CALLERROR": "#c2410c",
    "CALLRESULTERROR": "#c2410c",
    "frame": "#475569",
    "violation": "#b91c1c",
    "http": "#7c3aed",
    "note": "#92400e",
}


def render_svg(sequence: TraceSequence, caption: str) -> str:
    """The whole diagram as one ``<svg>`` element; ``caption`` names it for screen readers."""
    rows: list[str] = []
    y = TOP
    for index, entry in enumerate(sequence.entries):
        if sequence.omitted and index == sequence.omitted_after:
            rows.append(_omission(y, sequence.omitted))
            y += NOTE_ROW
        markup, height = _row(entry, y)
        rows.append(markup)
        y += height
    height = y + HEAD_HEIGHT + 16
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="sequence" role="img" '
        f'aria-label="{escape(caption)}" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="{escape(FONT)}" font-size="12">',
        f"<title>{escape(caption)}</title>",
        *_lifelines(height),
        *rows,
        "</svg>",
    ]
    return "\n".join(parts)


def _row(entry: Entry, y: int) -> tuple[str, int]:
    if isinstance(entry, Message):
        return _message(entry, y)
    if entry.http:
        return _http(entry, y), MESSAGE_ROW
    return _note(entry, y), NOTE_ROW


def _lifelines(height: int) -> list[str]:
    """Both participants at the top and again at the bottom, joined by dashed lifelines."""
    bottom = height - HEAD_HEIGHT - 8
    parts = []
    for name, x in ((CHARGER, CHARGER_X), (CSMS, CSMS_X)):
        parts.append(
            f'<line x1="{x}" y1="{HEAD_TOP + HEAD_HEIGHT}" x2="{x}" y2="{bottom}" '
            'stroke="#94a3b8" stroke-dasharray="4 4"/>'
        )
        for top in (HEAD_TOP, bottom):
            parts.append(_head(name, x, top))
    parts.append(
        f'<text x="{HTTP_X}" y="{HEAD_TOP + 18}" text-anchor="end" fill="{COLOURS["http"]}" '
        'font-size="11">HTTP (bank, PSP, operator, driver) →</text>'
    )
    return parts


def _head(name: str, x: int, top: int) -> str:
    return (
        f'<g class="participant"><rect x="{x - 60}" y="{top}" width="120" '
        f'height="{HEAD_HEIGHT}" rx="4" fill="#e2e8f0" stroke="#64748b"/>'
        f'<text x="{x}" y="{top + 18}" text-anchor="middle" font-weight="600">{name}</text></g>'
    )


def _time(at: float, y: int) -> str:
    return (
        f'<text x="{TIME_X}" y="{y}" font-family="{escape(MONO)}" font-size="10.5" '
        f'fill="#64748b">{at:.3f}s</text>'
    )


def _arrow(x1: int, x2: int, y: int, colour: str, *, dashed: bool, width: float) -> str:
    """A line from ``x1`` to ``x2`` with its head at ``x2`` (drawn, not a marker: marker ids
    would clash between the many diagrams of one page)."""
    dash = ' stroke-dasharray="6 3"' if dashed else ""
    tip = 8 if x2 > x1 else -8
    head = f"{x2},{y} {x2 - tip},{y - 4} {x2 - tip},{y + 4}"
    return (
        f'<line x1="{x1}" y1="{y}" x2="{x2 - tip}" y2="{y}" stroke="{colour}" '
        f'stroke-width="{width}"{dash}/><polygon points="{head}" fill="{colour}"/>'
    )


def _message(message: Message, y: int) -> tuple[str, int]:
    broken = bool(message.violations)
    colour = COLOURS["violation"] if broken else COLOURS.get(message.kind, COLOURS["frame"])
    x1, x2 = (CHARGER_X, CSMS_X) if message.sender != CSMS else (CSMS_X, CHARGER_X)
    middle = (CHARGER_X + CSMS_X) // 2
    label = clip(("!! " if broken else "") + message.label, LABEL_CHARS)
    answer = message.kind in ("CALLRESULT", "CALLERROR", "CALLRESULTERROR")
    parts = [
        f'<g class="frame" data-kind="{escape(message.kind)}">',
        f"<title>{escape(_tooltip(message))}</title>",
        _time(message.at, y + 22),
        f'<text x="{middle}" y="{y + 13}" text-anchor="middle" fill="{colour}" '
        f'font-weight="600">{escape(label)}</text>',
        _arrow(x1, x2, y + 19, colour, dashed=answer, width=2 if broken else 1.3),
        f'<text x="{middle}" y="{y + 31}" text-anchor="middle" font-family="{escape(MONO)}" '
        f'font-size="10.5" fill="#475569">{escape(clip(message.preview, PREVIEW_CHARS))}</text>',
    ]
    height = MESSAGE_ROW
    for violation in message.violations[:3]:
        parts.append(
            f'<text x="{middle}" y="{y + height + 8}" text-anchor="middle" font-size="11" '
            f'fill="{COLOURS["violation"]}">{escape(clip(violation, NOTE_CHARS))}</text>'
        )
        height += VIOLATION_LINE
    parts.append("</g>")
    return "".join(parts), height + (4 if message.violations else 0)


def _tooltip(message: Message) -> str:
    peer = CHARGER if message.sender == CSMS else CSMS
    text = f"{message.at:.3f}s {message.sender} -> {peer}: {message.raw}"
    for violation in message.violations:
        text += f"\n!! {violation}"
    return text[:TITLE_CHARS]


def _http(note: Note, y: int) -> str:
    """An HTTP call the harness made to the CSMS: an arrow from the right edge onto its line."""
    colour = COLOURS["http"]
    return "".join(
        [
            '<g class="http">',
            f"<title>{escape(_http_tooltip(note))}</title>",
            _time(note.at, y + 22),
            f'<text x="{CSMS_X + 12}" y="{y + 13}" font-family="{escape(MONO)}" font-size="11" '
            f'fill="{colour}">{escape(clip(note.http_short or "", HTTP_CHARS))}</text>',
            _arrow(HTTP_X, CSMS_X, y + 19, colour, dashed=False, width=1.3),
            f'<text x="{CSMS_X + 12}" y="{y + 31}" font-size="10.5" fill="#64748b">'
            f"{escape(clip(note.headline, HTTP_CHARS))}</text>",
            "</g>",
        ]
    )


def _http_tooltip(note: Note) -> str:
    return f"{note.at:.3f}s {note.http}\n{note.text}"[:TITLE_CHARS]


def _note(note: Note, y: int) -> str:
    """An event (connected, closed, a timeout) as a note across both lifelines."""
    left, right = CHARGER_X - 80, CSMS_X + 80
    return "".join(
        [
            '<g class="note">',
            f"<title>{escape(note.text[:TITLE_CHARS])}</title>",
            _time(note.at, y + 17),
            f'<rect x="{left}" y="{y + 3}" width="{right - left}" height="{NOTE_ROW - 6}" '
            'rx="3" fill="#fef9c3" stroke="#eab308"/>',
            f'<text x="{left + 8}" y="{y + 17}" font-size="11" fill="{COLOURS["note"]}">'
            f"{escape(clip(note.headline, NOTE_CHARS))}</text>",
            "</g>",
        ]
    )


def _omission(y: int, omitted: int) -> str:
    middle = (CHARGER_X + CSMS_X) // 2
    return (
        f'<g class="omitted"><text x="{middle}" y="{y + 17}" text-anchor="middle" '
        f'font-style="italic" fill="#64748b">… {omitted} entries left out (the full trace is '
        "below) …</text></g>"
    )
