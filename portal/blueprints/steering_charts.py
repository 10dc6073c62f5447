"""Geometry of the server-side SVG survival charts (templates/steering/_chart.html draws them; no JavaScript)."""
from __future__ import annotations

from dataclasses import dataclass, field

WIDTH, HEIGHT = 560, 360
LEFT, RIGHT, TOP, BOTTOM = 70, 16, 14, 58
MAX_WEEK = 52
X_TICKS = (0, 4, 8, 13, 17, 21, 26, 30, 34, 39, 43, 47, 52)
Y_TICKS = (0, 20, 40, 60, 80, 100)
# Series order and style: colour plus a dash pattern, so a line is never told apart by colour alone.
SERIES_STYLE = {
    "all": ("series-all", ""),
    "group1": ("series-group1", "8 4"),
    "group2": ("series-group2", "2 3"),
    "dismissed": ("series-dismissed", "10 3 2 3"),
    "unknown": ("series-unknown", "1 5"),
}


def x_of(week: float) -> float:
    return round(LEFT + (WIDTH - LEFT - RIGHT) * week / MAX_WEEK, 1)


def y_of(pct: float) -> float:
    return round(TOP + (HEIGHT - TOP - BOTTOM) * (1 - pct / 100.0), 1)


@dataclass
class Series:
    key: str
    label: str
    css: str
    dash: str
    points: str  # SVG polyline points (a step function)
    at_13: float | None


@dataclass
class Marker:
    label: str
    pct: float
    css: str
    x: float = field(default=0.0)
    y: float = field(default=0.0)


@dataclass
class Chart:
    id: str
    title: str
    description: str
    series: list[Series]
    markers: list[Marker]
    weeks: list[int]
    table: list[dict]  # week → {series key: pct}
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    top: int = TOP
    bottom_y: float = HEIGHT - BOTTOM
    right_x: float = WIDTH - RIGHT
    x_ticks: list[tuple[int, float]] = field(default_factory=lambda: [(w, x_of(w)) for w in X_TICKS])
    y_ticks: list[tuple[int, float]] = field(default_factory=lambda: [(p, y_of(p)) for p in Y_TICKS])
    week13_x: float = x_of(13)


def step_points(points: list[dict]) -> str:
    """A Kaplan–Meier curve as a step function: flat through each week, down at the next."""
    coords: list[str] = []
    previous = None
    for p in points:
        pct = 100.0 * p["survival"]
        if previous is not None and pct != previous:
            coords.append(f"{x_of(p['week'])},{y_of(previous)}")
        coords.append(f"{x_of(p['week'])},{y_of(pct)}")
        previous = pct
    return " ".join(coords)


def build_chart(chart_id: str, title: str, curves: dict[str, list[dict]], labels: dict[str, str],
                markers: list[Marker], description: str) -> Chart:
    series = []
    for key, (css, dash) in SERIES_STYLE.items():
        points = curves.get(key) or []
        if not points:
            continue
        series.append(Series(key, labels[key], css, dash, step_points(points),
                             round(100.0 * points[13]["survival"], 1)))
    for marker in markers:
        marker.x, marker.y = x_of(13), y_of(marker.pct)
    weeks = list(range(MAX_WEEK + 1))
    table = []
    for week in weeks:
        row = {"week": week}
        for s in series:
            pts = curves[s.key]
            row[s.key] = round(100.0 * pts[week]["survival"], 1)
        row["at_risk"] = curves["all"][week]["at_risk"] if curves.get("all") else None
        table.append(row)
    return Chart(chart_id, title, description, series, markers, weeks, table)
