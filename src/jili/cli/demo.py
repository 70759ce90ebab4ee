"""``jili demo run``: a workspace filled with a generated month and the real bank month."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from rich.table import Table

from jili.cli.output import console, emit_json, print_problems, t
from jili.core.facts import FORMATS
from jili.io.mapping import Mapping, load_mapping
from jili.io.workspace import Workspace, create_layout, load_workspace

if TYPE_CHECKING:
    from jili.web.actions import ImportOutcome

MARKER = ".jili-demo"
MONTH = "2026-09"  # 22 working days: exactly the 176 hours R15 expects
POLICY = "r15-service-quality-bonus"
BANK_RELATIVE = Path("shared") / "data" / "anonymous-bank" / "calls-1999-02.tsv"
BANK_MAPPING = Path(__file__).resolve().parents[1] / "mappings" / "anonymous-bank.yaml"


def run_demo(root: Path, *, agents: int, bank: Path | None, as_json: bool) -> bool:
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
    from jili.io.demo import DemoSpec, generate
    from jili.web.bootstrap import setup

    setup(ws)
    from jili.web.actions import ImportStatus, active_batches, do_import

    exports = root / "exports"
    if not as_json:
        console.rule(t(f"1. A generated month: {MONTH}", f"1. 生成一个月的数据：{MONTH}"))
    generated = generate(DemoSpec(agents=agents, month=MONTH, seed=7), exports,
                         progress=None if as_json else lambda m: console.print("  " + m, style="dim"))
    order = ["roster", "attendance", "interactions", "evaluations", "surveys", "incidents", "kpis"]
    outcomes = []
    for fact in order:
        outcome = do_import(ws, generated.files[fact], Mapping.plain(FORMATS[fact]), acting_user="demo")
        outcomes.append(outcome)
        if not as_json:
            _line(outcome)
    run_summary = _run_policy(ws, as_json)
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
    from jili.io.factstore import connect

    batches: dict[str, list[tuple[int, Path]]] = {}
    for b in active_batches():
        batches.setdefault(b.fact, []).append((b.pk, root / b.parquet_path))
    con = connect(batches)
    teams = con.execute(TEAM_SQL).fetchall()
    bank_agents = con.execute(BANK_SQL).fetchall()
    if as_json:
        emit_json({"ok": ok, "workspace": str(root), "imports": [
            {"file": o.source, "fact": o.fact, "status": o.status.value, "batch": o.batch_id, "rows": o.rows}
            for o in outcomes], "teams": teams[:10], "bank_agents": bank_agents, "run": run_summary})
        return ok
    table = Table(title=t("Generated month by team (first 8 teams)", "生成月份：各班组概况（前 8 组）"))
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
    console.print(t(f"Workspace: {root}. Try:", f"工作区：{root}。可以试试："))
    for cmd in (f"jili batches -w {root}", f"jili explain A00007 -p {POLICY} --period {MONTH} -w {root}",
                f"JILI_LANG=en jili leaderboard -p {POLICY} --period {MONTH} -w {root}"):
        console.print(f"  .venv/bin/{cmd}" if not cmd.startswith("JILI") else f"  {cmd.replace('jili', '.venv/bin/jili', 1)}")
    return ok


def _line(outcome: ImportOutcome) -> None:
    from jili.web.actions import ImportStatus

    if outcome.status == ImportStatus.REJECTED:
        console.print(f"✘ {outcome.source}", style="red")
        print_problems(outcome.problems)
        return
    notes = [p.render() for p in outcome.problems if p.code in ("encoding",)]
    console.print(f"✔ {outcome.fact:14} {outcome.rows:>9,}  {outcome.source}  "
                  + t(f"batch {outcome.batch_id}", f"批次 {outcome.batch_id}")
                  + (f"  ({notes[0].split(': ', 2)[-1]})" if notes else ""), style="green")


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

    from jili.cli.incentives import TEMPLATES, write_payout
    from jili.core.explain import render
    from jili.core.periods import parse_period
    from jili.io.policyfile import load_policy
    from jili.web.ledger import do_run_policy

    sh.copy(TEMPLATES / f"{POLICY}.yaml", ws.policies_dir / f"{POLICY}.yaml")
    policy, problems = load_policy(ws.policies_dir / f"{POLICY}.yaml")
    assert policy is not None, problems
    period = parse_period(MONTH)
    assert period is not None
    outcome = do_run_policy(ws, policy, period, acting_user="demo")
    payout = ws.root / f"payout-{MONTH}.xlsx"
    write_payout(payout, policy, outcome.statements)
    paid = [s for s in outcome.statements if s.eligible]
    total = sum((s.total("bonus") for s in paid), start=paid[0].total("bonus") * 0) if paid else 0
    tiers: dict[str, int] = {}
    for s in paid:
        for line in s.lines:
            if line.rule_id == "quality_tier":
                tiers[line.label.en.split(": ")[-1]] = tiers.get(line.label.en.split(": ")[-1], 0) + 1
    summary = {"policy": POLICY, "period": MONTH, "agents": len(outcome.statements), "eligible": len(paid),
               "bonus_total": str(total), "tiers": tiers, "payout": str(payout)}
    if as_json:
        return summary
    console.rule(t(f"R15 service-quality bonus for {MONTH}", f"R15 服务质量奖：{MONTH}"))
    console.print(t(f"{len(paid)} of {len(outcome.statements)} agents take part; bonus total {total:,} yuan; "
                    f"tiers: {tiers}", f"{len(outcome.statements)} 名坐席中 {len(paid)} 名参加；奖金合计 {total:,} 元；"
                    f"档位分布：{tiers}"))
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
