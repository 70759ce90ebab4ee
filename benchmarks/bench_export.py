"""Payout workbook speed: the month's XLSX for 1,000 / 10,000 / 30,000 agents.

Baseline in the same run: openpyxl writing the same four sheets cell for cell (how Jili wrote them
before `io.outputs.xlsx`), with the same cell types and number formats. Statements are made in memory
(seven lines each, the shape of the close benchmark's policy), so the figure is the writing alone;
`bench_close.py` times `jili export` end to end. Prints figures; passes or fails on nothing.

    .venv/bin/python benchmarks/bench_export.py [--agents 1000 10000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from jili.core.label import Label
from jili.core.policy_head import Account, PolicyHead
from jili.core.statement import Line, LineKind, Statement
from jili.io.outputs.payout import _rows, write_payout

D = Decimal


def statements(n: int) -> list[Statement]:
    out = []
    for i in range(n):
        lines = tuple(Line(f"rule_{k}", LineKind.FORMULA, "points", "performance", "2026-09", D(k * 3 + i % 7),
                           Label(f"item {k}", f"项目 {k}"), f"值 {k} → {k * 3}", f"value {k} → {k * 3}",
                           (("x", D(k)),), "x * 3", (f"b{i % 50}:{i * 7 + k}",)) for k in range(7))
        total = sum((ln.amount for ln in lines), D(0))
        out.append(Statement(f"A{i:06d}", f"坐席{i}", f"T{i % 100:03d}", "2026-09", "bench", "1", True, lines=lines,
                             totals=(("points", total), ("yuan", (total * D("2.51")).quantize(D("0.01"))))))
    return out


def openpyxl_baseline(out: Path, pol: PolicyHead, sts: Sequence[Statement]) -> None:
    """The four sheets as openpyxl writes them, cell by cell (text as text, Decimals as exact numbers)."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import Cell as SheetCell

    head, rows = _rows(pol, sts, ())
    wb = Workbook()
    sheets = [wb.active, wb.create_sheet("明细 lines"), wb.create_sheet("标记 flags"), wb.create_sheet("更正 corrections")]

    def put(sheet, values, money=range(0)):  # type: ignore[no-untyped-def]
        cells = []
        for c, v in enumerate(values):
            cell = SheetCell(sheet, value=str(v) if isinstance(v, Decimal) else v)
            cell.data_type = "n" if isinstance(v, Decimal) else "s" if isinstance(v, str) else cell.data_type
            if c in money:
                cell.number_format = "#,##0.00"
            cells.append(cell)
        sheet.append(cells)

    put(sheets[0], head)
    for r in rows:
        put(sheets[0], r, range(4, 4 + len(pol.accounts)))
    for s in sts:
        for ln in s.lines:
            put(sheets[1], [s.agent_id, ln.period, ln.rule_id, ln.label.zh, ln.account, ln.amount, ln.reason_zh,
                            ln.reason_en, ", ".join(ln.refs)])
    wb.save(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, nargs="+", default=[1000, 10000])
    args = parser.parse_args()
    accounts = {"points": Account("points", "points", 0, "half_up", Label("points", "积分")),
                "yuan": Account("yuan", "yuan", 2, "half_up", Label("yuan", "奖金"))}
    pol = PolicyHead("bench", Label("bench", "基准"), "1", "", accounts)
    print("payout workbook: jili (io.outputs.xlsx) beside openpyxl writing the same cells, same run")
    print(f"{'agents':>8} {'lines':>8} {'jili s':>8} {'openpyxl s':>11} {'ratio':>6} {'jili MB':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.agents:
            sts = statements(n)
            ours, theirs = Path(tmp) / "jili.xlsx", Path(tmp) / "openpyxl.xlsx"
            t = time.perf_counter()
            write_payout(ours, pol, sts)
            jili_s = time.perf_counter() - t
            t = time.perf_counter()
            openpyxl_baseline(theirs, pol, sts)
            base_s = time.perf_counter() - t
            lines = sum(len(s.lines) for s in sts)
            print(f"{n:>8,} {lines:>8,} {jili_s:>8.2f} {base_s:>11.2f} {base_s / jili_s:>5.1f}× "
                  f"{ours.stat().st_size / 1e6:>8.1f}")


if __name__ == "__main__":
    main()
