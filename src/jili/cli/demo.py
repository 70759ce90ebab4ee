"""``jili demo run``: a workspace filled with a generated month and the real bank month."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from rich.table import Table

from jili.cli.output import console, emit_json, print_problems, t
from jili.core.facts import FORMATS
from jili.core.problems import Problem
from jili.io.specs.mapping import Mapping, load_mapping
from jili.io.workspace import Workspace, create_layout, load_workspace

if TYPE_CHECKING:
    from jili.core.statement import Statement
    from jili.registry.imports import ImportOutcome
    from jili.registry.models import Assignment

MARKER = ".jili-demo"
FIRST = "2026-08"  # two generated months: streaks (R12) need more than one
MONTH = "2026-09"  # 22 working days: exactly the 176 hours R15 expects
POLICY = "r15-service-quality-bonus"
BANK_RELATIVE = Path("shared") / "data" / "anonymous-bank" / "calls-1999-02.tsv"
STC3_RELATIVE = Path("shared") / "data" / "stc3" / "dialogues-cn.json"  # real Chinese helpdesk dialogues
BANK_MAPPING = Path(__file__).resolve().parents[1] / "mappings" / "anonymous-bank.yaml"


def run_demo(root: Path, *, agents: int, bank: Path | None, as_json: bool, calls_per_day: float = 60.0) -> bool:
    root = root.resolve()
    if root.exists() and any(root.iterdir()) and not (root / MARKER).exists():
        console.print(t(f"{root} exists and is not a demo workspace; choose another folder with --workspace.",
                        f"{root} 已存在且不是演示工作区，请用 --workspace 指定其他目录。"), style="red")
        return False
    if (root / MARKER).exists():
        shutil.rmtree(root)
    ws = Workspace(root=root, name="Jili demo / 演示中心")
    create_layout(ws)
    (root / MARKER).write_text("made by jili demo run; deleted and rebuilt by the next run\n")
    ws = load_workspace(root) or ws
    from jili.io.demo.generator import DemoSpec, generate
    from jili.registry.bootstrap import setup

    setup(ws, site=True)  # the demo is served next
    from jili.registry.imports import ImportStatus, do_import

    exports = root / "exports"
    if not as_json:
        console.rule(t(f"1. Two generated months: {FIRST} and {MONTH}", f"1. 生成两个月的数据：{FIRST}、{MONTH}"))
    generated = generate(DemoSpec(agents=agents, month=FIRST, months=2, seed=7, calls_per_day=calls_per_day), exports,
                         progress=None if as_json else lambda m: console.print("  " + m, style="dim"))
    order = ["roster", "attendance", "interactions", "evaluations", "surveys", "incidents", "kpis"]
    outcomes = []
    for fact in order:
        outcome = do_import(ws, generated.files[fact], Mapping.plain(FORMATS[fact]), acting_user="demo")
        outcomes.append(outcome)
        if not as_json:
            _line(outcome)
    run_summary = _run_policy(ws, as_json)
    run_summary["more"] = _run_more(ws, as_json)
    run_summary["ladder"] = _ladder(ws, as_json)
    bank = bank or Path.cwd().parent / BANK_RELATIVE
    if not as_json:
        console.rule(t("2. A real month: Anonymous Bank, February 1999", "2. 真实数据：匿名银行 1999 年 2 月"))
    if bank.exists():
        mapping, problems = load_mapping(BANK_MAPPING)
        assert mapping is not None, problems
        outcome = do_import(ws, bank, mapping, acting_user="demo")
        outcomes.append(outcome)
        if not as_json:
            _line(outcome)
    elif not as_json:
        console.print(t(f"(bank data not found at {bank}; skipped)", f"（未找到银行数据 {bank}，已跳过）"))
    ok = all(o.status != ImportStatus.REJECTED for o in outcomes)
    from jili.registry.facts import facts_connection

    con, _ = facts_connection(ws)
    teams = con.execute(TEAM_SQL).fetchall()
    bank_agents = con.execute(BANK_SQL).fetchall()
    bank_r12 = _bank_r12(ws, as_json) if bank.exists() else {}
    accounts, wall = _accounts()
    _qa_work(ws)
    if as_json:
        emit_json({"ok": ok, "workspace": str(root), "imports": [
            {"file": o.source, "fact": o.fact, "status": o.status.value, "batch": o.batch_id, "rows": o.rows}
            for o in outcomes], "teams": teams[:10], "bank_agents": bank_agents, "run": run_summary,
            "bank_r12": bank_r12, "accounts": [{"username": u, "role": r, "password": PASSWORD} for u, r, _ in accounts],
            "wallboard": wall, "pilot": {
                "teams": list(generated.pilot_teams), "from": str(generated.pilot_from),
                "planted_resolution": generated.planted_resolution}})
        return ok
    table = Table(title=t("Generated months by team (first 8 teams)", "生成月份：各班组概况（前 8 组）"))
    for head in (t("team", "班组"), t("agents", "人数"), t("answered", "接通量"), t("AHT s", "平均处理时长(秒)"),
                 t("internal QA", "内部质检均分"), t("carrier QA", "运营商质检均分"), t("CSAT 1-5", "满意度"),
                 t("complaints", "有效投诉")):
        table.add_column(head, justify="right")
    for row in teams[:8]:
        table.add_row(*[f"{v:,.1f}" if isinstance(v, float) else str(v) for v in row])
    console.print(table)
    bt = Table(title=t("Real bank month: calls answered per agent", "真实银行月份：各坐席接通量"))
    for head in (t("agent", "坐席"), t("answered", "接通量"), t("AHT s", "平均通话(秒)"),
                 t("share", "占比")):
        bt.add_column(head, justify="right")
    for row in bank_agents[:10]:
        bt.add_row(str(row[0]), f"{row[1]:,}", f"{row[2]:.0f}", f"{row[3]:.1%}")
    console.print(bt)
    console.rule(t("3. The web site: one demo account per role", "3. 网站：每个角色一个演示账号"))
    for username, role, sees in accounts:
        console.print(f"  {username:<10} {PASSWORD}  {t(role, ROLE_ZH[role])} — {sees}", markup=False)
    console.print(t(f"  wallboard (no login): {wall}", f"  大屏（无需登录）：{wall}"), markup=False, soft_wrap=True)
    pilot = ",".join(generated.pilot_teams)
    console.print(t(f"R18: from {generated.pilot_from} the teams {pilot} ran a pilot scheme that raised their resolution "
                    f"rate by {generated.planted_resolution or 0:.1f} points (the last command below finds it).",
                    f"R18：自 {generated.pilot_from} 起班组 {pilot} 试行新方案，使解决率提高 "
                    f"{generated.planted_resolution or 0:.1f} 个百分点（下面最后一条命令可以把它找出来）。"),
                  markup=False, soft_wrap=True)
    console.print(t(f"Workspace: {root}. Try:", f"工作区：{root}。可以试试："))
    for cmd in (f"jili batches -w {root}", f"jili explain A00007 -p {POLICY} --period {MONTH} -w {root}",
                f"JILI_LANG=en jili leaderboard -p {POLICY} --period {MONTH} -w {root}",
                f"jili evaluate --since {generated.pilot_from} --teams {pilot} -w {root}"):
        console.print(f"  .venv/bin/{cmd}" if not cmd.startswith("JILI") else f"  {cmd.replace('jili', '.venv/bin/jili', 1)}")
    return ok


PASSWORD = "jili-demo"  # the demo's accounts only: a real account gets a random first password
ROLE_ZH = {"agent": "坐席", "leader": "组长", "evaluator": "质检员", "qa_manager": "质检主管", "payroll": "薪酬",
           "admin": "管理员"}
DEMO_AGENT = "A00007"
DEMO_TEAM = "T001"


def _accounts() -> tuple[list[tuple[str, str, str]], str]:
    """One login per role (agent A00007, the leader of T001, …) and a wallboard token."""
    from jili.registry.accounts import do_create_account, do_create_wallboard_token

    made = [("agent", "agent", DEMO_AGENT, [], t(f"agent {DEMO_AGENT}", f"坐席 {DEMO_AGENT}")),
            ("leader", "leader", None, [DEMO_TEAM], t(f"leader of {DEMO_TEAM}", f"{DEMO_TEAM} 组长")),
            ("evaluator", "evaluator", None, [], t("evaluator", "质检员")),
            ("evaluator2", "evaluator", None, [], t("a second evaluator (calibration)", "第二名质检员（校准）")),
            ("qa", "qa_manager", None, [], t("QA manager", "质检主管")),
            ("payroll", "payroll", None, [], t("payroll", "薪酬专员")),
            ("admin", "admin", None, [], t("administrator", "管理员"))]
    out = []
    for username, role, agent, teams, sees in made:
        do_create_account(username, role, acting_user="demo", agent_id=agent, teams=teams, password=PASSWORD)
        out.append((username, role, sees))
    token = do_create_wallboard_token("demo floor / 演示大屏", acting_user="demo")
    return out, f"http://127.0.0.1:8000/wall/{token}/{POLICY}/"


def _ladder(ws: Workspace, as_json: bool) -> dict[str, object]:
    """R19: everyone on a starting step from the first demo month (a joiner from the next); the proposals of
    the year's appraisal (the generated appraisal scores, and R13's points levels), left for a person to decide."""
    import datetime as dt

    from jili.core.ladder import LADDER
    from jili.io.specs.policy import load_policy
    from jili.registry.ladder import do_start_steps, proposals

    placed = do_start_steps(dt.date.fromisoformat(FIRST + "-01"), acting_user="demo")
    for code, count in do_start_steps(dt.date.fromisoformat(MONTH + "-01"), acting_user="demo").items():
        placed[code] = placed.get(code, 0) + count  # who joined during the first month
    policy, _ = load_policy(ws.policies_dir / "r13-monthly-points.yaml")
    assert policy is not None
    found, _ = proposals(ws, int(MONTH[:4]), policy)
    if not as_json:
        zh = "，".join(f"{s.label.zh} {placed[s.code]}" for s in LADDER if s.code in placed)
        en = ", ".join(f"{s.label.en} {placed[s.code]}" for s in LADDER if s.code in placed)
        command = f"jili ladder propose --year {MONTH[:4]} -p r13-monthly-points"
        console.print(t(f"R19 ladder: starting steps ({en}); the {MONTH[:4]} appraisal proposes "
                        f"{len(found)} promotions ({command})",
                        f"R19 职级：起始职级（{zh}）；{MONTH[:4]} 年度考核建议晋升 {len(found)} 人（{command}）"),
                      markup=False, soft_wrap=True)
    return {"started": placed, "proposals": [p.agent_id for p in found]}


def _qa_work(ws: Workspace) -> None:
    """The QA workflow under way: two sampled calls per agent in the evaluator's queue; the first of agent
    A00007 and of A00020 scored on R2; both agents have appealed (with their team leaders)."""
    from jili.core.periods import parse_period
    from jili.qa.sampling import Plan
    from jili.qa.scoring import Answer
    from jili.registry.appeals import do_appeal
    from jili.registry.evaluations import do_assign, do_evaluate, do_publish

    period = parse_period(MONTH)
    assert period is not None
    made = do_assign(ws, period, ["evaluator"], "r2-service-conduct", acting_user="qa", plan=Plan(per_agent=2))
    assert isinstance(made, list), made
    dialogues = Path.cwd().parent / STC3_RELATIVE
    if dialogues.exists():
        _transcripts(ws, made, dialogues)
    for agent, answers, reason in (
            (DEMO_AGENT, [Answer("early_hangup_chatting", occurrences=1)], "客户已说再见才挂机 / the customer had said goodbye"),
            ("A00020", [Answer("commanding_tone", occurrences=1, serious=True)], "语气正常 / my tone was normal")):
        first = next(a for a in made if a.agent_id == agent)
        ev = do_evaluate(ws, first.pk, answers, "", acting_user="evaluator")
        assert not isinstance(ev, list), ev
        account = "agent" if agent == DEMO_AGENT else None
        if account is not None:
            do_appeal(ws, ev.evaluation_id, [answers[0].item_id], reason, acting_user=account)
    do_publish(ws, [MONTH], acting_user="demo")
    _calibration(ws, [a.interaction_id for a in made[::12][:5]])
    from jili.registry.coaching import do_open_coaching

    opened = do_open_coaching(ws, period, acting_user="qa")
    assert isinstance(opened, list), opened


def _transcripts(ws: Workspace, made: list[Assignment], dialogues: Path) -> None:
    """Give each sampled call a real STC-3 dialogue as its transcript (read from ../shared, imported as the
    transcripts fact) and check them with the Chinese auto-QA pack, so the evaluator's form shows a transcript
    with its findings marked."""
    import datetime as dt
    import json

    from jili.autoqa.engine import Checker
    from jili.autoqa.transcript import Transcript
    from jili.io.demo.corpora import stc3
    from jili.io.factstore.autoqa import run_checker, write_findings
    from jili.io.specs.rulepack import load_pack
    from jili.io.workspace import TEMPLATES
    from jili.registry.imports import do_import

    pool = [d for d in stc3(dialogues) if len(d.turns) >= 4]  # 390 dialogues: a large demo uses them again
    calls = [(a, pool[i % len(pool)]) for i, a in enumerate(made)]
    staged = ws.staging_dir / "demo-transcripts.jsonl"
    with staged.open("w", encoding="utf-8") as fh:
        for a, d in calls:
            fh.write(json.dumps({"interaction_id": a.interaction_id, "agent_id": a.agent_id,
                                 "started_at": a.call_at.isoformat(),
                                 "turns": [{"speaker": t.speaker, "text": t.text} for t in d.turns]},
                                ensure_ascii=False) + "\n")
    do_import(ws, staged, Mapping.plain(FORMATS["transcripts"]), acting_user="demo")
    staged.unlink(missing_ok=True)
    pack, problems = load_pack(TEMPLATES / "autoqa" / "zh-cn-service.yaml")
    assert pack is not None, problems
    checked = [Transcript(a.interaction_id, d.turns, a.agent_id, started_at=a.call_at) for a, d in calls]
    report = run_checker(Checker(pack), checked)
    from jili.cli.autoqa import import_scores, judged, low_agent_scores

    scored = judged(checked)
    report.findings.extend(low_agent_scores(scored))  # the agent's part, judged like people judge
    found = ws.staging_dir / "demo-findings.parquet"
    write_findings(found, pack.id, report.findings, dt.datetime.now(dt.UTC))
    do_import(ws, found, Mapping.plain(FORMATS["autoqa_findings"]), acting_user="autoqa")
    found.unlink(missing_ok=True)
    import_scores(ws, scored, "demo")


# what each evaluator marked on the five calls (R2 deductions): evaluator2 is lenient, the QA manager strict
CALIBRATION: list[dict[str, list[tuple[str, int]]]] = [
    {"evaluator": [], "evaluator2": [], "qa": []},
    {"evaluator": [("commanding_tone", 1)], "evaluator2": [], "qa": [("commanding_tone", 1)]},
    {"evaluator": [("commanding_tone", 2)], "evaluator2": [("commanding_tone", 1)], "qa": [("commanding_tone", 2)]},
    {"evaluator": [("late_work_order", 1), ("misleading", 1)], "evaluator2": [("late_work_order", 1)],
     "qa": [("late_work_order", 1), ("misleading", 1), ("system_not_queried", 1)]},
    {"evaluator": [("system_not_queried", 1)], "qa": [("system_not_queried", 1)]},  # evaluator2 has not scored it yet
]


def _calibration(ws: Workspace, calls: list[str]) -> None:
    """A calibration session on five sampled calls scored by two evaluators and the QA manager."""
    from jili.qa.scoring import Answer
    from jili.registry.calibration_sessions import do_calibration_score, do_open_session
    from jili.registry.models import CalibrationCall

    session = do_open_session(ws, f"{MONTH} 校准 / calibration", "r2-service-conduct", calls,
                              ["evaluator", "evaluator2", "qa"], acting_user="qa")
    assert not isinstance(session, Problem), session
    for call, marked in zip(CalibrationCall.objects.filter(session=session).order_by("id"), CALIBRATION, strict=True):
        for who, items in marked.items():
            answers = [Answer(item, occurrences=n) for item, n in items]
            assert not isinstance(do_calibration_score(ws, call.pk, answers, acting_user=who), list)


def _line(outcome: ImportOutcome) -> None:
    from jili.registry.imports import ImportStatus

    if outcome.status == ImportStatus.REJECTED:
        console.print(f"✘ {outcome.source}", style="red")
        print_problems(outcome.problems)
        return
    notes = [t(p.message, p.message_zh) for p in outcome.problems if p.code in ("encoding",)]
    console.print(f"✔ {outcome.fact:14} {outcome.rows:>9,}  {outcome.source}  "
                  + t(f"batch {outcome.batch_id}", f"批次 {outcome.batch_id}")
                  + (t(f"  ({notes[0]})", f"（{notes[0]}）") if notes else ""), style="green", markup=False)


TEAM_SQL = """
WITH spell AS (SELECT agent_id, team FROM roster QUALIFY row_number() OVER (PARTITION BY agent_id
               ORDER BY effective_from DESC) = 1),
calls AS (SELECT agent_id, count(*) AS answered, avg(talk_seconds + hold_seconds + wrap_seconds) AS aht
          FROM interactions WHERE outcome = 'answered' AND agent_id LIKE 'A%' GROUP BY 1),
qa AS (SELECT agent_id, avg(score) FILTER (source = 'internal') AS internal_qa,
              avg(score) FILTER (source = 'carrier') AS carrier_qa FROM evaluations GROUP BY 1),
cs AS (SELECT agent_id, avg(rating) AS csat FROM surveys GROUP BY 1),
inc AS (SELECT agent_id, count(*) AS complaints FROM incidents WHERE kind = 'complaint' AND verified GROUP BY 1)
SELECT s.team, count(*) AS agents, sum(coalesce(answered, 0)) AS answered,
       round(avg(aht), 1)::DOUBLE, round(avg(internal_qa), 1)::DOUBLE, round(avg(carrier_qa), 1)::DOUBLE,
       round(avg(csat), 2)::DOUBLE, sum(coalesce(complaints, 0)) AS complaints
FROM spell s LEFT JOIN calls USING (agent_id) LEFT JOIN qa USING (agent_id) LEFT JOIN cs USING (agent_id)
LEFT JOIN inc USING (agent_id)
GROUP BY 1 ORDER BY 1
"""

BANK_SQL = """
SELECT agent_id, count(*) AS answered, avg(talk_seconds)::DOUBLE AS aht,
       (count(*) / sum(count(*)) OVER ())::DOUBLE AS share
FROM interactions WHERE outcome = 'answered' AND agent_id IS NOT NULL AND agent_id NOT LIKE 'A0%'
GROUP BY 1 ORDER BY 2 DESC
"""


def _run_policy(ws: Workspace, as_json: bool) -> dict[str, object]:
    """Run the R15 template on the generated month; show the board, one statement, the payout file."""
    import shutil as sh

    from jili.core.explain import render
    from jili.core.periods import parse_period
    from jili.io.outputs.payout import write_payout
    from jili.io.specs.policy import load_policy
    from jili.io.workspace import TEMPLATES
    from jili.registry.ledger import do_run_policy

    sh.copy(TEMPLATES / f"{POLICY}.yaml", ws.policies_dir / f"{POLICY}.yaml")
    policy, problems = load_policy(ws.policies_dir / f"{POLICY}.yaml")
    assert policy is not None, problems
    period = parse_period(MONTH)
    assert period is not None
    outcome = do_run_policy(ws, policy, period, acting_user="demo")
    payout = ws.root / f"payout-{MONTH}.xlsx"
    write_payout(payout, policy.head(), outcome.statements)
    paid = [s for s in outcome.statements if s.eligible]
    total = sum((s.total("bonus") for s in paid), start=paid[0].total("bonus") * 0) if paid else 0
    tiers: dict[str, int] = {}
    tiers_zh: dict[str, int] = {}
    for s in paid:
        for line in s.lines:
            if line.rule_id == "quality_tier":
                tiers[line.label.en.split(": ")[-1]] = tiers.get(line.label.en.split(": ")[-1], 0) + 1
                tiers_zh[line.label.zh.split("：")[-1]] = tiers_zh.get(line.label.zh.split("：")[-1], 0) + 1
    summary = {"policy": POLICY, "period": MONTH, "agents": len(outcome.statements), "eligible": len(paid),
               "bonus_total": str(total), "tiers": tiers, "payout": str(payout)}
    if as_json:
        return summary
    console.rule(t(f"R15 service-quality bonus for {MONTH}", f"R15 服务质量奖：{MONTH}"))
    console.print(t(f"{len(paid)} of {len(outcome.statements)} agents take part; bonus total {total:,} yuan; "
                    "tiers: " + ", ".join(f"{k} {v}" for k, v in tiers.items()),
                    f"{len(outcome.statements)} 名坐席中 {len(paid)} 名参加；奖金合计 {total:,} 元；"
                    "档位分布：" + "，".join(f"{k} {v} 人" for k, v in tiers_zh.items())))
    board = sorted(paid, key=lambda s: (-s.total("bonus"), s.agent_id))[:5]
    for i, s in enumerate(board, start=1):
        console.print(f"  {i}. {s.agent_id} {s.name} {s.team}  {s.total('bonus'):>8} 元")
    example = next((s for s in paid if len(s.lines) >= 2), paid[0] if paid else None)
    if example is not None:
        console.print(t("One agent's statement (jili explain):", "一名坐席的结算单（jili explain）："))
        console.print(render(example, "zh" if t("en", "zh") == "zh" else "en", {"bonus": "元"}), markup=False, end="")
    excluded = next((s for s in outcome.statements if not s.eligible), None)
    if excluded is not None:
        console.print(render(excluded, "zh" if t("en", "zh") == "zh" else "en"), markup=False, end="")
    console.print(t(f"Payout sheet for payroll: {payout}", f"发放表（交薪资）：{payout}"))
    return summary


def _run(ws: Workspace, name: str, label: str, allow_empty: bool = False):
    import shutil as sh

    from jili.core.periods import parse_period
    from jili.io.specs.policy import load_policy
    from jili.io.workspace import TEMPLATES
    from jili.registry.ledger import do_run_policy

    target = ws.policies_dir / f"{name}.yaml"
    if not target.exists():
        sh.copy(TEMPLATES / f"{name}.yaml", target)
    policy, problems = load_policy(target)
    assert policy is not None, problems
    period = parse_period(label)
    assert period is not None
    outcome = do_run_policy(ws, policy, period, acting_user="demo", allow_empty=allow_empty)
    assert outcome.ok, outcome.problems
    return policy, outcome.statements


def _run_more(ws: Workspace, as_json: bool) -> dict[str, object]:
    """R13 points over two months, R11 awards in September, R12 with its streaks."""
    summary: dict[str, object] = {}
    for label in (FIRST, MONTH):
        _, r13 = _run(ws, "r13-monthly-points", label)
    eligible = [s for s in r13 if s.eligible]
    points = sorted((s.total("points") for s in eligible), reverse=True)
    summary["r13"] = {"eligible": len(eligible), "agents": len(r13), "max": str(points[0]) if points else "0",
                      "median": str(points[len(points) // 2]) if points else "0",
                      "levels": sorted({s.level for s in eligible if s.level})}
    _, r11 = _run(ws, "r11-yto-awards", MONTH)
    summary["r11"] = {"paid": str(sum((s.total("award") for s in r11), start=r11[0].total("award") * 0)),
                      "weekly_winners": sum(1 for s in r11 for ln in s.lines if ln.rule_id == "best_recording"),
                      "voices": [s.agent_id for s in r11 if any(ln.rule_id == "best_voice" for ln in s.lines)]}
    for label in (FIRST, MONTH):
        _, r12 = _run(ws, "r12-outbound-rewards", label)
    flags: dict[str, int] = {}
    for s in r12:
        for f in s.flags:
            flags[f.rule_id] = flags.get(f.rule_id, 0) + 1
    summary["r12_flags"] = flags
    if not as_json:
        console.rule(t("R13 35-point scheme, R11 awards, R12 streaks on the generated months",
                       "生成月份：R13 35分积分、R11 评优、R12 连续规则"))
        top, median, levels = points[0] if points else 0, points[len(points) // 2] if points else 0, \
            sorted({s.level for s in eligible if s.level})
        console.print(t(f"R13 {MONTH}: {len(eligible)} of {len(r13)} agents take part (probation, standby and long "
                        f"leave are out); points this month: top {top}, median {median}; lifetime levels: "
                        f"{', '.join(levels) or '—'}",
                        f"R13 {MONTH}：{len(r13)} 名坐席中 {len(eligible)} 名参加（试用、待岗、长假除外）；"
                        f"本月积分最高 {top}，中位数 {median}；已达等级：{'、'.join(levels) or '—'}"))
        r11_info = summary["r11"]
        assert isinstance(r11_info, dict)
        voices = ", ".join(r11_info["voices"])
        console.print(t(f"R11 {MONTH}: {r11_info['weekly_winners']} weekly best-recording awards (20 a week × 100 yuan), "
                        f"most beautiful voice: {voices} (5 × 500); paid {r11_info['paid']} yuan",
                        f"R11 {MONTH}：每周优秀录音 {r11_info['weekly_winners']} 人次（每周20名×100元），"
                        f"最美声音：{voices}（5名×500元）；合计 {r11_info['paid']} 元"))
        shown = ", ".join(f"{rule} {n}" for rule, n in flags.items()) or "—"
        console.print(t(f"R12 flags over {FIRST}–{MONTH} (bottom 10 % twice → coaching, …): {shown}",
                        f"R12 {FIRST}–{MONTH} 的待处理标记（连续两月后10% → 辅导 等）：{shown}"))
    return summary


def _bank_r12(ws: Workspace, as_json: bool) -> dict[str, object]:
    """R12's top 10 % and bottom 10 % on the real bank month's per-agent volumes."""
    # the bank's calls are in Israel's time: the month must be cut at Israel's midnight, not Beijing's
    from jili.io.workspace import TEMPLATES

    text = (TEMPLATES / "r12-outbound-rewards.yaml").read_text(encoding="utf-8")
    (ws.policies_dir / "r12-outbound-rewards-bank.yaml").write_text(
        text.replace("policy: r12-outbound-rewards", "policy: r12-outbound-rewards-bank")
            .replace("timezone: Asia/Shanghai", "timezone: Asia/Jerusalem"), encoding="utf-8")
    # the bank's export holds calls only: no attendance, no QA — its absence and quality rules truly have nothing
    _, statements = _run(ws, "r12-outbound-rewards-bank", "1999-02", allow_empty=True)
    def metric(s: Statement, name: str) -> Decimal:
        value = dict(s.metrics).get(name)
        return value if isinstance(value, Decimal) else Decimal(0)

    ranked = sorted((s for s in statements if metric(s, "performance")), key=lambda s: -metric(s, "performance"))
    top = [(s.agent_id, str(metric(s, "performance")), str(s.total("bonus"))) for s in ranked
           if any(ln.rule_id == "top_ten_percent" for ln in s.lines)]
    bottom = [(s.agent_id, str(metric(s, "performance"))) for s in ranked if metric(s, "performance_rank") >= Decimal("0.9")]
    if not as_json:
        tops = ", ".join(f"{a} ({n} calls, {bonus} yuan)" for a, n, bonus in top)
        tops_zh = "，".join(f"{a}（接通 {n} 通，{bonus} 元）" for a, n, bonus in top)
        lows = ", ".join(f"{a} ({n} calls)" for a, n in bottom)
        lows_zh = "，".join(f"{a}（接通 {n} 通）" for a, n in bottom)
        console.print(t(f"R12 on the real bank month 1999-02, {len(ranked)} agents by answered calls: "
                        f"top 10 % (one-off bonus): {tops}; bottom 10 % (coaching if it repeats next month): {lows}",
                        f"R12 应用于真实银行 1999-02，{len(ranked)} 名坐席按接通量排名：前10%（一次性奖金）：{tops_zh}；"
                        f"后10%（下月仍在则辅导）：{lows_zh}"))
    return {"agents": len(ranked), "top": top, "bottom": bottom}
