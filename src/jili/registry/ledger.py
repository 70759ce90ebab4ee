"""Policy runs and the ledger: compute a period, store postings and statements, close, correct.

Every write is atomic and audited. A closed period refuses to run again; a correction is a
new posting in an open period that names the posting it corrects.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone as djtz

from jili.core.expr import Value
from jili.core.periods import Period, PeriodKind, period_of
from jili.core.policy import FactMetric, Policy
from jili.core.policy_head import head_to_json
from jili.core.problems import Location, Problem, Severity
from jili.core.roster import ROSTER_FIELDS, AgentRow
from jili.core.standing import standings
from jili.core.statement import LineKind, Statement, statement_to_text
from jili.io.hooks import crash_point
from jili.io.specs.policy import load_policy_text
from jili.io.specs.shapes import MAX_NUMBER  # what a person may type: the same bound as a spec file
from jili.io.workspace import Workspace
from jili.pipeline.sources import LedgerBefore, PeriodSources
from jili.registry.bulk import insert_rows
from jili.registry.facts import fact_batches
from jili.registry.models import Agent, AgentSpell, AuditEvent, PolicyRun, Posting, StatementRecord
from jili.registry.models import Period as PeriodRow
from jili.registry.models import Standing as StandingRow


@dataclass(frozen=True, slots=True)
class RunOutcome:
    ok: bool
    run_id: int | None
    statements: tuple[Statement, ...]
    problems: tuple[Problem, ...]
    replaced: int | None = None


def period_row(period: Period) -> PeriodRow:
    row, _ = PeriodRow.objects.get_or_create(
        kind=period.kind.value, start=period.start, defaults={"end": period.end, "label": period.label})
    return row


def population(period: Period) -> list[AgentRow]:
    """Agents as the roster stands on the last day of the period; agents who left before it
    started are out. Agents registered by an import without a roster count as regular."""
    last = period.end - dt.timedelta(days=1)
    spells: dict[int, dict[str, Value]] = {}
    for agent_pk, team, department, site, desk, role, status, hired, confirmed, left, wage in (
            AgentSpell.objects.filter(valid_from__lte=last).order_by("agent_id", "valid_from").values_list(
                "agent_id", "team__code", "department", "site__code", "desk", "role", "status", "hire_date",
                "confirmed_date", "leave_date", "monthly_wage")):  # rows, not model instances: 10,000 agents
        spells[agent_pk] = {  # the latest one that has started
            "team": team, "department": department or None, "site": site, "desk": desk or None, "role": role or None,
            "status": status, "hire_date": hired, "confirmed_date": confirmed, "leave_date": left,
            "monthly_wage": wage}
    with_history = set(AgentSpell.objects.values_list("agent_id", flat=True).distinct())
    rows = []
    for pk, agent_id, name in Agent.objects.order_by("agent_id").values_list("pk", "agent_id", "name"):
        spell = spells.get(pk)
        values: dict[str, Value] = {"agent_id": agent_id, "name": name}
        if spell is None:
            if pk in with_history:
                continue  # hired after this period
            values["status"] = "regular"
        else:
            leave = spell["leave_date"]
            if isinstance(leave, dt.date) and leave < period.start:
                continue
            values.update(spell)
        rows.append(AgentRow(agent_id, tuple((f, values.get(f)) for f in ROSTER_FIELDS)))
    return rows


def ledger_before(policy_id: str, period: Period) -> LedgerBefore:
    """Balances and lifetime earnings (rule postings only) from active runs and corrections before ``period``."""
    qs = Posting.objects.filter(policy_id=policy_id, period__start__lt=period.start).exclude(
        run__status=PolicyRun.Status.SUPERSEDED)
    balance = {(r["agent_id"], r["account"]): r["total"] for r in
               qs.values("agent_id", "account").annotate(total=Sum("amount"))}
    lifetime = {(r["agent_id"], r["account"]): r["total"] for r in
                qs.exclude(kind=Posting.Kind.REDEMPTION).values("agent_id", "account").annotate(total=Sum("amount"))}
    return LedgerBefore(balance, lifetime)


def period_sources(ws: Workspace, period: Period, policy_ids: Sequence[str]) -> PeriodSources:
    """What a run of ``period`` reads, as the registry holds it now."""
    return PeriodSources(period, fact_batches(ws), tuple(population(period)),
                         {pid: ledger_before(pid, period) for pid in policy_ids}, ws.timezone)


def _closed(row: PeriodRow) -> Problem:
    return Problem(
        Severity.ERROR, "period_closed", Location(row.label),
        f"Period {row.label} was closed on {row.closed_at:%Y-%m-%d} by {row.closed_by}; it cannot be run again.",
        f"周期 {row.label} 已于 {row.closed_at:%Y-%m-%d} 由 {row.closed_by} 结账，不能重算。",
        fix="Corrections go into an open period: jili correct … --period OPEN_PERIOD.",
        fix_zh="更正请记入未结账周期：jili correct … --period 未结周期。")


def do_run_policy(ws: Workspace, policy: Policy, period: Period, *, acting_user: str,
                  allow_empty: bool = False, source_text: str | None = None) -> RunOutcome:
    """Compute ``period`` and store it as the active run. ``source_text``: the policy's text when it was not read
    from its file (a re-run of a stored run)."""
    row = period_row(period)
    if row.status == PeriodRow.Status.CLOSED:
        return RunOutcome(False, None, (), (_closed(row),))
    if (policy.effective_from and period.end <= policy.effective_from) or (
            policy.effective_to and period.start > policy.effective_to):
        return RunOutcome(False, None, (), (Problem(
            Severity.ERROR, "not_in_force", Location(policy.source),
            f"Policy {policy.id} v{policy.version} is in force {policy.effective_from or '…'} to "
            f"{policy.effective_to or '…'}, not in {period.label}.",
            f"策略 {policy.id} v{policy.version} 的生效期不含 {period.label}。",
            fix="Run the version in force for that period.",
            fix_zh="请使用该周期生效的版本计算。"),))
    from jili.pipeline.period import run_period  # the engines: only a run needs them, not a reader of the ledger
    from jili.registry.evaluations import do_publish, months_of

    published = do_publish(ws, months_of(period), acting_user=acting_user)  # what evaluators saved since
    if published:
        return RunOutcome(False, None, (), tuple(published))
    result = run_period(policy, period_sources(ws, period, [policy.id]), allow_empty, ws.engine)
    statements, problems, batch_ids = result.statements, result.problems, list(result.batch_ids)
    if any(p.is_error for p in problems):
        return RunOutcome(False, None, (), problems)
    crash_point("before_post")
    now = djtz.now()
    with transaction.atomic():
        # the period row is the lock: runs, closes and corrections of one period take turns, and
        # whether it is closed is read again here, where the postings are written
        row = PeriodRow.objects.select_for_update().get(pk=row.pk)
        if row.status == PeriodRow.Status.CLOSED:
            return RunOutcome(False, None, (), (_closed(row),))
        previous = PolicyRun.objects.filter(policy_id=policy.id, period=row, status=PolicyRun.Status.ACTIVE).first()
        if previous is not None:
            previous.status = PolicyRun.Status.SUPERSEDED
            previous.save(update_fields=["status"])
        run_row = PolicyRun.objects.create(
            policy_id=policy.id, policy_version=policy.version, policy_digest=policy.digest,
            policy_source=source_text if source_text is not None else Path(policy.source).read_text(encoding="utf-8"),
            policy_head=head_to_json(policy.head()),
            period=row, batches=batch_ids,
            started_at=now, started_by=acting_user, agents=len(statements),
            problems=[p.as_json() for p in problems])
        postings = [(run_row.pk, row.pk, policy.id, line.rule_id, s.agent_id, line.account, line.amount,
                     Posting.Kind.REDEMPTION if line.kind == LineKind.REDEMPTION else Posting.Kind.RULE,
                     line.reason_en[:500], now, acting_user)
                    for s in statements for line in s.lines if line.amount != 0]
        insert_rows(Posting, ("run", "period", "policy_id", "rule_id", "agent_id", "account", "amount", "kind",
                              "note", "created_at", "created_by"), postings)
        insert_rows(StatementRecord, ("run", "agent_id", "data"),
                    ((run_row.pk, s.agent_id, statement_to_text(s)) for s in statements))
        insert_rows(StandingRow, ("run", "account", "agent_id", "name", "team", "total", "places", "place", "eligible",
                                  "level", "flags"),
                    ((run_row.pk, x.account, x.agent_id, x.name, x.team, x.total, x.places, x.place, x.eligible,
                      x.level, x.flags) for x in standings(statements, list(policy.accounts))))
        AuditEvent.objects.create(at=now, actor=acting_user, action="run", target=f"{policy.id} {period.label}",
                                  detail={"run": run_row.pk, "agents": len(statements), "postings": len(postings),
                                          "replaces": previous.pk if previous else None})
    return RunOutcome(True, run_row.pk, tuple(statements), tuple(problems), previous.pk if previous else None)


def do_close_period(period: Period, *, acting_user: str) -> Problem | None:
    row = period_row(period)
    with transaction.atomic():
        row = PeriodRow.objects.select_for_update().get(pk=row.pk)  # waits for a run of the period to finish
        if row.status == PeriodRow.Status.CLOSED:
            return Problem(Severity.ERROR, "period_closed", Location(period.label),
                           f"Period {period.label} is already closed.", f"周期 {period.label} 已结账。")
        row.status = PeriodRow.Status.CLOSED
        row.closed_at = djtz.now()
        row.closed_by = acting_user
        row.save(update_fields=["status", "closed_at", "closed_by"])
        AuditEvent.objects.create(at=row.closed_at, actor=acting_user, action="close", target=period.label, detail={})
    return None


def _places(original: Posting) -> int:
    """The decimal places the original posting's account declares, read from the policy its run used."""
    posting: Posting | None = original
    while posting is not None and posting.run_id is None:
        posting = posting.corrects
    if posting is None or posting.run is None:
        return 2
    policy, _ = load_policy_text(posting.run.policy_source, f"run {posting.run_id}")
    account = policy.accounts.get(posting.account) if policy is not None else None
    return account.places if account is not None else 2


def correction_amount(text: Decimal | str, places: int) -> Decimal | Problem:
    """An amount as a person typed it: a finite number, at most ``places`` decimals, at most 10^12."""
    def bad(en: str, zh: str) -> Problem:
        return Problem(Severity.ERROR, "bad_amount", Location(str(text)), en, zh,
                       expected=f"a number with at most {places} decimal places, e.g. 50 or -12.5",
                       expected_zh=f"最多 {places} 位小数的数，如 50 或 -12.5",
                       found=str(text), fix="Type the amount as the account keeps it.", fix_zh="请按账户精度填写金额。")

    try:
        amount = text if isinstance(text, Decimal) else Decimal(str(text).strip())
    except InvalidOperation:
        return bad(f"'{text}' is not a number.", f"'{text}' 不是数字。")
    if not amount.is_finite() or abs(amount) > MAX_NUMBER:
        return bad(f"'{text}' is not an amount the ledger can hold (at most {MAX_NUMBER:,}).",
                   f"'{text}' 超出账目可记录的金额（最多 {MAX_NUMBER:,}）。")
    if amount != amount.quantize(Decimal(1).scaleb(-places)):
        return bad(f"'{text}' has more than {places} decimal places, which this account keeps.",
                   f"'{text}' 的小数位超过该账户的 {places} 位。")
    if amount == 0:
        return bad("A correction of 0 changes nothing.", "更正金额为 0，不会改变任何结果。")
    return amount.quantize(Decimal(1).scaleb(-places))


def do_correct(posting_id: int, amount: Decimal | str, period: Period, *, acting_user: str,
               reason: str) -> Posting | Problem:
    """Post ``amount`` in the open ``period`` as a correction of posting ``posting_id`` (e.g. an appeal won)."""
    original = Posting.objects.filter(pk=posting_id).select_related("period", "run").first()
    if original is None:
        return Problem(Severity.ERROR, "no_posting", Location(str(posting_id)), f"No posting {posting_id}.",
                       f"没有记账 {posting_id}。")
    if original.run is not None and original.run.status != PolicyRun.Status.ACTIVE:
        return Problem(Severity.ERROR, "posting_superseded", Location(str(posting_id)),
                       f"Posting {posting_id} belongs to run {original.run_id}, which a later run of "
                       f"{original.period.label} replaced; it no longer counts.",
                       f"记账 {posting_id} 属于已被替代的计算批次 {original.run_id}，已不再计入。",
                       fix="Correct the posting of the active run (jili explain shows it).",
                       fix_zh="请更正当前生效计算批次中的记账（可用 jili explain 查看）。")
    if period.start < original.period.start:
        return Problem(Severity.ERROR, "correction_before_posting", Location(period.label),
                       f"Posting {posting_id} is in {original.period.label}; a correction of it cannot be in the "
                       f"earlier period {period.label}.",
                       f"记账 {posting_id} 在 {original.period.label}，其更正不能记入更早的 {period.label}。",
                       fix="Post it in the first open period from then on.", fix_zh="请记入此后第一个未结账周期。")
    if period.start > djtz.localdate():
        return Problem(Severity.ERROR, "correction_in_future", Location(period.label),
                       f"{period.label} has not begun; a correction goes into a period that has.",
                       f"{period.label} 尚未开始，更正须记入已开始的周期。")
    checked = correction_amount(amount, _places(original))
    if isinstance(checked, Problem):
        return checked
    row = period_row(period)
    with transaction.atomic():
        row = PeriodRow.objects.select_for_update().get(pk=row.pk)
        if row.status == PeriodRow.Status.CLOSED:
            return Problem(Severity.ERROR, "period_closed", Location(period.label),
                           f"Period {period.label} is closed; post the correction in an open period.",
                           f"周期 {period.label} 已结账，请在未结账周期中更正。")
        posting = Posting.objects.create(
            period=row, policy_id=original.policy_id, rule_id=original.rule_id, agent_id=original.agent_id,
            account=original.account, amount=checked, kind=Posting.Kind.CORRECTION, corrects=original,
            note=reason, created_at=djtz.now(), created_by=acting_user)
        AuditEvent.objects.create(at=posting.created_at, actor=acting_user, action="correct",
                                  target=f"posting {original.pk}",
                                  detail={"posting": posting.pk, "amount": str(checked), "reason": reason})
    return posting


def posting_of_rule(policy_id: str, period_label: str, agent_id: str, rule_id: str) -> int | Problem:
    """The one posting a rule made for an agent in a period's active run (what ``correct AGENT:RULE`` means)."""
    found = list(Posting.objects.filter(run__policy_id=policy_id, run__period__label=period_label,
                                        run__status=PolicyRun.Status.ACTIVE, agent_id=agent_id, rule_id=rule_id)
                 .order_by("id").values_list("id", "account", "amount"))
    where = Location(f"{agent_id}:{rule_id}")
    if not found:
        return Problem(Severity.ERROR, "no_posting", where,
                       f"Rule {rule_id} posted nothing for {agent_id} under {policy_id} in {period_label}.",
                       f"{period_label} {policy_id} 的规则 {rule_id} 没有为 {agent_id} 记账。",
                       fix=f"jili explain {agent_id} -p {policy_id} --period {period_label} shows each line's posting.",
                       fix_zh=f"用 jili explain {agent_id} -p {policy_id} --period {period_label} 查看各行的记账号。")
    if len(found) > 1:
        listed = ", ".join(f"#{pk} ({account} {amount.normalize():+f})" for pk, account, amount in found)
        return Problem(Severity.ERROR, "several_postings", where,
                       f"Rule {rule_id} posted {len(found)} times for {agent_id} in {period_label}: {listed}.",
                       f"{period_label} 规则 {rule_id} 为 {agent_id} 记账 {len(found)} 次：{listed}。",
                       fix="Give the posting number of the one to correct.", fix_zh="请给出要更正的记账号。")
    return int(found[0][0])


def runs_reading(fact: str, day: dt.date) -> list[PolicyRun]:
    """Active runs of periods containing ``day`` whose policy reads ``fact``: what a change to that day's
    facts (an appeal's decision) must recompute."""
    out = []
    for run_row in (PolicyRun.objects.filter(status=PolicyRun.Status.ACTIVE, period__start__lte=day, period__end__gt=day)
                    .select_related("period").order_by("id")):
        policy, _ = load_policy_text(run_row.policy_source, f"run {run_row.pk}")
        if policy is not None and fact in {m.fact for m in policy.metrics if isinstance(m, FactMetric)}:
            out.append(run_row)
    return out


def do_recompute(ws: Workspace, run_row: PolicyRun, agent_id: str, *, acting_user: str, reason: str,
                 today: dt.date | None = None) -> RunOutcome | list[Posting] | Problem:
    """Bring a run up to date with the facts as they are now, for ``agent_id``'s sake: an open period is run
    again (a new run; the whole period, as any run); a closed one is not touched — the difference of each of
    the agent's lines is posted as a correction in the open period of the same kind that contains ``today``,
    its note ``reason`` (e.g. the appeal that changed a score)."""
    policy, problems = load_policy_text(run_row.policy_source, f"run {run_row.pk}")
    if policy is None:
        return problems[0]
    row = run_row.period
    period = Period(row.start, row.end, PeriodKind(row.kind))
    if row.status == PeriodRow.Status.OPEN:
        return do_run_policy(ws, policy, period, acting_user=acting_user, allow_empty=True,
                             source_text=run_row.policy_source)
    into = period_of(today or djtz.localdate(), period.kind)
    if period_row(into).status == PeriodRow.Status.CLOSED or into.start <= period.start:
        return Problem(Severity.ERROR, "no_open_period", Location(into.label),
                       f"{period.label} is closed and there is no later open period to post its correction in.",
                       f"{period.label} 已结账，且没有其后的未结账周期可记入更正。",
                       fix="Open the current period (run it once) and decide again.",
                       fix_zh="请先计算一次当前周期，再重新处理。")
    from jili.pipeline.period import run_period

    result = run_period(policy, period_sources(ws, period, [policy.id]), allow_empty=True, engine=ws.engine)
    now_lines: dict[tuple[str, str], Decimal] = {}
    for s in result.statements:
        if s.agent_id == agent_id:
            for line in s.lines:
                key = (line.rule_id, line.account)
                now_lines[key] = now_lines.get(key, Decimal(0)) + line.amount
    stored = list(Posting.objects.filter(run=run_row, agent_id=agent_id))
    corrections = Posting.objects.filter(kind=Posting.Kind.CORRECTION, agent_id=agent_id, policy_id=policy.id,
                                         corrects__run=run_row)
    booked: dict[tuple[str, str], Decimal] = {}
    first: dict[tuple[str, str], Posting] = {}
    for p in [*stored, *corrections]:
        booked[(p.rule_id, p.account)] = booked.get((p.rule_id, p.account), Decimal(0)) + p.amount
        first.setdefault((p.rule_id, p.account), p)
    posted = []
    for key in sorted(set(now_lines) | set(booked)):
        diff = now_lines.get(key, Decimal(0)) - booked.get(key, Decimal(0))
        if diff == 0:
            continue
        account = policy.accounts.get(key[1])
        diff = account.round(diff) if account is not None else diff
        if key in first:
            made = do_correct(first[key].pk, diff, into, acting_user=acting_user, reason=reason)
            if isinstance(made, Problem):
                return made
            posted.append(made)
            continue
        with transaction.atomic():
            made = Posting.objects.create(period=period_row(into), policy_id=policy.id, rule_id=key[0], agent_id=agent_id,
                                          account=key[1], amount=diff, kind=Posting.Kind.CORRECTION, note=reason,
                                          created_at=djtz.now(), created_by=acting_user)
            AuditEvent.objects.create(at=made.created_at, actor=acting_user, action="correct",
                                      target=f"{policy.id} {period.label} {agent_id} {key[0]}",
                                      detail={"posting": made.pk, "amount": str(diff), "reason": reason})
        posted.append(made)
    return posted
