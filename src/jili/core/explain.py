"""Render a statement as text, in Chinese or English: the same object the web page shows."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from jili.core.statement import Line, Statement

UNITS_ZH = {"yuan": "元", "points": "分", "point": "分"}  # a policy's units as a Chinese statement says them


def render(s: Statement, lang: str = "zh", units: dict[str, str] | None = None,
           postings: tuple[int | None, ...] = ()) -> str:
    """The statement as text; with ``postings`` (each line's ledger posting, aligned with the lines),
    each amount names its posting, which is what a correction refers to."""
    zh = lang.startswith("zh")
    posting_of = {id(line): p for line, p in zip(s.lines, postings, strict=False)}
    units = {a: UNITS_ZH.get(u, u) if zh else u for a, u in (units or {}).items()}
    out = []
    title = (f"{s.agent_id} {s.name} · {s.period} · {s.policy_id} v{s.policy_version}"
             + (f" · {'班组' if zh else 'team'} {s.team}" if s.team else ""))
    out.append(title)
    out.append("=" * min(78, len(title) + 8))
    if not s.eligible:
        out.append("不参加本期计算：" if zh else "Not eligible this period:")
        out.extend(f"  - {x.zh if zh else x.en}" for x in s.ineligible)
        return "\n".join(out) + "\n"
    by_period: dict[str, list[Line]] = defaultdict(list)
    for line in s.lines:
        by_period[line.period].append(line)
    for period in sorted(by_period, key=lambda p: (p != s.period, p)):
        if period != s.period:
            out.append(f"[{period}]")
        for line in by_period[period]:
            unit = units.get(line.account, line.account)
            amount = f"{line.amount:+,}" if line.amount else "0"
            posting = posting_of.get(id(line))
            tag = f"  {'记账' if zh else 'posting'} #{posting}" if posting is not None else ""
            out.append(f"  {line.label.zh if zh else line.label.en:<28} {amount:>12} {unit}{tag}")
            out.append(f"      {line.reason_zh if zh else line.reason_en}")
            if line.refs:
                out.append(("      依据：批次:行 " if zh else "      from batch:row ") + ", ".join(line.refs[:8])
                           + ("…" if len(line.refs) > 8 else ""))
    if s.ranks:
        out.append("名次：" if zh else "Ranks:")
        for r in s.ranks:
            if r.period == s.period:
                out.append(f"  {r.rule_id}: {r.metric} {'第' if zh else '#'}{r.place}/{r.of}" + ("名" if zh else ""))
        subs = [r for r in s.ranks if r.period != s.period and r.place == 1]
        if subs:
            out.append(("  第一名的子周期：" if zh else "  first place in: ") + ", ".join(f"{r.period} ({r.metric})"
                                                                               for r in subs))
    if s.flags:
        out.append("需处理：" if zh else "To act on:")
        for f in s.flags:
            out.append(f"  [{f.severity}] {f.action.zh if zh else f.action.en} — {f.reason_zh if zh else f.reason_en}")
    out.append("合计：" if zh else "Totals:")
    for account, total in s.totals:
        out.append(f"  {account:<12} {total:>12,} {units.get(account, '')}")
    if s.balances and any(v != Decimal(0) for _, v in s.balances):
        out.append(("余额：" if zh else "Balances: ") + ", ".join(f"{a} {v:,}" for a, v in s.balances))
    if s.level:
        out.append(("等级：" if zh else "Level: ") + s.level)
    for note in s.notes:
        out.append(("注：" if zh else "Note: ") + (note.zh if zh else note.en))
    return "\n".join(out) + "\n"
