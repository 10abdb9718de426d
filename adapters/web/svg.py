"""Charts drawn on the server as SVG, readable without JavaScript: each is an ``<svg role="img">``
named by its ``<title>`` and described by its ``<desc>`` (which says every value in words), and
every bar carries its label and value as text, and its own ``<title>`` (a tooltip). No inline
style (the pages' Content-Security-Policy allows none): colours are presentation attributes and
classes styled by ``static/insights.css``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

WIDTH = 640
ROW, GAP, LABEL_W, VALUE_W = 26, 8, 200, 48
PALETTE = ("#5865f2", "#2eb67d", "#e8912d", "#e01e5a", "#36c5f0", "#8e44ad")


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: int


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a stacked chart: its label and each series' value."""

    label: str
    parts: tuple[tuple[str, int], ...]

    @property
    def total(self) -> int:
        return sum(v for _, v in self.parts)


def _e(text: str) -> str:
    return escape(text, quote=True)


def _open(chart_id: str, title: str, desc: str, width: int, height: int) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{_e(chart_id)}" '
        f'role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="{_e(chart_id)}-title" aria-describedby="{_e(chart_id)}-desc">'
        f'<title id="{_e(chart_id)}-title">{_e(title)}</title>'
        f'<desc id="{_e(chart_id)}-desc">{_e(desc)}</desc>'
    )


def count(n: int, unit: str) -> str:
    """``1 song``, ``2 songs``."""
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


def _clip(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart(chart_id: str, title: str, bars: Sequence[Bar], unit: str) -> Markup:
    """Horizontal bars, one row each: the label on the left, the bar, the value at its end."""
    desc = "; ".join(f"{b.label}: {count(b.value, unit)}" for b in bars) or "No data yet."
    height = max(1, len(bars)) * (ROW + GAP) + GAP
    top = max((b.value for b in bars), default=0) or 1
    span = WIDTH - LABEL_W - VALUE_W
    parts = [_open(chart_id, title, desc, WIDTH, height)]
    for i, bar in enumerate(bars):
        y = GAP + i * (ROW + GAP)
        w = max(2, round(span * bar.value / top)) if bar.value else 0
        parts.append(
            f'<g class="bar" data-label="{_e(bar.label)}" data-value="{bar.value}">'
            f"<title>{_e(bar.label)}: {_e(count(bar.value, unit))}</title>"
            f'<text class="label" x="{LABEL_W - 8}" y="{y + ROW * 0.7:.1f}" '
            f'text-anchor="end">{_e(_clip(bar.label))}</text>'
            f'<rect x="{LABEL_W}" y="{y}" width="{w}" height="{ROW}" fill="{PALETTE[0]}" rx="3"/>'
            f'<text class="value" x="{LABEL_W + w + 6}" y="{y + ROW * 0.7:.1f}">{bar.value}</text>'
            "</g>"
        )
    if not bars:
        parts.append(f'<text class="empty" x="{GAP}" y="{ROW}">No data yet.</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text in it went through _e)


def stacked_columns(
    chart_id: str, title: str, columns: Sequence[Column], series: Sequence[str], unit: str
) -> Markup:
    """Vertical columns stacked by series (e.g. shares per week from each platform), with a
    legend, each column's label under it and its total above it."""
    desc = "; ".join(_column_words(c, unit) for c in columns) or "No data yet."
    plot_h, top_pad, label_h, legend_h = 200, 24, 40, 28
    height = legend_h + top_pad + plot_h + label_h
    step = (WIDTH - 2 * GAP) / max(1, len(columns))
    width = max(8.0, step * 0.6)
    top = max((c.total for c in columns), default=0) or 1
    base = legend_h + top_pad + plot_h
    parts = [_open(chart_id, title, desc, WIDTH, height), _legend(series)]
    for i, column in enumerate(columns):
        x = GAP + i * step + (step - width) / 2
        parts.append(_column(column, series, x, width, base, plot_h / top, unit))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text in it went through _e)


def _column_words(column: Column, unit: str) -> str:
    by = ", ".join(f"{name} {value}" for name, value in column.parts if value)
    return f"{column.label}: {count(column.total, unit)}" + (f" ({by})" if by else "")


def _legend(series: Sequence[str]) -> str:
    items = []
    for i, name in enumerate(series):
        x = GAP + i * 140
        colour = PALETTE[i % len(PALETTE)]
        items.append(
            f'<rect x="{x}" y="6" width="14" height="14" fill="{colour}"/>'
            f'<text class="legend" x="{x + 20}" y="18">{_e(name)}</text>'
        )
    return '<g class="legend">' + "".join(items) + "</g>"


def _column(
    column: Column,
    series: Sequence[str],
    x: float,
    width: float,
    base: float,
    scale: float,
    unit: str,
) -> str:
    out = [f'<g class="column" data-label="{_e(column.label)}" data-total="{column.total}">']
    out.append(f"<title>{_e(_column_words(column, unit))}</title>")
    y = base
    values = dict(column.parts)
    for i, name in enumerate(series):
        h = values.get(name, 0) * scale
        if h:
            y -= h
            colour = PALETTE[i % len(PALETTE)]
            out.append(
                f'<rect class="part" data-series="{_e(name)}" data-value="{values[name]}" '
                f'x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{h:.1f}" fill="{colour}"/>'
            )
    middle = x + width / 2
    out.append(
        f'<text class="value" x="{middle:.1f}" y="{y - 4:.1f}" '
        f'text-anchor="middle">{column.total}</text>'
        f'<text class="label" x="{middle:.1f}" y="{base + 16:.1f}" '
        f'text-anchor="middle">{_e(column.label)}</text></g>'
    )
    return "".join(out)
