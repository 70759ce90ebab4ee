"""The month's outputs for payroll and scripts: the payout workbook (payout, lines, flags), CSV and JSON."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from jili.core.policy import Policy
from jili.core.statement import Statement, statement_to_json


def write_payout(out: Path, pol: Policy, statements: Sequence[Statement]) -> None:
    accounts = list(pol.accounts)
    head = ["工号 agent_id", "姓名 name", "班组 team", "参加 eligible",
            *[f"{pol.accounts[a].label.zh} {a} ({pol.accounts[a].unit})" for a in accounts],
            "等级 level", "标记 flags", "不参加原因 reason"]
    rows = [[s.agent_id, s.name, s.team, "是 yes" if s.eligible else "否 no",
             *[s.total(a) for a in accounts], s.level or "", len(s.flags),
             "; ".join(x.zh for x in s.ineligible)] for s in statements]
    if out.suffix == ".json":
        out.write_text(json.dumps([statement_to_json(s) for s in statements], ensure_ascii=False, indent=1),
                       encoding="utf-8")
        return
    if out.suffix == ".csv":
        with out.open("w", newline="", encoding="utf-8-sig") as fh:  # BOM: Excel opens Chinese correctly
            w = csv.writer(fh)
            w.writerow(head)
            w.writerows([[str(x) for x in r] for r in rows])
        return
    from openpyxl import Workbook

    wb = Workbook()
    sheet = wb.active
    assert sheet is not None
    sheet.title = "发放表 payout"
    sheet.append(head)
    for r in rows:
        sheet.append([float(x) if isinstance(x, Decimal) else x for x in r])
    for col in range(5, 5 + len(accounts)):
        for cell in sheet.iter_rows(min_row=2, min_col=col, max_col=col):
            cell[0].number_format = "#,##0.00"
    lines = wb.create_sheet("明细 lines")
    lines.append(["工号 agent_id", "周期 period", "规则 rule", "项目 item", "账户 account", "金额 amount",
                  "依据 reason", "reason", "数据来源 batch:row"])
    for s in statements:
        for ln in s.lines:
            lines.append([s.agent_id, ln.period, ln.rule_id, ln.label.zh, ln.account, float(ln.amount), ln.reason_zh,
                          ln.reason_en, ", ".join(ln.refs)])
    flags = wb.create_sheet("标记 flags")
    flags.append(["工号 agent_id", "周期 period", "规则 rule", "严重度 severity", "处理 action", "依据 reason"])
    for s in statements:
        for f in s.flags:
            flags.append([s.agent_id, f.period, f.rule_id, f.severity, f.action.zh + " / " + f.action.en, f.reason_zh])
    wb.save(out)
