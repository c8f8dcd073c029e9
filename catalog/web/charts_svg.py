"""The dataset page's charts drawn as SVG on the server (catalog/datasets/charts.py gives
the data): a line over time, bars of the most common values, and points on a plain
latitude and longitude frame. No script and no style attribute (the pages' CSP allows
neither): colours and type come from site.css's classes. Every text is escaped; each
chart is a role="img" with a title, and the page gives its values as a table besides.

`chart_svg(kind, data)` is the template global; `number(value)` writes a value for a
chart's table, whole numbers without ".0", thousands grouped.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from markupsafe import Markup, escape

LINE = (480, 280, 64, 16, 16, 36)  # width, height, left, right, top, bottom
BAR_WIDTH, BAR_ROW, BAR_LABEL = 440, 30, 170
MAP_WIDTH = 480
LABEL_CHARACTERS = 22
DOTTED_POINTS = 60  # a line of at most this many points marks each one (with its value)


def chart_svg(kind: str, data: dict[str, Any]) -> Markup:
    draw = {"line": line_chart, "bars": bar_chart, "map": point_map}[kind]
    return draw(data)


def line_chart(line: dict[str, Any]) -> Markup:
    width, height, left, right, top, bottom = LINE
    points = [p for p in line["points"] if p["value"] is not None]
    title = f"{_line_title(line)}: {len(points)} points"
    if points:
        title += f", from {points[0]['label']} to {points[-1]['label']}"
    parts = [_open(width, height, title, "chart line-chart")]
    if not points:
        parts.append(
            f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle">No values</text>'
        )
        return Markup("".join(parts) + "</svg>")  # noqa: S704 (every text escaped)
    xs = [p["x"] for p in points]
    ys = [p["value"] for p in points]
    y_ticks = nice_ticks(min(ys), max(ys))
    low_x, high_x = min(xs), max(xs)
    if low_x == high_x:
        low_x, high_x = low_x - 1, high_x + 1
    low_y, high_y = y_ticks[0], y_ticks[-1]
    inner_w, inner_h = width - left - right, height - top - bottom

    def px(x: float) -> float:
        return left + (x - low_x) / (high_x - low_x) * inner_w

    def py(y: float) -> float:
        return top + inner_h - (y - low_y) / ((high_y - low_y) or 1) * inner_h

    for tick in y_ticks:
        y = py(tick)
        parts.append(_rule(left, width - right, y, y))
        parts.append(_text(left - 6, y + 4, compact(tick), "end"))
    ticks = date_ticks(low_x, high_x) if line["axis"] == "date" else number_ticks(low_x, high_x)
    for x, label in ticks:
        parts.append(_text(px(x), height - bottom + 18, label, "middle"))
    parts.append(_rule(left, width - right, top + inner_h, top + inner_h, "axis"))
    path, pen = [], "M"
    for p in line["points"]:
        if p["value"] is None:
            pen = "M"
            continue
        path.append(f"{pen}{px(p['x']):.1f} {py(p['value']):.1f}")
        pen = "L"
    parts.append(f'<path class="series" d="{" ".join(path)}"/>')
    if len(points) <= DOTTED_POINTS:
        for p in points:
            parts.append(
                f'<circle class="dot" cx="{px(p["x"]):.1f}" cy="{py(p["value"]):.1f}" r="3">'
                f"<title>{escape(p['label'])}: {number(p['value'])}</title></circle>"
            )
    return Markup("".join(parts) + "</svg>")  # noqa: S704 (every text escaped)


def _line_title(line: dict[str, Any]) -> str:
    what = line["value"]
    if line["most_rows"] > 1:
        what = f"{line['how_label']} {line['value']}"
    return f"{what} by {line['time']}"


def bar_chart(bars: dict[str, Any]) -> Markup:
    rows = bars["bars"]
    height = BAR_ROW * len(rows) + 8
    title = f"The most common values of {bars['column']}: " + ", ".join(
        f"{b['label']} ({b['count']:,})" for b in rows
    )
    parts = [_open(BAR_WIDTH, height, title, "chart bar-chart")]
    peak = max((b["count"] for b in rows), default=0) or 1
    room = BAR_WIDTH - BAR_LABEL - 64
    for i, b in enumerate(rows):
        y = 4 + i * BAR_ROW
        length = max(b["count"] / peak * room, 1)
        label = b["label"]
        if len(label) > LABEL_CHARACTERS:
            label = label[: LABEL_CHARACTERS - 1] + "…"
        parts.append(_text(BAR_LABEL - 8, y + 19, label, "end"))
        parts.append(
            f'<rect class="bar" x="{BAR_LABEL}" y="{y + 4}" width="{length:.1f}" '
            f'height="{BAR_ROW - 8}"><title>{escape(b["label"])}: {b["count"]:,} rows</title>'
            "</rect>"
        )
        parts.append(_text(BAR_LABEL + length + 6, y + 19, f"{b['count']:,}", kind="count"))
    return Markup("".join(parts) + "</svg>")  # noqa: S704 (every text escaped)


def point_map(places: dict[str, Any]) -> Markup:
    points = places["points"]
    lats = [p["lat"] for p in points] or [0.0]
    lons = [p["lon"] for p in points] or [0.0]
    south, north = _padded(min(lats), max(lats), -90, 90)
    west, east = _padded(min(lons), max(lons), -180, 180)
    squeeze = max(math.cos(math.radians((south + north) / 2)), 0.2)  # a degree east, shorter
    margin, left = 28, 56  # the left margin holds the latitudes
    inner_w = MAP_WIDTH - margin - left
    inner_h = min(max(inner_w * (north - south) / ((east - west) * squeeze), 160), 520)
    height = inner_h + 2 * margin

    def px(lon: float) -> float:
        return left + (lon - west) / (east - west) * inner_w

    def py(lat: float) -> float:
        return margin + (north - lat) / (north - south) * inner_h

    title = (
        f"Map of {len(points):,} places by {places['lat']} and {places['lon']}, "
        f"between {_degrees(min(lats), 'N', 'S')} and {_degrees(max(lats), 'N', 'S')}, "
        f"{_degrees(min(lons), 'E', 'W')} and {_degrees(max(lons), 'E', 'W')}"
    )
    parts = [_open(MAP_WIDTH, height, title, "chart point-map")]
    parts.append(
        f'<rect class="frame" x="{left}" y="{margin}" width="{inner_w}" height="{inner_h:.1f}"/>'
    )
    for lat in nice_ticks(south, north, 5, inside=True):
        y = py(lat)
        parts.append(_rule(left, left + inner_w, y, y))
        parts.append(_text(left - 4, y + 4, _degrees(lat, "N", "S", 0), "end"))
    for lon in nice_ticks(west, east, 5, inside=True):
        x = px(lon)
        parts.append(_rule(x, x, margin, margin + inner_h))
        parts.append(_text(x, margin + inner_h + 18, _degrees(lon, "E", "W", 0), "middle"))
    for p in points:
        where = f"{p['lat']:.4f}, {p['lon']:.4f}"
        name = f"{p['label']} ({where})" if p["label"] else where
        parts.append(
            f'<circle class="place" cx="{px(p["lon"]):.1f}" cy="{py(p["lat"]):.1f}" r="3">'
            f"<title>{escape(name)}</title></circle>"
        )
    return Markup("".join(parts) + "</svg>")  # noqa: S704 (every text escaped)


def _padded(low: float, high: float, floor: float, ceiling: float) -> tuple[float, float]:
    span = max(high - low, 1.0)
    pad = span * 0.06
    return max(low - pad, floor), min(high + pad, ceiling)


def _degrees(value: float, positive: str, negative: str, places: int = 1) -> str:
    text = f"{abs(value):.{places}f}°"
    return text + (positive if value > 0 else negative if value < 0 else "")


def _text(x: float, y: float, content: Any, anchor: str = "start", kind: str = "tick") -> str:
    """A text at (x, y), escaped."""
    return (
        f'<text class="{kind}" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">'
        f"{escape(content)}</text>"
    )


def _rule(x1: float, x2: float, y1: float, y2: float, kind: str = "grid") -> str:
    return f'<line class="{kind}" x1="{x1:.1f}" x2="{x2:.1f}" y1="{y1:.1f}" y2="{y2:.1f}"/>'


def _open(width: float, height: float, title: str, classes: str) -> str:
    return (
        f'<svg class="{classes}" viewBox="0 0 {width} {height:.0f}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
    )


# Scales and numbers -----------------------------------------------------------------------


def nice_ticks(low: float, high: float, count: int = 5, *, inside: bool = False) -> list[float]:
    """Round values from at or below `low` to at or above `high` (`inside`: between them),
    about `count` of them, a step of 1, 2 or 5 times a power of ten apart."""
    if high == low:
        low, high = low - 1, high + 1
    step = _nice_step((high - low) / count)
    if inside:
        first = math.ceil(low / step) * step
        last = math.floor(high / step) * step
    else:
        first = math.floor(low / step) * step
        last = math.ceil(high / step) * step
    ticks: list[float] = []
    tick = first
    while tick <= last + step / 1e6 and len(ticks) < 50:
        ticks.append(round(tick, 12))
        tick += step
    return ticks


def _nice_step(rough: float) -> float:
    power = 10 ** math.floor(math.log10(rough))
    for multiple in (1, 2, 5, 10):
        if rough <= multiple * power:
            return multiple * power
    return 10 * power


def number_ticks(low: float, high: float) -> list[tuple[float, str]]:
    """Ticks along a number axis; whole numbers as they are (a year is 1960, not 1.96k)."""
    ticks = nice_ticks(low, high, 5, inside=True)
    if all(float(t).is_integer() for t in ticks):
        return [(t, str(int(t))) for t in ticks]
    return [(t, compact(t)) for t in ticks]


def date_ticks(low: float, high: float) -> list[tuple[float, str]]:
    """Ticks along a time axis (days since 1970): whole years, or months when the span is
    short."""
    start, end = _day(low), _day(high)
    years = end.year - start.year
    if years >= 3:
        step = max(int(_nice_step(years / 5)), 1)
        first = math.ceil(start.year / step) * step
        return [
            (float((dt.date(year, 1, 1) - dt.date(1970, 1, 1)).days), str(year))
            for year in range(first, end.year + 1, step)
            if dt.date(year, 1, 1) >= start
        ]
    months = (end.year - start.year) * 12 + end.month - start.month
    step = max(-(-months // 5), 1)
    ticks, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        day = dt.date(year, month, 1)
        if day >= start:
            ticks.append((float((day - dt.date(1970, 1, 1)).days), day.strftime("%b %Y")))
        month += step
        year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return ticks or [(low, start.isoformat())]


def _day(days: float) -> dt.date:
    return dt.date(1970, 1, 1) + dt.timedelta(days=math.floor(days))


def compact(value: float) -> str:
    """A tick's value, short: 250k, 1.5m, 20bn, 3tn."""
    size = abs(value)
    for limit, suffix in ((1e12, "tn"), (1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if size >= limit:
            return f"{value / limit:.3g}{suffix}"
    return f"{value:.3g}" if value != int(value) else f"{int(value)}"


def number(value: Any) -> str:
    """A value for a chart's table: whole numbers without ".0", grouped; others to a
    sensible precision."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:,.4f}".rstrip("0").rstrip(".")
