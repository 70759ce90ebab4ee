"""The month's outputs for payroll and scripts: the payout workbook (payout, lines, flags,
corrections), CSV and JSON.

Numbers leave exactly as the ledger keeps them (a Decimal at its account's places, never a
float), and text never becomes a formula: XLSX text cells are inline strings (``io.outputs.xlsx``
streams them), and a CSV text cell that starts with = + - @ (or a tab or carriage return) is
prefixed with ' (OWASP)."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from jili.core.policy_head import PolicyHead
from jili.core.statement import Correction, Statement, statement_to_json

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
Cell = str | int | Decimal


def csv_text(value: Cell) -> str:
    """A cell for a CSV file: numbers as they are, text that a spreadsheet would run defused."""
    if isinstance(value, Decimal | int):
        return str(value)
    return "'" + value if value.startswith(FORMULA_START) else value


def _rows(pol: PolicyHead, statements: Sequence[Statement], corrections: Sequence[Correction]) -> tuple[list[str],
                                                                                                   list[list[Cell]]]:
    accounts = list(pol.accounts)
    corrected: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    count: dict[str, int] = defaultdict(int)
    for c in corrections:
        corrected[(c.agent_id, c.account)] += c.amount
        count[c.agent_id] += 1
    head = ["工号 agent_id", "姓名 name", "班组 team", "参加 eligible",
            *[f"{pol.accounts[a].label.zh} {a} ({pol.accounts[a].unit})" for a in accounts],
            "等级 level", "标记 flags", "更正 corrections", "不参加原因 reason"]
    rows: list[list[Cell]] = [
        [s.agent_id, s.name, s.team, "是 yes" if s.eligible else "否 no",
         *[pol.accounts[a].round(s.total(a) + corrected[(s.agent_id, a)]) for a in accounts], s.level or "",
         len(s.flags), count[s.agent_id], "; ".join(x.zh for x in s.ineligible)] for s in statements]
    seen = {s.agent_id for s in statements}
    for agent in sorted({c.agent_id for c in corrections} - seen):  # corrected, with no statement this period
        rows.append([agent, "", "", "否 no", *[pol.accounts[a].round(corrected[(agent, a)]) for a in accounts], "", 0,
                     count[agent], ""])
    return head, rows


def write_payout(out: Path, pol: PolicyHead, statements: Sequence[Statement],
                 corrections: Sequence[Correction] = ()) -> None:
    head, rows = _rows(pol, statements, corrections)
    if out.suffix == ".json":
        out.write_text(json.dumps({"statements": [statement_to_json(s) for s in statements],
                                   "corrections": [_correction_json(c) for c in corrections]},
                                  ensure_ascii=False, indent=1), encoding="utf-8")
        return
    if out.suffix == ".csv":
        with out.open("w", newline="", encoding="utf-8-sig") as fh:  # BOM: Excel opens Chinese correctly
            w = csv.writer(fh)
            w.writerow(head)
            w.writerows([[csv_text(x) for x in r] for r in rows])
        return
    _workbook(out, pol, head, rows, statements, corrections)


def _correction_json(c: Correction) -> dict[str, Any]:
    return {"posting": c.posting, "corrects": c.corrects, "corrects_period": c.corrects_period, "agent_id": c.agent_id,
            "account": c.account, "amount": str(c.amount), "period": c.period, "reason": c.reason, "by": c.by}


def _workbook(out: Path, pol: PolicyHead, head: list[str], rows: list[list[Cell]], statements: Sequence[Statement],
              corrections: Sequence[Correction]) -> None:
    from jili.io.outputs.xlsx import MONEY, Sheet, write_xlsx

    write_xlsx(out, [
        Sheet("发放表 payout", head, rows, dict.fromkeys(range(4, 4 + len(pol.accounts)), MONEY)),
        Sheet("明细 lines", ["工号 agent_id", "周期 period", "规则 rule", "项目 item", "账户 account", "金额 amount",
                            "依据 reason", "reason", "数据来源 batch:row"],
              ([s.agent_id, ln.period, ln.rule_id, ln.label.zh, ln.account, ln.amount, ln.reason_zh, ln.reason_en,
                ", ".join(ln.refs)] for s in statements for ln in s.lines)),
        Sheet("标记 flags", ["工号 agent_id", "周期 period", "规则 rule", "严重度 severity", "处理 action", "依据 reason"],
              ([s.agent_id, f.period, f.rule_id, f.severity, f.action.zh + " / " + f.action.en, f.reason_zh]
               for s in statements for f in s.flags)),
        Sheet("更正 corrections", ["工号 agent_id", "记账 posting", "更正记账 corrects", "原周期 of period", "账户 account",
                                  "金额 amount", "原因 reason", "操作人 by"],
              ([c.agent_id, c.posting, c.corrects, c.corrects_period, c.account, c.amount, c.reason, c.by]
               for c in corrections)),
    ])
