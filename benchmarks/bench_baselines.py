"""The two baselines of bench_close.py, for the policy in close-policy.yaml.

duckdb_floor: the per-agent month metrics and per-agent-per-day answered counts, as bare SQL.
pandas_close: the whole policy written directly in pandas, as an analyst would: floats, no
explanations, no ledger. Its totals are compared with Jili's.
polars_close: the same in Polars, lazily, compared the same way.

The two are written as analysts write them, in floating point, and it shows: at 30,000 agents, agent A05278's
QA average is (88.86 + 91.14) / 2, exactly 90, which floats make 89.99999999999999, so Polars pays the 100-yuan
tier instead of the 200-yuan one and its bonus total is 90 yuan short of Jili's (Decimal) total. The benchmark
prints a note when the totals differ; it is left so, as the cost of floats in money.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

TZ = "Asia/Shanghai"


def _month(month: str) -> tuple[dt.date, dt.date]:
    y, m = (int(x) for x in month.split("-"))
    start = dt.date(y, m, 1)
    return start, (start + dt.timedelta(days=32)).replace(day=1)


def duckdb_floor(files: dict[str, list[str]], month: str) -> dict[str, object]:
    import duckdb

    start, end = _month(month)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    for fact, paths in files.items():
        con.execute(f"CREATE VIEW {fact} AS SELECT * FROM read_parquet({paths!r})")
    rng = f"BETWEEN TIMESTAMP '{start}' AND TIMESTAMP '{end}' - INTERVAL 1 MICROSECOND"
    # what Jili's plans do where the zone's clock is steady, so the floor is as fast as they are: instants compared
    # as they are stored, between the instants the month begins and ends in TZ, and a local time as the instant
    # plus TZ's offset (no conversion per row)
    lo_at, hi_at = (dt.datetime.combine(d, dt.time(), tzinfo=ZoneInfo(TZ)).isoformat() for d in (start, end))
    offset = dt.datetime.combine(start, dt.time(), tzinfo=ZoneInfo(TZ)).utcoffset() or dt.timedelta()
    local = f"make_timestamp(epoch_us(offered_at) + {int(offset.total_seconds()) * 1_000_000})"

    def instants(column: str) -> str:
        return f"{column} >= TIMESTAMPTZ '{lo_at}' AND {column} < TIMESTAMPTZ '{hi_at}'"

    queries = [
        f"SELECT agent_id, sum(absence_days), count(*) FILTER (absence = 'unexcused'), sum(worked_hours) "
        f"FROM attendance WHERE CAST(date AS TIMESTAMP) {rng} GROUP BY 1",
        f"SELECT agent_id, count(*) FILTER (outcome = 'answered'), sum(talk_seconds + hold_seconds + wrap_seconds) "
        f"FILTER (outcome = 'answered'), count(*) FILTER (resolution = 'resolved') FROM interactions "
        f"WHERE {instants('offered_at')} GROUP BY 1",
        f"SELECT CAST(date_trunc('day', {local}) AS DATE), agent_id, count(*) FILTER (outcome = 'answered') "
        f"FROM interactions WHERE {instants('offered_at')} GROUP BY ALL",
        f"SELECT agent_id, avg(rating) FROM surveys WHERE {instants('answered_at')} GROUP BY 1",
        f"SELECT agent_id, max(value) FILTER (name = 'star') FROM kpis WHERE CAST(date AS TIMESTAMP) {rng} GROUP BY 1",
        f"SELECT agent_id, avg(score) FILTER (source = 'internal'), avg(score) FILTER (source = 'carrier') "
        f"FROM evaluations WHERE {instants('call_at')} GROUP BY 1",
        f"SELECT agent_id, count(*) FILTER (kind = 'complaint'), count(*) FILTER (kind IN ('fraud_order', "
        f"'business_error', 'tariff_error') AND source <> 'carrier'), count(*) FILTER (source = 'carrier') "
        f"FROM incidents WHERE {instants('occurred_at')} GROUP BY 1",
    ]
    rows = sum(len(con.execute(q).fetchall()) for q in queries)
    return {"rows": rows}


def pandas_close(files: dict[str, list[str]], month: str) -> dict[str, object]:
    import numpy as np
    import pandas as pd

    start, end = _month(month)
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)

    def read(fact: str, columns: list[str]) -> pd.DataFrame:
        return pd.concat([pd.read_parquet(p, columns=columns) for p in files.get(fact, [])], ignore_index=True)

    def local(series: pd.Series) -> pd.Series:
        return series.dt.tz_convert(TZ).dt.tz_localize(None)

    roster = read("roster", ["agent_id", "status", "effective_from"])
    roster = roster[roster.effective_from <= pd.Timestamp(end - dt.timedelta(days=1)).date()]
    roster = roster.sort_values("effective_from").groupby("agent_id").last()
    att = read("attendance", ["agent_id", "date", "absence_days", "absence", "worked_hours"])
    att = att[(pd.to_datetime(att.date) >= lo) & (pd.to_datetime(att.date) < hi)]
    att["absence_days"] = att.absence_days.astype(float)
    att["worked_hours"] = att.worked_hours.astype(float)
    a = att.groupby("agent_id").agg(leave_days=("absence_days", "sum"), worked_hours=("worked_hours", "sum"),
                                    unexcused=("absence", lambda s: (s == "unexcused").sum()))
    calls = read("interactions", ["agent_id", "offered_at", "outcome", "resolution"])
    calls["t"] = local(calls.offered_at)
    calls = calls[(calls.t >= lo) & (calls.t < hi)]
    answered = calls[calls.outcome == "answered"]
    c = pd.DataFrame({"answered": answered.groupby("agent_id").size(),
                      "resolved": calls[calls.resolution == "resolved"].groupby("agent_id").size()}).fillna(0)
    daily = answered.assign(day=answered.t.dt.date).groupby(["day", "agent_id"]).size().rename("n").reset_index()
    kp = read("kpis", ["agent_id", "name", "value"])
    star = kp[kp.name == "star"].groupby("agent_id").value.max().astype(float).rename("star")
    ev = read("evaluations", ["agent_id", "source", "score", "call_at"])
    ev["t"] = local(ev.call_at)
    ev = ev[(ev.t >= lo) & (ev.t < hi)]
    ev["score"] = ev.score.astype(float)
    qa = ev.pivot_table(index="agent_id", columns="source", values="score", aggfunc="mean")
    inc = read("incidents", ["agent_id", "kind", "source", "severity", "verified", "occurred_at"])
    inc["t"] = local(inc.occurred_at)
    inc = inc[(inc.t >= lo) & (inc.t < hi) & inc.verified.fillna(True).astype(bool)]
    complaints = inc[inc.kind == "complaint"]
    n_complaints = complaints.groupby("agent_id").size().rename("complaints")
    deduction = (complaints.severity.isin(["serious", "critical"]).map({True: -16, False: -8})
                 .groupby(complaints.agent_id).sum().rename("deduction"))
    int_err = inc[inc.kind.isin(["fraud_order", "business_error", "tariff_error"]) & (inc.source.fillna("internal")
                                                                                      != "carrier")]
    car_err = inc[inc.kind.isin(["fraud_order", "complaint", "business_error", "tariff_error"]) & (inc.source == "carrier")]
    df = (roster.join(a, how="left").join(c, how="left").join(star, how="left").join(n_complaints, how="left")
          .join(deduction, how="left").join(int_err.groupby("agent_id").size().rename("int_errors"), how="left")
          .join(car_err.groupby("agent_id").size().rename("car_errors"), how="left"))
    df["internal_qa"] = qa.get("internal")
    df["carrier_qa"] = qa.get("carrier")
    for col in ("leave_days", "worked_hours", "unexcused", "answered", "resolved", "complaints", "deduction",
                "int_errors", "car_errors"):
        df[col] = df[col].fillna(0)
    df["eligible"] = ~df.status.isin(["probation", "standby"]) & (df.leave_days < 10)
    e = df[df.eligible].copy()
    e["attendance"] = np.select([(e.leave_days == 0) & (e.unexcused == 0), (e.leave_days < 2) & (e.unexcused == 0)],
                                [5, 1], 0)
    rate = e.resolved / e.answered.replace(0, np.nan)
    e["performance"] = np.minimum(np.select([rate > 0.9, rate > 0.8], [5, 2], 0) + (e.complaints == 0), 10)
    e["star_points"] = e.star.map({4.0: 10, 3.0: 8, 2.0: 6, 1.0: 4}).fillna(0)
    d = daily[daily.agent_id.isin(e.index)].copy()
    d["place"] = d.groupby("day").n.rank(method="min", ascending=False)
    d["pts"] = d.place.map({1.0: 3, 2.0: 2}).fillna(0)
    e["ranking"] = d.groupby("agent_id").pts.sum().reindex(e.index).fillna(0)
    points = e.attendance + e.performance + e.star_points + e.ranking + e.deduction
    qa_avg = (e.internal_qa + e.carrier_qa) / 2
    tier = np.select([(e.int_errors == 0) & (e.car_errors == 0) & (qa_avg >= 95),
                      (e.int_errors <= 3) & (e.car_errors <= 1) & (qa_avg >= 90),
                      (e.int_errors <= 5) & (e.car_errors <= 2) & (qa_avg >= 85)], [300, 200, 100], 0)
    hours = np.where((e.worked_hours >= 100) & (e.worked_hours < 144), -10 * np.floor((144 - e.worked_hours) / 8), 0)
    bonus = np.where(e.worked_hours >= 100, np.maximum(tier + hours, 0), 0)
    redeemed = np.where(points > 0, points * 0.8, 0)

    def money(x: float) -> Decimal:
        return Decimal(repr(float(x))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    redeemed_r = [money(x) for x in redeemed]
    totals = {"bonus": str(sum((money(x) for x in bonus), Decimal(0))),
              "cash": str(sum(redeemed_r, Decimal(0))),
              "points": str(sum((money(p) for p in points), Decimal(0)) - sum(redeemed_r, Decimal(0)))}
    return {"totals": dict(sorted(totals.items())), "agents": len(df), "eligible": int(df.eligible.sum())}


def polars_close(files: dict[str, list[str]], month: str) -> dict[str, object]:
    """The same policy in Polars, lazily (the query planner sees each fact's whole chain), as pandas_close reads it."""
    import polars as pl

    start, end = _month(month)
    lo, hi = dt.datetime.combine(start, dt.time()), dt.datetime.combine(end, dt.time())

    def scan(fact: str, columns: list[str]) -> pl.LazyFrame:
        return pl.concat([pl.scan_parquet(p).select(columns) for p in files.get(fact, [])])

    def local(column: str) -> pl.Expr:
        return pl.col(column).dt.convert_time_zone(TZ).dt.replace_time_zone(None)

    def in_month(column: str) -> pl.Expr:
        return (pl.col(column) >= lo) & (pl.col(column) < hi)

    last_day = end - dt.timedelta(days=1)
    roster = (scan("roster", ["agent_id", "status", "effective_from"]).filter(pl.col("effective_from") <= last_day)
              .group_by("agent_id").agg(pl.col("status").sort_by("effective_from").last()))
    att = (scan("attendance", ["agent_id", "date", "absence_days", "absence", "worked_hours"])
           .with_columns(t=pl.col("date").cast(pl.Datetime)).filter(in_month("t"))
           .group_by("agent_id").agg(leave_days=pl.col("absence_days").cast(pl.Float64).sum(),
                                     worked_hours=pl.col("worked_hours").cast(pl.Float64).sum(),
                                     unexcused=(pl.col("absence") == "unexcused").sum()))
    calls = (scan("interactions", ["agent_id", "offered_at", "outcome", "resolution"])
             .with_columns(t=local("offered_at")).filter(in_month("t")))
    c = calls.group_by("agent_id").agg(answered=(pl.col("outcome") == "answered").sum(),
                                       resolved=(pl.col("resolution") == "resolved").sum())
    daily = (calls.filter(pl.col("outcome") == "answered").group_by(pl.col("t").dt.date().alias("day"), "agent_id")
             .agg(n=pl.len()))
    star = (scan("kpis", ["agent_id", "name", "value"]).filter(pl.col("name") == "star").group_by("agent_id")
            .agg(star=pl.col("value").cast(pl.Float64).max()))
    qa = (scan("evaluations", ["agent_id", "source", "score", "call_at"]).with_columns(t=local("call_at"))
          .filter(in_month("t")).group_by("agent_id")
          .agg(internal_qa=pl.col("score").cast(pl.Float64).filter(pl.col("source") == "internal").mean(),
               carrier_qa=pl.col("score").cast(pl.Float64).filter(pl.col("source") == "carrier").mean()))
    inc = (scan("incidents", ["agent_id", "kind", "source", "severity", "verified", "occurred_at"])
           .with_columns(t=local("occurred_at")).filter(in_month("t") & pl.col("verified").fill_null(True)))
    complaint = pl.col("kind") == "complaint"
    errors = pl.col("kind").is_in(["fraud_order", "business_error", "tariff_error"])
    i = inc.group_by("agent_id").agg(
        complaints=complaint.sum(),
        deduction=pl.when(pl.col("severity").is_in(["serious", "critical"])).then(-16).otherwise(-8)
        .filter(complaint).sum(),
        int_errors=(errors & (pl.col("source").fill_null("internal") != "carrier")).sum(),
        car_errors=((errors | complaint) & (pl.col("source") == "carrier")).sum())
    filled = ["leave_days", "worked_hours", "unexcused", "answered", "resolved", "complaints", "deduction", "int_errors",
              "car_errors"]
    df = (roster.join(att, on="agent_id", how="left").join(c, on="agent_id", how="left")
          .join(star, on="agent_id", how="left").join(i, on="agent_id", how="left").join(qa, on="agent_id", how="left")
          .with_columns([pl.col(x).fill_null(0).cast(pl.Float64) for x in filled])
          .with_columns(eligible=~pl.col("status").is_in(["probation", "standby"]) & (pl.col("leave_days") < 10))
          .collect())
    e = df.filter(pl.col("eligible")).lazy()
    ranking = (daily.join(e.select("agent_id"), on="agent_id", how="semi")
               .with_columns(place=pl.col("n").rank(method="min", descending=True).over("day"))
               .with_columns(pts=pl.when(pl.col("place") == 1).then(3).when(pl.col("place") == 2).then(2).otherwise(0))
               .group_by("agent_id").agg(ranking=pl.col("pts").sum()))
    rate = pl.col("resolved") / pl.when(pl.col("answered") == 0).then(None).otherwise(pl.col("answered"))
    qa_avg = (pl.col("internal_qa") + pl.col("carrier_qa")) / 2
    wh = pl.col("worked_hours")
    out = (e.join(ranking, on="agent_id", how="left").with_columns(
        attendance=pl.when((pl.col("leave_days") == 0) & (pl.col("unexcused") == 0)).then(5)
        .when((pl.col("leave_days") < 2) & (pl.col("unexcused") == 0)).then(1).otherwise(0),
        performance=pl.min_horizontal(pl.when(rate > 0.9).then(5).when(rate > 0.8).then(2).otherwise(0)
                                      + (pl.col("complaints") == 0).cast(pl.Int64), 10),
        star_points=pl.col("star").replace_strict({4.0: 10, 3.0: 8, 2.0: 6, 1.0: 4}, default=0, return_dtype=pl.Int64)
        .fill_null(0),
        tier=pl.when((pl.col("int_errors") == 0) & (pl.col("car_errors") == 0) & (qa_avg >= 95)).then(300)
        .when((pl.col("int_errors") <= 3) & (pl.col("car_errors") <= 1) & (qa_avg >= 90)).then(200)
        .when((pl.col("int_errors") <= 5) & (pl.col("car_errors") <= 2) & (qa_avg >= 85)).then(100).otherwise(0),
        hours=pl.when((wh >= 100) & (wh < 144)).then(-10 * ((144 - wh) / 8).floor()).otherwise(0))
        .with_columns(points=pl.col("attendance") + pl.col("performance") + pl.col("star_points")
                      + pl.col("ranking").fill_null(0) + pl.col("deduction"),
                      bonus=pl.when(wh >= 100).then(pl.max_horizontal(pl.col("tier") + pl.col("hours"), 0)).otherwise(0))
        .with_columns(redeemed=pl.when(pl.col("points") > 0).then(pl.col("points") * 0.8).otherwise(0))
        .select("points", "bonus", "redeemed").collect())

    def money(x: float) -> Decimal:
        return Decimal(repr(float(x))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    redeemed = [money(x) for x in out["redeemed"]]
    totals = {"bonus": str(sum((money(x) for x in out["bonus"]), Decimal(0))),
              "cash": str(sum(redeemed, Decimal(0))),
              "points": str(sum((money(p) for p in out["points"]), Decimal(0)) - sum(redeemed, Decimal(0)))}
    return {"totals": dict(sorted(totals.items())), "agents": df.height, "eligible": int(df["eligible"].sum())}
