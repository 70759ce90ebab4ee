"""A realistic month of a call centre, for demos, tests and benchmarks.

Agents differ in a hidden skill; QA scores, CSAT, resolution, errors and complaints all
follow it (with noise), so they correlate the way they do in a real centre. Calls arrive
by weekday and hour, handle times are log-normal, incidents are rare, people take leave.
Everything is vectorised: 10,000 agents and 30 million interactions stream to Parquet.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈")
GIVEN = list("伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华玉兰萍红梅琳晨欣怡雨婷佳琪浩宇子涵思")
DESKS = ("GSM", "CDMA", "VIP")
# share of a day's calls per hour 0..23 (a typical Chinese hotline: peaks 10-11 and 14-16)
HOURLY = np.array([0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.5, 4.0, 7.5, 9.0, 8.5,
                   6.0, 6.5, 8.0, 8.5, 7.5, 6.5, 5.0, 4.0, 3.5, 2.5, 1.5, 0.6])
WEEKDAY = np.array([1.25, 1.05, 1.0, 0.98, 1.02, 0.75, 0.65])  # Monday busiest


@dataclass(frozen=True, slots=True)
class DemoSpec:
    agents: int = 200
    month: str = "2026-10"
    seed: int = 7
    calls_per_day: float = 60.0
    file_format: str = "csv"  # csv (realistic exports, some with Chinese headers) or parquet
    timezone: str = "Asia/Shanghai"
    months: int = 1  # consecutive months from `month`, one roster (streaks need several)
    # R18's planted effect: from the first day of the second month the odd-numbered teams (T001, T003…) work
    # under a pilot scheme that raises the log-odds of resolving a call by this much; the others do not
    pilot_effect: float = 0.6


@dataclass
class DemoResult:
    files: dict[str, Path] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    pilot_teams: tuple[str, ...] = ()  # the teams under the pilot scheme, from pilot_from (R18)
    pilot_from: dt.date | None = None
    # the pilot's effect on the resolution rate as it fell in this data, in percentage points: each pilot
    # agent's calls from pilot_from resolved with the scheme minus the same calls without it, averaged
    # over the agents (what a difference in differences of agents' means estimates)
    planted_resolution: float | None = None


def _month_days(month: str, months: int = 1) -> list[dt.date]:
    year, mon = (int(x) for x in month.split("-"))
    days: list[dt.date] = []
    for _ in range(months):
        days += [dt.date(year, mon, d) for d in range(1, calendar.monthrange(year, mon)[1] + 1)]
        year, mon = (year + 1, 1) if mon == 12 else (year, mon + 1)
    return days


def _workdays(days: list[dt.date]) -> list[dt.date]:
    from chinese_calendar import is_workday

    return [d for d in days if is_workday(d)]


def generate(spec: DemoSpec, out: Path, progress: Callable[[str], None] | None = None) -> DemoResult:
    rng = np.random.default_rng(spec.seed)
    out.mkdir(parents=True, exist_ok=True)
    say = progress or (lambda _msg: None)
    result = DemoResult()
    n = spec.agents
    days = _month_days(spec.month, spec.months)
    workdays = _workdays(days)
    tz = ZoneInfo(spec.timezone)
    month_start = days[0]

    # --- roster -------------------------------------------------------------------
    ids = np.array([f"A{i:05d}" for i in range(1, n + 1)])
    skill = rng.normal(0, 1, n)
    team_size = 14
    teams = np.array([f"T{(i // team_size) + 1:03d}" for i in range(n)])
    sites = np.array(["上海" if (i // 1000) % 2 == 0 else "成都" for i in range(n)])
    desks = np.array(DESKS)[rng.choice(3, n, p=[0.5, 0.35, 0.15])]
    names = [SURNAMES[rng.integers(len(SURNAMES))] + "".join(GIVEN[j] for j in rng.integers(len(GIVEN), size=2))
             for _ in range(n)]
    tenure_days = rng.gamma(2.0, 300, n).astype(int) + 1
    hire = np.array([month_start + dt.timedelta(days=int(x)) for x in -tenure_days])
    new_hires = rng.random(n) < 0.04  # joined during the month (R15: after the 10th, no bonus)
    hire[new_hires] = [month_start + dt.timedelta(days=int(d)) for d in rng.integers(0, 20, new_hires.sum())]
    status = np.where(tenure_days < 90, "试用", "正式").astype(object)
    status[new_hires] = "试用"
    status[rng.random(n) < 0.015] = "待岗"
    role = np.where(np.arange(n) % team_size == 0, "组长", "呼入").astype(object)
    wage = np.round(rng.normal(5200, 700, n) + 400 * skill, -1)
    roster = pa.table({
        "工号": ids, "姓名": names, "班组": teams, "部门": np.array(["客服一部"] * n), "职场": sites,
        "台席": desks, "岗位": role, "状态": status, "入职日期": hire.astype("datetime64[D]"),
        "月工资": wage,
    })
    result.files["roster"] = _write(roster, out / "roster", spec, excel=True)
    result.rows["roster"] = n

    # --- attendance ---------------------------------------------------------------
    say("attendance / 考勤")
    w = len(workdays)
    agent_idx = np.repeat(np.arange(n), w)
    day_idx = np.tile(np.arange(w), n)
    absence_p = np.clip(0.035 - 0.01 * skill, 0.005, 0.12)[agent_idx]
    u = rng.random(n * w)
    kinds = np.full(n * w, "", dtype=object)
    absent = u < absence_p
    kinds[absent] = rng.choice(["sick", "personal", "annual", "unexcused", "marriage"], absent.sum(),
                               p=[0.45, 0.25, 0.2, 0.07, 0.03])
    long_leave = rng.random(n) < 0.02  # a few agents away for two weeks (R13: leave >= 10 days)
    for a in np.flatnonzero(long_leave):
        rows = (agent_idx == a) & (day_idx < 11)
        kinds[rows] = "sick"
        absent[rows] = True
    hired_day = np.array([(h - month_start).days for h in hire])
    not_yet = np.array([workdays[d] for d in day_idx]) < hire[agent_idx]
    late = np.where(~absent & (rng.random(n * w) < 0.03), rng.integers(1, 40, n * w), 0)
    worked = np.where(absent, 0.0, 8.0 - late / 60.0)
    keep = ~not_yet
    attendance = pa.table({
        "agent_id": ids[agent_idx][keep],
        "date": np.array(workdays, dtype="datetime64[D]")[day_idx][keep],
        "scheduled_hours": np.full(keep.sum(), 8.0),
        "worked_hours": np.round(worked[keep], 2),
        "late_minutes": late[keep],
        "absence": np.where(kinds[keep] == "", "none", kinds[keep]),
        "absence_days": np.where(absent[keep], 1.0, 0.0),
    })
    result.files["attendance"] = _write(attendance, out / "attendance", spec)
    result.rows["attendance"] = attendance.num_rows
    present = (~absent & ~not_yet).reshape(n, w)
    del hired_day

    # --- interactions, streamed per block of agents ---------------------------------
    say("interactions / 通话记录")
    day_weight = np.array([WEEKDAY[d.weekday()] for d in workdays])
    hour_p = HOURLY / HOURLY.sum()
    aht_mu = np.log(300) - 0.12 * skill  # better agents are a little faster
    pilot = (np.arange(n) // team_size) % 2 == 0  # T001, T003, …
    second = next((i for i, d in enumerate(workdays) if (d.year, d.month) != (month_start.year, month_start.month)), None)
    effect_sum = np.zeros(n)
    effect_calls = np.zeros(n)
    inter_path = out / ("interactions.parquet" if spec.file_format == "parquet" else "interactions.csv")
    writer: pq.ParquetWriter | None = None
    csv_writer: pacsv.CSVWriter | None = None
    sample_calls: list[pa.Table] = []
    surveyed: list[pa.Table] = []
    total = 0
    block = max(1, 2_000_000 // max(1, int(spec.calls_per_day * w)))
    serial = 0
    epoch_days = np.array([(d - dt.date(1970, 1, 1)).days for d in workdays], dtype=np.int64)
    offset_s = int(dt.datetime.combine(month_start, dt.time(), tz).utcoffset().total_seconds())  # type: ignore[union-attr]
    for start in range(0, n, block):
        stop = min(n, start + block)
        lam = spec.calls_per_day * day_weight[None, :] * present[start:stop]
        counts = rng.poisson(lam).ravel()
        m = int(counts.sum())
        if m == 0:
            continue
        a_idx = np.repeat(np.repeat(np.arange(start, stop), w), counts)
        d_idx = np.repeat(np.tile(np.arange(w), stop - start), counts)
        hour = rng.choice(24, m, p=hour_p)
        sec = hour * 3600 + rng.integers(0, 3600, m)
        local = epoch_days[d_idx] * 86400 + sec
        offered = (local - offset_s) * 1_000_000
        queue_s = rng.exponential(20, m).astype(np.int64)
        talk = np.maximum(5, rng.lognormal(aht_mu[a_idx], 0.65)).astype(np.int64)
        hold = np.where(rng.random(m) < 0.15, rng.exponential(40, m), 0).astype(np.int64)
        wrap = rng.gamma(2.0, 12, m).astype(np.int64)
        transferred = rng.random(m) < 0.03
        outcome = np.where(transferred, "transferred", "answered")
        base = 1.6 + 0.6 * skill[a_idx]
        treated = pilot[a_idx] & (d_idx >= second) if second is not None else np.zeros(m, bool)
        u = rng.random(m)
        without = u < 1 / (1 + np.exp(-base))
        with_pilot = u < 1 / (1 + np.exp(-(base + spec.pilot_effect)))
        resolved = np.where(treated, with_pilot, without)
        np.add.at(effect_sum, a_idx[treated], (with_pilot[treated].astype(float) - without[treated]) * 100)
        np.add.at(effect_calls, a_idx[treated], 1)
        resolution = np.where(resolved, "resolved", "unresolved")
        hung = np.where(rng.random(m) < np.clip(0.04 - 0.02 * skill[a_idx], 0.005, 0.2), "agent", "customer")
        answered = offered + queue_s * 1_000_000
        ended = answered + (talk + hold) * 1_000_000
        ids_block = np.char.add("C", np.char.zfill((np.arange(m) + serial + 1).astype(str), 9))
        serial += m
        customer = np.char.add("U", rng.integers(1, max(2, n * 400), m).astype(str))
        table = pa.table({
            "interaction_id": ids_block, "agent_id": ids[a_idx],
            "queue": np.array(DESKS)[rng.choice(3, m, p=[0.5, 0.35, 0.15])],
            "channel": np.full(m, "voice"), "direction": np.full(m, "inbound"),
            "offered_at": pa.array(offered, pa.timestamp("us", tz="UTC")),
            "answered_at": pa.array(answered, pa.timestamp("us", tz="UTC")),
            "ended_at": pa.array(ended, pa.timestamp("us", tz="UTC")),
            "queue_seconds": queue_s, "talk_seconds": talk, "hold_seconds": hold, "wrap_seconds": wrap,
            "outcome": outcome, "resolution": resolution, "hung_up_by": hung, "customer_id": customer,
        })
        # candidates for QA (up to 60 calls per agent) and surveyed calls (about 1 in 7), from every block
        qa_pick = rng.choice(m, size=min(m, 60 * (stop - start)), replace=False)
        sample_calls.append(table.select(["interaction_id", "agent_id", "offered_at"]).take(pa.array(qa_pick)))
        surveyed.append(table.select(["interaction_id", "agent_id", "offered_at"]).filter(
            pa.array(rng.random(m) < 0.14)))
        if spec.file_format == "parquet":
            if writer is None:
                writer = pq.ParquetWriter(inter_path, table.schema, compression="zstd")
            writer.write_table(table)
        else:
            local_table = _localise(table, spec.timezone)
            if csv_writer is None:
                csv_writer = pacsv.CSVWriter(inter_path, local_table.schema)
            csv_writer.write_table(local_table)
        total += m
        say(f"  {total:,} interactions")
    if writer is not None:
        writer.close()
    if csv_writer is not None:
        csv_writer.close()
    result.files["interactions"] = inter_path
    result.rows["interactions"] = total
    if second is not None:
        result.pilot_teams = tuple(sorted(set(teams[pilot].tolist())))
        result.pilot_from = dt.date(workdays[second].year, workdays[second].month, 1)
        reached = effect_calls > 0
        result.planted_resolution = float(np.mean(effect_sum[reached] / effect_calls[reached])) if reached.any() else None

    calls = pa.concat_tables(sample_calls) if sample_calls else None
    surveys = pa.concat_tables(surveyed) if surveyed else None
    _qa_and_more(spec, rng, out, result, ids, skill, calls, surveys, workdays, tz)
    return result


def _localise(table: pa.Table, tz: str) -> pa.Table:
    """Exports from phone systems carry local times without an offset."""
    import pyarrow.compute as pc

    cols = {}
    for name in table.column_names:
        col = table.column(name)
        if pa.types.is_timestamp(col.type):
            col = pc.strftime(pc.cast(pc.cast(col, pa.timestamp("us", tz=tz)), pa.timestamp("s", tz=tz)),
                              format="%Y-%m-%d %H:%M:%S")
        cols[name] = col
    return pa.table(cols)


def _qa_and_more(spec: DemoSpec, rng: np.random.Generator, out: Path, result: DemoResult, ids: np.ndarray,
                 skill: np.ndarray, calls: pa.Table | None, surveyed: pa.Table | None, workdays: list[dt.date],
                 tz: ZoneInfo) -> None:
    n = len(ids)
    index = {a: i for i, a in enumerate(ids)}
    # --- evaluations: 15 internal + 5 carrier per agent, from the agent's own calls -----
    if calls is not None and calls.num_rows:
        agent_of = np.array([index[a] for a in calls.column("agent_id").to_numpy(zero_copy_only=False)])
        month_of = (calls.column("offered_at").combine_chunks().cast(pa.int64()).to_numpy().astype("datetime64[us]")
                    .astype("datetime64[M]").astype(np.int64))
        order = rng.permutation(len(agent_of))
        picked: list[int] = []
        sources: list[str] = []
        seen: dict[tuple[int, int], int] = {}
        for pos in order:  # 15 internal + 5 carrier evaluations per agent per month (R3, R15)
            key = (int(agent_of[pos]), int(month_of[pos]))
            done = seen.get(key, 0)
            if done < 20:
                picked.append(int(pos))
                sources.append("internal" if done < 15 else "carrier")
                seen[key] = done + 1
        picked_arr = np.array(picked, dtype=np.int64)
        sub = calls.take(pa.array(picked_arr))
        a_idx = agent_of[picked_arr]
        k = len(picked_arr)
        score = np.clip(np.round(88 + 4.5 * skill[a_idx] + rng.normal(0, 4, k), 1), 40, 100)
        fatal = rng.random(k) < np.clip(0.012 * np.exp(-0.9 * skill[a_idx]), 0.001, 0.1)
        score = np.where(fatal, 0.0, score)
        evaluators = np.array([f"QA{(i % max(1, n // 40)) + 1:02d}" for i in range(k)])
        offered = sub.column("offered_at").combine_chunks()
        evaluated = pa.array(np.minimum(
            offered.cast(pa.int64()).to_numpy() + rng.integers(1, 5 * 86400, k) * 1_000_000,
            int((dt.datetime.combine(workdays[-1], dt.time(23, 0), tz)).timestamp() * 1_000_000)),
            pa.timestamp("us", tz="UTC"))
        evaluations = pa.table({
            "evaluation_id": np.char.add("E", np.char.zfill((np.arange(k) + 1).astype(str), 8)),
            "interaction_id": sub.column("interaction_id"), "agent_id": sub.column("agent_id"),
            "scorecard": np.full(k, "service-quality"), "source": np.array(sources),
            "evaluator": np.where(np.array(sources) == "carrier", "CARRIER", evaluators),
            "call_at": offered, "evaluated_at": evaluated, "score": score, "fatal": fatal,
        })
        result.files["evaluations"] = _write(evaluations, out / "evaluations", spec)
        result.rows["evaluations"] = k
    # --- surveys: about one answered call in seven -------------------------------------
    if surveyed is not None and surveyed.num_rows:
        a_s = np.array([index[a] for a in surveyed.column("agent_id").to_numpy(zero_copy_only=False)])
        s_idx = np.arange(surveyed.num_rows)
        latent = 3.9 + 0.45 * skill[a_s] + rng.normal(0, 0.9, len(s_idx))
        rating = np.clip(np.round(latent), 1, 5)
        surveys = pa.table({
            "survey_id": np.char.add("S", np.char.zfill((np.arange(len(s_idx)) + 1).astype(str), 9)),
            "interaction_id": surveyed.column("interaction_id"),
            "agent_id": surveyed.column("agent_id"),
            "answered_at": surveyed.column("offered_at"),
            "kind": np.full(len(s_idx), "csat"), "rating": rating,
            "scale_min": np.full(len(s_idx), 1.0), "scale_max": np.full(len(s_idx), 5.0),
        })
        result.files["surveys"] = _write(surveys, out / "surveys", spec)
        result.rows["surveys"] = len(s_idx)
    # --- incidents: rare, more for weaker agents -----------------------------------------
    rates = {"投诉": 0.25, "表扬": 0.2, "业务差错": 0.5, "资费差错": 0.15, "诈单": 0.02}
    rows: dict[str, list[object]] = {k: [] for k in ("事件编号", "工号", "发生时间", "事件类型", "来源",
                                                      "严重程度", "是否属实", "描述")}
    serial = 0
    for kind, base in rates.items():
        lam = base * spec.months * np.exp((0.7 if kind == "表扬" else -0.8) * skill)
        counts = rng.poisson(lam)
        for a in np.flatnonzero(counts):
            for _ in range(counts[a]):
                serial += 1
                day = workdays[int(rng.integers(len(workdays)))]
                when = dt.datetime.combine(day, dt.time(int(rng.integers(9, 21)), int(rng.integers(60))))
                rows["事件编号"].append(f"I{serial:07d}")
                rows["工号"].append(ids[a])
                rows["发生时间"].append(when.strftime("%Y-%m-%d %H:%M"))
                rows["事件类型"].append(kind)
                rows["来源"].append("运营商" if rng.random() < 0.3 else "内部")
                rows["严重程度"].append("严重" if rng.random() < 0.1 else "一般")
                rows["是否属实"].append("是" if rng.random() < 0.85 else "否")
                rows["描述"].append({"投诉": "客户反映坐席态度生硬", "表扬": "客户来电表扬",
                                   "业务差错": "业务办理错误", "资费差错": "资费解释错误",
                                   "诈单": "虚假工单"}[kind])
    incidents = pa.table({k: pa.array(v, pa.string()) for k, v in rows.items()})
    result.files["incidents"] = _write(incidents, out / "incidents", spec, gbk=True)
    result.rows["incidents"] = incidents.num_rows
    # --- KPIs per month, on its last working day: star (R13), utilisation and task completion
    # (R13), discretionary reward points (R13), a voice score from the panel (R11) -------------
    parts = []
    month_ends = sorted({max(d for d in workdays if (d.year, d.month) == ym)
                         for ym in {(d.year, d.month) for d in workdays}})
    for last in month_ends:
        values: dict[str, np.ndarray] = {
            "star": np.clip(np.round(2.2 + 0.9 * skill + rng.normal(0, 0.5, n)), 0, 4),
            "utilisation": np.round(np.clip(0.55 + 0.06 * skill + rng.normal(0, 0.04, n), 0.3, 0.9), 3),
            "task_completion": np.round(np.clip(1.5 + 0.35 * skill + rng.normal(0, 0.25, n), 0.6, 3.0), 2),
            "reward_points": np.where(rng.random(n) < 0.15, rng.integers(1, 13, n), 0),
            "voice_score": np.round(np.clip(80 + 6 * skill + rng.normal(0, 5, n), 0, 100), 1),
        }
        for name, vals in values.items():
            keep: np.ndarray = np.asarray(vals != 0) if name == "reward_points" else np.ones(n, bool)
            count = int(keep.sum())
            parts.append(pa.table({"agent_id": ids[keep], "date": np.full(count, np.datetime64(last, "D")),
                                   "name": np.full(count, name), "value": np.asarray(vals)[keep].astype(float)}))
    # R19's yearly appraisal (0-100), scored on the last generated month's last working day; drawn after
    # everything else so that adding it changed no other figure of the demo
    year_end = month_ends[-1]
    appraisal = np.round(np.clip(80 + 6 * skill + rng.normal(0, 5, n), 0, 100), 0)
    parts.append(pa.table({"agent_id": ids, "date": np.full(n, np.datetime64(year_end, "D")),
                           "name": np.full(n, "appraisal"), "value": appraisal.astype(float)}))
    kpis = pa.concat_tables(parts)
    result.files["kpis"] = _write(kpis, out / "kpis", spec)
    result.rows["kpis"] = kpis.num_rows


def _write(table: pa.Table, stem: Path, spec: DemoSpec, excel: bool = False, gbk: bool = False) -> Path:
    if spec.file_format == "parquet":
        path = stem.with_suffix(".parquet")
        pq.write_table(table, path, compression="zstd")
        return path
    table = _localise(table, spec.timezone)
    if excel:
        from openpyxl import Workbook

        path = stem.with_suffix(".xlsx")
        wb = Workbook()
        ws = wb.active
        assert ws is not None
        ws.title = "花名册"
        ws.append(table.column_names)
        for row in zip(*(table.column(c).to_pylist() for c in table.column_names), strict=True):
            ws.append(list(row))
        wb.save(path)
        return path
    path = stem.with_suffix(".csv")
    if gbk:  # many Chinese systems still export GBK
        import io

        buf = io.BytesIO()
        pacsv.write_csv(table, buf)
        path.write_bytes(buf.getvalue().decode("utf-8").encode("gbk"))
        return path
    pacsv.write_csv(table, path)
    return path
