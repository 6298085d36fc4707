"""Charts drawn on the server as SVG: no JavaScript, no library, nothing fetched. They print,
read on a phone at 390 px (the SVG scales to the width of its box), and carry a <title> and a
table beside them for screen readers (docs/reports.md says why this and not a chart library).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Colours that stay apart for the common colour blindnesses (Okabe-Ito).
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")


# Text in a chart is 14 px (FONT), as everywhere else on a page: the accessibility audit holds every
# text of a page, SVG included, to at least 14 px at 390 px wide (tests/browser/a11y.py).
FONT = 14


def line_chart(title: str, days: Sequence[dt.date], series: Sequence[tuple[str, Sequence[int | None]]], *,
               width: int = 360, height: int = 170) -> SafeString:
    """Lines over days; a day without a value (no report) leaves a gap. ``height`` is the plot and
    its axis; the legend (two entries a row) is added below it."""
    left, right, top, axis = 48, 8, 12, 26
    legend_rows = (len(series) + 1) // 2
    plot_w, plot_h = width - left - right, height - top - axis
    total_h = height + legend_rows * 22 + 4
    top_value = max([v for _label, values in series for v in values if v is not None] + [1])
    n = max(len(days), 2)

    def x(i: int) -> float:
        return left + plot_w * i / (n - 1)

    def y(v: int) -> float:
        return top + plot_h * (1 - v / top_value)

    parts = [f'<svg class="chart" viewBox="0 0 {width} {total_h}" xmlns="http://www.w3.org/2000/svg">',
             f"<title>{escape(title)}</title>",
             f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="#888"/>',
             f'<text x="{left - 4}" y="{top + 6}" text-anchor="end" font-size="{FONT}">{top_value}</text>',
             f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end" font-size="{FONT}">0</text>']
    if days:
        parts.append(f'<text x="{left}" y="{top + plot_h + 18}" font-size="{FONT}">{days[0]:%m-%d}</text>')
        parts.append(f'<text x="{width - right}" y="{top + plot_h + 18}" text-anchor="end" font-size="{FONT}">'
                     f"{days[-1]:%m-%d}</text>")
    for k, (label, values) in enumerate(series):
        colour = COLOURS[k % len(COLOURS)]
        runs: list[list[str]] = [[]]
        for i, v in enumerate(values):
            if v is None:
                runs.append([])
            else:
                runs[-1].append(f"{x(i):.1f},{y(v):.1f}")
        for run in runs:
            if len(run) == 1:
                cx, cy = run[0].split(",")
                parts.append(f'<circle cx="{cx}" cy="{cy}" r="2.5" fill="{colour}"/>')
            elif run:
                parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{" ".join(run)}"/>')
        lx = 4 + (k % 2) * (width / 2)
        ly = height + 18 + (k // 2) * 22
        parts.append(f'<rect x="{lx:.1f}" y="{ly - 11:.1f}" width="11" height="11" fill="{colour}"/>'
                     f'<text x="{lx + 15:.1f}" y="{ly:.1f}" font-size="{FONT}">{escape(label[:11])}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 -- every text above is escaped, the rest are numbers


def bar_chart(title: str, rows: Sequence[tuple[str, int]], *, width: int = 360, unit: str = "%",
              top_value: int = 100) -> SafeString:
    """Horizontal bars, one per row (a building and its coverage in percent)."""
    bar, gap, label_w = 18, 8, 136
    height = max(len(rows), 1) * (bar + gap) + 8
    plot_w = width - label_w - 52
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
             f"<title>{escape(title)}</title>"]
    for i, (label, value) in enumerate(rows):
        y0 = 4 + i * (bar + gap)
        w = plot_w * min(value, top_value) / max(top_value, 1)
        colour = "#009E73" if value >= 90 else ("#E69F00" if value >= 60 else "#D55E00")
        parts.append(f'<text x="{label_w - 4}" y="{y0 + bar - 3}" text-anchor="end" font-size="{FONT}">'
                     f"{escape(label[:9])}</text>"
                     f'<rect x="{label_w}" y="{y0}" width="{w:.1f}" height="{bar}" fill="{colour}"/>'
                     f'<text x="{label_w + w + 3:.1f}" y="{y0 + bar - 3}" font-size="{FONT}">{value}{escape(unit)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 -- every text above is escaped, the rest are numbers
