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


def line_chart(title: str, days: Sequence[dt.date], series: Sequence[tuple[str, Sequence[int | None]]], *,
               width: int = 360, height: int = 180) -> SafeString:
    """Lines over days; a day without a value (no report) leaves a gap."""
    left, right, top, bottom = 34, 8, 10, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = max([v for _label, values in series for v in values if v is not None] + [1])
    n = max(len(days), 2)

    def x(i: int) -> float:
        return left + plot_w * i / (n - 1)

    def y(v: int) -> float:
        return top + plot_h * (1 - v / top_value)

    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
             f"<title>{escape(title)}</title>",
             f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="#888"/>',
             f'<text x="{left - 4}" y="{top + 4}" text-anchor="end" font-size="10">{top_value}</text>',
             f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end" font-size="10">0</text>']
    if days:
        parts.append(f'<text x="{left}" y="{height - 26}" font-size="10">{days[0]:%m-%d}</text>')
        parts.append(f'<text x="{width - right}" y="{height - 26}" text-anchor="end" font-size="10">'
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
        lx = left + (k % 3) * (plot_w / 3)
        ly = height - 12 + (k // 3) * 11 - (11 if len(series) > 3 else 0)
        parts.append(f'<rect x="{lx:.1f}" y="{ly - 8:.1f}" width="8" height="8" fill="{colour}"/>'
                     f'<text x="{lx + 11:.1f}" y="{ly:.1f}" font-size="10">{escape(label)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 -- every text above is escaped, the rest are numbers


def bar_chart(title: str, rows: Sequence[tuple[str, int]], *, width: int = 360, unit: str = "%",
              top_value: int = 100) -> SafeString:
    """Horizontal bars, one per row (a building and its coverage in percent)."""
    bar, gap, label_w = 14, 6, 130
    height = max(len(rows), 1) * (bar + gap) + 8
    plot_w = width - label_w - 40
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
             f"<title>{escape(title)}</title>"]
    for i, (label, value) in enumerate(rows):
        y0 = 4 + i * (bar + gap)
        w = plot_w * min(value, top_value) / max(top_value, 1)
        colour = "#009E73" if value >= 90 else ("#E69F00" if value >= 60 else "#D55E00")
        parts.append(f'<text x="{label_w - 4}" y="{y0 + bar - 3}" text-anchor="end" font-size="10">'
                     f"{escape(label[:22])}</text>"
                     f'<rect x="{label_w}" y="{y0}" width="{w:.1f}" height="{bar}" fill="{colour}"/>'
                     f'<text x="{label_w + w + 3:.1f}" y="{y0 + bar - 3}" font-size="10">{value}{escape(unit)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 -- every text above is escaped, the rest are numbers
