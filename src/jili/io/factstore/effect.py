"""Each agent's satisfaction, resolution rate and quality score before and after a date (R18), from the facts."""

from __future__ import annotations

import datetime as dt

import duckdb

from jili.core.effect import EffectMetric
from jili.core.label import Label

# R18 names the three: satisfaction, resolution rate, quality score
SATISFACTION = EffectMetric("satisfaction", Label("Satisfaction (0-100)", "满意度（百分制）"), Label("points", "分"))
RESOLUTION = EffectMetric("resolution", Label("Resolution rate", "解决率"), Label("percentage points", "个百分点"))
QUALITY = EffectMetric("quality", Label("QA score", "质检分"), Label("points", "分"))
EFFECT_METRICS: tuple[EffectMetric, ...] = (SATISFACTION, RESOLUTION, QUALITY)

# each metric's rows as (agent, local time, value): fixed text, never a user's; the query below averages them
_ROWS = {
    "satisfaction": """SELECT agent_id, timezone($tz, answered_at) AS t,
            100.0 * (rating - coalesce(scale_min, 1)) / nullif(coalesce(scale_max, 5) - coalesce(scale_min, 1), 0) AS v
        FROM surveys WHERE agent_id IS NOT NULL AND rating IS NOT NULL""",
    "resolution": """SELECT agent_id, timezone($tz, offered_at) AS t,
            CASE WHEN resolution = 'resolved' THEN 100.0 ELSE 0.0 END AS v
        FROM interactions WHERE agent_id IS NOT NULL AND outcome = 'answered'
          AND resolution IN ('resolved', 'unresolved')""",
    "quality": """SELECT agent_id, timezone($tz, coalesce(call_at, evaluated_at)) AS t, CAST(score AS DOUBLE) AS v
        FROM evaluations WHERE agent_id IS NOT NULL AND score IS NOT NULL""",
}
_MEANS = """SELECT agent_id, avg(v) FILTER (WHERE t < $mid)::DOUBLE, avg(v) FILTER (WHERE t >= $mid)::DOUBLE
    FROM ({rows}) AS r WHERE t >= $lo AND t < $hi GROUP BY 1 ORDER BY 1"""


def agent_means(con: duckdb.DuckDBPyConnection, metric: EffectMetric, start: dt.date, since: dt.date, end: dt.date,
                tz: str) -> dict[str, tuple[float | None, float | None]]:
    """Each agent's mean of ``metric`` in [start, since) and in [since, end), local days in ``tz``."""
    rows = con.execute(_MEANS.replace("{rows}", _ROWS[metric.name]), {
        "tz": tz, "lo": dt.datetime.combine(start, dt.time()), "mid": dt.datetime.combine(since, dt.time()),
        "hi": dt.datetime.combine(end, dt.time())}).fetchall()
    return {str(a): (b, c) for a, b, c in rows}
