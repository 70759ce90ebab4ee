"""Load a policy file (YAML): check everything, report every problem with file:line at once.

Three steps, each with its own home: the YAML is read with the line of every key
(``yamlfile``); each mapping's shape (fields, types, bounds) is checked by its model below
(``shapes``); then what it means (names, expressions, accounts, bands, cycles) is checked here
and the engine's records are built. See docs/policy-reference.md for the language."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field

from jili.core import expr as ex
from jili.core.facts import FORMATS
from jili.core.label import Label
from jili.core.periods import ORDER, PeriodKind
from jili.core.policy import (
    PERIOD_FIELDS,
    Agg,
    Cap,
    DerivedMetric,
    Eligibility,
    FactMetric,
    Level_,
    Levels,
    Metric,
    Policy,
    PreviousMetric,
    RankMetric,
    Redemption,
    Rule,
    StatementScopeMetric,
)
from jili.core.policy_head import ROUNDING_MODES, Account
from jili.core.problems import Location, Problem, Severity, suggest
from jili.core.roster import ROSTER_FIELDS, Level
from jili.core.rules.bands import Band, BandsRule
from jili.core.rules.base import RuleHead
from jili.core.rules.flag import FlagRule
from jili.core.rules.formula import FormulaRule
from jili.core.rules.per_event import Multiplier, PerEventRule
from jili.core.rules.ranking import RankingRule, TieRule
from jili.core.rules.streak import StreakRule
from jili.core.rules.tiers import Tier, TiersRule
from jili.io.specs.shapes import Items, Keys, Number, Shape, Table, Text, check, effective_dates, shown, whole
from jili.io.specs.yamlfile import SpecKind, YamlDocument, bilingual, load_yaml_mapping, parse_yaml_mapping

_KIND_ZH = {"text": "文本", "date": "日期", "bool": "是/否"}
MAX_LOOKBACK = 120  # periods a streak or a previous-period metric may reach back
MAX_PLACES = 8  # decimal places of an account
MAX_RULES = 2000  # rules in one policy
NAME = re.compile(r"[^\W\d]\w{0,62}")  # a metric name: it is an identifier in expressions and in SQL
POLICY_FILE = SpecKind("bad_policy", "policy", "策略",
                       "Start from a template: jili templates list.",
                       "可从模板开始：jili templates list。")
S = TypeVar("S", bound=Shape)
Lookback = Annotated[int, whole(1, MAX_LOOKBACK)]


# --- shapes: what each mapping of a policy may hold -------------------------------------

class PolicyShape(Shape):
    policy: Text
    name: Any = None
    version: Text = "1"
    effective: Table = {}
    period: Text = "month"
    timezone: Text = "Asia/Shanghai"
    accounts: Table
    eligibility: Items = []
    metrics: Table = {}
    rules: Annotated[Items, Field(max_length=MAX_RULES)]
    caps: Table = {}
    redemption: Any = None
    levels: Any = None
    description: Any = None
    notes: Any = None


class AccountShape(Shape):
    unit: Text = "points"
    places: Annotated[int, whole(0, MAX_PLACES)] | None = None
    rounding: Text = "half_up"
    label: Any = None


class EligibilityShape(Shape):
    id: Text | None = None
    when: Any
    reason: Any = None


class FactMetricShape(Shape):
    fact: Text
    agg: Text = "count"
    column: Any = None
    where: Any = None
    time: Text | None = None
    level: Text = "agent"
    percentile: Number | None = None
    label: Any = None


class PreviousShape(Shape):
    previous: Text
    back: Lookback = 1


class ScopeShape(Shape):
    of: Text
    over: Text = "statement"


class RankShape(Shape):
    rank: Text
    order: Text = "desc"
    within: Text = "all"


class RuleShape(Shape):
    """The fields every rule kind takes."""

    id: Text
    kind: Text
    account: Text | None = None
    category: Text | None = None
    label: Any = None
    when: Any = None
    period: Text | None = None
    note: Any = None


class FormulaShape(RuleShape):
    amount: Any


class TiersShape(RuleShape):
    tiers: Items


class TierShape(Shape):
    label: Any = None
    when: Any = None
    amount: Any


class BandsShape(RuleShape):
    value: Any
    bands: Items = []


class BandShape(Shape):
    label: Any = None
    above: Number | None = None
    from_: Number | None = Field(default=None, alias="from")
    below: Number | None = None
    to: Number | None = None
    amount: Any


class PerEventShape(RuleShape):
    fact: Text
    where: Any = None
    amount: Number
    multipliers: Items = []
    time: Text | None = None


class MultiplierShape(Shape):
    when: Any
    factor: Number


class _RankedShape(RuleShape):
    value: Text | None = None
    order: Text = "desc"
    within: Text = "all"
    eligible: Any = None
    ties: Text = "shared"
    tie_break: Text | None = None
    include_zero: bool = False


class RankingShape(_RankedShape):
    also: Text | None = None
    amounts: Items = []
    amounts_both: Items = []
    top_percent: Number | None = None
    bottom_percent: Number | None = None
    amount: Number | None = None
    others: Number | None = None
    others_when: Any = None


class AwardShape(_RankedShape):
    winners: Annotated[int, whole(1, 1000)] = 1
    amount: Number


class StreakShape(RuleShape):
    condition: Any
    length: Lookback = 2
    amount: Any = None
    severity: Text = "normal"
    action: Any = None
    each: Text | None = None  # quarter: only the months of one calendar quarter count, held at its last month


class FlagShape(RuleShape):
    severity: Text = "normal"
    action: Any = None


class CapShape(Shape):
    max: Number | None = None
    min: Number | None = None
    account: Text | None = None


class RedemptionShape(Shape):
    account: Text
    to: Text
    share: Number = Decimal(1)
    rate: Any = 1
    every: Text = "month"


class LevelsShape(Shape):
    account: Text
    basis: Text = "lifetime"
    thresholds: Table = {}


# --- the loader --------------------------------------------------------------------------

class _Loader:
    def __init__(self, doc: YamlDocument) -> None:
        self.doc = doc
        self.problems: list[Problem] = []

    def loc(self, keys: Keys) -> Location:
        return self.doc.location(keys)

    def error(self, keys: Keys, code: str, en: str, zh: str, fix: str = "", found: str = "", fix_zh: str = "") -> None:
        self.problems.append(Problem(Severity.ERROR, code, self.loc(keys), en, zh, fix=fix, fix_zh=fix_zh, found=found))

    def shape(self, model: type[S], raw: Any, keys: Keys) -> S | None:
        return check(self.doc, model, raw, keys, self.problems)

    def number(self, value: Any, keys: Keys) -> Decimal | None:
        """One number of a list (amounts by place); anything else is a problem here."""
        found = self.shape(_OneNumber, {"n": value}, keys)
        return found.n if found is not None else None

    def label(self, value: Any, default: str) -> Label:
        return Label(*bilingual(value, default))

    def expression(self, text: Any, known: dict[str, str], keys: Keys, what: str = "expression",
                   columns_of: str | None = None) -> ex.Expr | None:
        if isinstance(text, bool):
            text = "true" if text else "false"
        if isinstance(text, dict | list):
            self.error(keys, "not_text", f"Expected a {what} as text, found {shown(text)}.",
                       f"{what}应为文字，实际为 {shown(text)}。")
            return None
        e, problems = ex.parse(text if text is not None else "", known, self.loc(keys), what, columns_of)
        self.problems.extend(problems)
        return e

    def period_kind(self, value: Any, keys: Keys) -> PeriodKind | None:
        try:
            return PeriodKind(str(value))
        except ValueError:
            self.error(keys, "bad_period", f"Unknown period '{value}'.", f"未知周期 '{value}'。",
                       fix="Use day, week, month, quarter or year.", fix_zh="可选 day、week、month、quarter、year。")
            return None

    def level(self, value: str, keys: Keys) -> Level:
        try:
            return Level(value)
        except ValueError:
            self.error(keys, "bad_level", f"Unknown level '{value}'.", f"未知层级 '{value}'。",
                       fix="Use agent, team, department, site or all.", fix_zh="可选 agent、team、department、site、all。")
            return Level.AGENT


class _OneNumber(Shape):
    n: Number


def load_policy(path: Path) -> tuple[Policy | None, list[Problem]]:
    doc, problems = load_yaml_mapping(path, POLICY_FILE)
    if doc is None:
        return None, problems
    return _load(doc, str(path), hashlib.sha256(path.read_bytes()).hexdigest())


def load_policy_text(text: str, source: str) -> tuple[Policy | None, list[Problem]]:
    """A policy from its text (as a run stored it), named ``source`` in problems."""
    doc, problems = parse_yaml_mapping(text, source, POLICY_FILE)
    if doc is None:
        return None, problems
    return _load(doc, source, hashlib.sha256(text.encode()).hexdigest())


def _load(doc: YamlDocument, source: str, digest: str) -> tuple[Policy | None, list[Problem]]:
    L = _Loader(doc)
    top = L.shape(PolicyShape, doc.data, ())
    if top is None:
        return None, L.problems
    eff_from, eff_to = effective_dates(doc, top.effective, L.problems)
    period = L.period_kind(top.period, ("period",)) or PeriodKind.MONTH
    try:
        ZoneInfo(top.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        L.error(("timezone",), "bad_timezone", f"Unknown timezone '{top.timezone}'.", f"未知时区 '{top.timezone}'。",
                fix="Use an IANA name such as Asia/Shanghai.", fix_zh="请使用 IANA 时区名，例如 Asia/Shanghai。")
    accounts = _accounts(L, top.accounts)
    metric_names = [str(k) for k in top.metrics]
    for bad in [m for m in metric_names if not NAME.fullmatch(m)]:
        L.error(("metrics", bad), "bad_name", f"'{bad[:60]}' cannot be a metric name: a name is letters, digits and _, "
                "starts with a letter or _, and is at most 63 characters long.",
                f"'{bad[:60]}' 不能作为指标名：名称由字母、数字和下划线组成，以字母或下划线开头，最长 63 个字符。",
                fix="e.g. answered_calls, qa_avg, 接通量", fix_zh="例如 answered_calls、qa_avg、接通量")
    base_known = {**ROSTER_FIELDS, **PERIOD_FIELDS}
    for clash in set(metric_names) & set(base_known):
        L.error(("metrics", clash), "name_clash", f"Metric '{clash}' has the name of a roster or period field.",
                f"指标 '{clash}' 与花名册或周期字段重名。", fix="Rename the metric.", fix_zh="请给指标改名。")
    known = {**base_known, **{m: "metric" for m in metric_names}}
    metrics = _metrics(L, top.metrics, known)
    eligibility = _eligibility(L, top.eligibility, known)
    rules: list[Rule] = []
    for i, item in enumerate(top.rules):
        rule = _rule(L, item, ("rules", i), _Names(known, metric_names), accounts, period)
        if rule is not None:
            rules.append(rule)
    L.problems.extend(duplicate_rule_ids(L, top.rules))
    caps = _caps(L, top.caps, rules)
    redemption = _redemption(L, top.redemption, accounts, known)
    levels = _levels(L, top.levels, accounts)
    if L.problems:
        return None, L.problems
    return Policy(
        id=top.policy, name=L.label(top.name, top.policy), version=top.version, effective_from=eff_from,
        effective_to=eff_to, period=period, timezone=top.timezone, accounts=accounts, eligibility=tuple(eligibility),
        metrics=tuple(metrics), rules=tuple(rules), caps=tuple(caps), redemption=redemption, levels=levels,
        source=source, digest=digest,
    ), []


def _accounts(L: _Loader, raw: dict[Any, Any]) -> dict[str, Account]:
    accounts: dict[str, Account] = {}
    for aname, raw_spec in raw.items():
        keys: Keys = ("accounts", aname)
        spec = L.shape(AccountShape, raw_spec if raw_spec is not None else {}, keys)
        if spec is None:  # said already; the name still counts as declared, so rules posting to it say nothing more
            accounts[str(aname)] = Account(str(aname), "points", 0, "half_up", Label(str(aname), str(aname)))
            continue
        rounding = spec.rounding
        if rounding not in ROUNDING_MODES:
            L.error((*keys, "rounding"), "bad_rounding", f"Unknown rounding '{rounding}'.", f"未知舍入方式 '{rounding}'。",
                    fix=f"Use one of: {', '.join(ROUNDING_MODES)}.", fix_zh=f"可选：{'、'.join(ROUNDING_MODES)}。")
            rounding = "half_up"
        places = spec.places if spec.places is not None else (2 if spec.unit in ("yuan", "元", "CNY") else 0)
        accounts[str(aname)] = Account(str(aname), spec.unit, places, rounding, L.label(spec.label, str(aname)))
    return accounts


def _eligibility(L: _Loader, raw: list[Any], known: dict[str, str]) -> list[Eligibility]:
    out: list[Eligibility] = []
    for i, item in enumerate(raw):
        keys: Keys = ("eligibility", i)
        spec = L.shape(EligibilityShape, item, keys)
        if spec is None:
            continue
        e = L.expression(spec.when, known, (*keys, "when"), "eligibility condition")
        if e is not None:
            out.append(Eligibility(spec.id or f"eligibility_{i + 1}", e, L.label(spec.reason, spec.id or "not eligible")))
    return out


def _metrics(L: _Loader, raw: dict[Any, Any], known: dict[str, str]) -> list[Metric]:
    out: dict[str, Metric] = {}
    deps: dict[str, tuple[str, ...]] = {}
    for mname, spec in raw.items():
        name = str(mname)
        keys: Keys = ("metrics", name)
        if isinstance(spec, str | int | float) and not isinstance(spec, bool):
            e = L.expression(spec, known, keys, f"metric '{name}'")
            if e is not None:
                out[name] = DerivedMetric(name, e)
                deps[name] = e.names
            continue
        if not isinstance(spec, dict):
            L.error(keys, "bad_metric", f"Metric '{name}' must be a formula or a mapping.", f"指标 '{name}' 格式不正确。",
                    fix="e.g. {fact: interactions, agg: count} or \"a / b\"",
                    fix_zh="例如 {fact: interactions, agg: count} 或 \"a / b\"")
            continue
        if "previous" in spec:
            prev = L.shape(PreviousShape, spec, keys)
            if prev is None:
                continue
            if not _names_metric(L, raw, keys, "previous", prev.previous):
                continue
            out[name] = PreviousMetric(name, prev.previous, prev.back)
            deps[name] = ()
            continue
        if "of" in spec:
            scope = L.shape(ScopeShape, spec, keys)
            if scope is None:
                continue
            if not _names_metric(L, raw, keys, "of", scope.of):
                continue
            if scope.over != "statement":
                L.error((*keys, "over"), "bad_scope",
                        f"'over: {scope.over}' is not a scope; the one there is is 'statement' (the policy's own period).",
                        f"over: {scope.over} 不是有效范围，只能是 statement（策略本身的结算周期）。", fix="over: statement",
                                                                                                      fix_zh="over: statement")
                continue
            out[name] = StatementScopeMetric(name, scope.of)
            deps[name] = (scope.of,)
            continue
        if "rank" in spec:
            rank = L.shape(RankShape, spec, keys)
            if rank is None:
                continue
            if not _names_metric(L, raw, keys, "rank", rank.rank):
                continue
            out[name] = RankMetric(name, rank.rank, rank.order != "asc", L.level(rank.within, (*keys, "within")))
            deps[name] = (rank.rank,)
            continue
        metric = _fact_metric(L, name, spec, keys)
        if metric is not None:
            out[name] = metric
            deps[name] = ()
    return _ordered(L, out, deps)


def _names_metric(L: _Loader, raw: dict[Any, Any], keys: Keys, key: str, value: str) -> bool:
    """Whether a metric's ``key`` (previous, rank, of) names another metric of the policy; if not, says so."""
    if value in raw:
        return True
    L.error((*keys, key), "unknown_name", f"'{key}' names unknown metric '{value}'.", f"{key} 指向未知指标 '{value}'。")
    return False


def _fact_metric(L: _Loader, name: str, raw: dict[str, Any], keys: Keys) -> FactMetric | None:
    spec = L.shape(FactMetricShape, raw, keys)
    if spec is None:
        return None
    fact = spec.fact
    if fact not in FORMATS:
        en, zh = suggest(fact, FORMATS)
        L.error((*keys, "fact"), "unknown_fact", f"Unknown fact '{fact}'.{en}", f"未知数据 '{fact}'。{zh}",
                fix=f"Facts: {', '.join(FORMATS)}.", fix_zh=f"可用数据：{'、'.join(FORMATS)}。")
        return None
    fmt = FORMATS[fact]
    columns = {c.name: c.type.value for c in fmt.columns}
    try:
        agg = Agg(spec.agg)
    except ValueError:
        L.error((*keys, "agg"), "bad_agg", f"Unknown aggregate '{spec.agg}'.", f"未知聚合 '{spec.agg}'。",
                fix=f"Use one of: {', '.join(a.value for a in Agg)}.", fix_zh=f"可选：{'、'.join(a.value for a in Agg)}。")
        return None
    column = None
    if spec.column is not None:
        column = L.expression(spec.column, columns, (*keys, "column"), f"column of metric '{name}'", fact)
        kind = ex.kind_of(column.node, columns) if column is not None else None
        if agg not in (Agg.COUNT, Agg.DISTINCT) and kind not in (None, "number"):
            L.error((*keys, "column"), "type_mismatch", f"{agg.value}({spec.column}) needs numbers; "
                    f"'{spec.column}' of {fact} holds {kind}.", f"{agg.value}({spec.column}) 需要数值，"
                    f"而 {fact} 的 '{spec.column}' 是{_KIND_ZH.get(kind, kind)}。",
                    fix="Count it (agg: count or distinct), or aggregate a number column.",
                    fix_zh="请改为计数（agg: count 或 distinct），或对数值列做聚合。")
    elif agg != Agg.COUNT:
        L.error(keys, "missing_field", f"Metric '{name}' ({agg.value}) needs 'column'.", f"指标 '{name}' 需要 column。",
                fix=f"e.g. column: {fmt.columns[-1].name}", fix_zh=f"例如 column: {fmt.columns[-1].name}")
    where = (L.expression(spec.where, columns, (*keys, "where"), f"filter of metric '{name}'", fact)
             if spec.where else None)
    time_col = spec.time or fmt.time_column or ""
    if time_col not in fmt.time_columns:
        L.error((*keys, "time"), "bad_time_column", f"'{time_col}' is not a time column of {fact}.",
                f"'{time_col}' 不是 {fact} 的时间列。", fix=f"Columns: {', '.join(fmt.time_columns)}.",
                                                 fix_zh=f"可用的时间列：{'、'.join(fmt.time_columns)}。")
        return None
    pct = spec.percentile
    if agg == Agg.PERCENTILE and (pct is None or not 0 <= pct <= 1):
        L.error((*keys, "percentile"), "missing_field", f"Metric '{name}' needs 'percentile' from 0 to 1.",
                f"指标 '{name}' 需要 0 到 1 之间的 percentile。")
    return FactMetric(name, fact, agg, column, where, time_col, L.level(spec.level, (*keys, "level")), pct,
                      text=f"{agg.value}({spec.column if spec.column is not None else '*'}) of {fact}"
                      + (f" where {spec.where}" if spec.where else ""))


def _ordered(L: _Loader, metrics: dict[str, Metric], deps: dict[str, tuple[str, ...]]) -> list[Metric]:
    """Dependency order; a cycle among derived metrics is an error."""
    done: list[str] = []
    state: dict[str, int] = {}

    def visit(name: str, path: list[str]) -> None:
        if state.get(name) == 2 or name not in metrics:
            return
        if state.get(name) == 1:
            cycle = [*path[path.index(name):], name]
            L.error(("metrics", name), "metric_cycle", f"Metrics depend on each other in a circle: {' → '.join(cycle)}.",
                    f"指标循环依赖：{' → '.join(cycle)}。", fix="Break the circle: one of them must be computed from facts.",
                    fix_zh="请打破循环：其中一个指标须直接由数据计算。")
            return
        state[name] = 1
        for dep in deps.get(name, ()):
            visit(dep, [*path, name])
        state[name] = 2
        done.append(name)

    for name in metrics:
        visit(name, [])
    return [metrics[n] for n in done]


# --- rules: a spec per kind ---------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Names:
    known: dict[str, str]  # roster, period and metric names with their kinds
    metrics: list[str]


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """How one rule kind is written in a policy: its shape, and how a checked record is built from it
    (the record, with its ``apply``, is one module of ``jili.core.rules``)."""

    shape: type[RuleShape]
    build: Callable[[_Loader, Any, Keys, RuleHead, _Names], Rule | None]
    needs_account: Callable[[Any], bool] = lambda spec: True


def _formula(L: _Loader, spec: FormulaShape, keys: Keys, head: RuleHead, names: _Names) -> Rule | None:
    amount = L.expression(spec.amount, names.known, (*keys, "amount"), "amount")
    return FormulaRule(head, amount) if amount else None


def _tiers(L: _Loader, spec: TiersShape, keys: Keys, head: RuleHead, names: _Names) -> Rule | None:
    tiers: list[Tier] = []
    for j, raw in enumerate(spec.tiers):
        tk = (*keys, "tiers", j)
        t = L.shape(TierShape, raw, tk)
        if t is None:
            continue
        amount = L.expression(t.amount, names.known, (*tk, "amount"), "amount")
        cond = L.expression(t.when, names.known, (*tk, "when"), "tier condition") if t.when is not None else None
        if t.when is None and j < len(spec.tiers) - 1:
            L.error(tk, "unreachable_tier", f"Tier {j + 1} of '{head.id}' has no condition, so the tiers after it "
                    "can never fire.", f"'{head.id}' 的第 {j + 1} 档没有条件，其后各档永远不会生效。",
                    fix="Give it a 'when', or move it last (it is the 'otherwise' tier).",
                fix_zh="请给它加上 when，或把它移到最后（作为“其余”档）。")
        if amount is not None:
            tiers.append(Tier(L.label(t.label, f"tier {j + 1}"), cond, amount))
    return TiersRule(head, tuple(tiers))


def _bands_rule(L: _Loader, spec: BandsShape, keys: Keys, head: RuleHead, names: _Names) -> Rule | None:
    value = L.expression(spec.value, names.known, (*keys, "value"), "band value")
    bands = _bands(L, spec.bands, (*keys, "bands"), names.known, head.id)
    return BandsRule(head, value, tuple(bands)) if value else None


def _per_event(L: _Loader, spec: PerEventShape, keys: Keys, head: RuleHead, names: _Names) -> Rule | None:
    fact = spec.fact
    if fact not in FORMATS:
        en, zh = suggest(fact, FORMATS)
        L.error((*keys, "fact"), "unknown_fact", f"Unknown fact '{fact}'.{en}", f"未知数据 '{fact}'。{zh}")
        return None
    fmt = FORMATS[fact]
    columns = {c.name: c.type.value for c in fmt.columns}
    where_text = str(spec.where) if spec.where is not None else ""
    we = L.expression(spec.where, columns, (*keys, "where"), "event filter", fact) if where_text else None
    mults: list[Multiplier] = []
    for j, raw in enumerate(spec.multipliers):
        mk = (*keys, "multipliers", j)
        m = L.shape(MultiplierShape, raw, mk)
        if m is None:
            continue
        me = L.expression(m.when, columns, (*mk, "when"), "multiplier condition")
        if me is not None:
            mults.append(Multiplier(me, m.factor))
    time_col = spec.time or fmt.time_column or ""
    if time_col not in fmt.time_columns:
        L.error((*keys, "time"), "bad_time_column", f"'{time_col}' is not a time column of {fact}.",
                f"'{time_col}' 不是 {fact} 的时间列。", fix=f"Columns: {', '.join(fmt.time_columns)}.",
                                                 fix_zh=f"可用的时间列：{'、'.join(fmt.time_columns)}。")
        return None
    return PerEventRule(head, fact, we, where_text, spec.amount, tuple(mults), time_col)


def _ranking_rule(L: _Loader, spec: RankingShape | AwardShape, keys: Keys, head: RuleHead,
                  names: _Names) -> Rule | None:
    def metric_ref(key: str, name: str | None) -> str | None:
        if name is None:
            return None
        if name not in names.metrics:
            en, zh = suggest(name, names.metrics)
            L.error((*keys, key), "unknown_name", f"Unknown metric '{name}'.{en}", f"未知指标 '{name}'。{zh}",
                    fix="Rank by a metric defined under metrics:.", fix_zh="请按 metrics 下定义的指标排名。")
            return None
        return name

    value = metric_ref("value", spec.value)
    if spec.value is None:
        L.error(keys, "missing_field", f"Ranking '{head.id}' needs 'value' (the metric ranked).",
                f"排名 '{head.id}' 需要 value（排名所依据的指标）。")
    try:
        ties = TieRule(spec.ties)
    except ValueError:
        L.error((*keys, "ties"), "bad_ties", f"Unknown tie rule '{spec.ties}'.", f"未知并列规则 '{spec.ties}'。",
                fix="Use shared, split or break (with tie_break: METRIC).",
                fix_zh="可选 shared、split 或 break（配合 tie_break: 指标）。")
        ties = TieRule.SHARED
    tie_break = metric_ref("tie_break", spec.tie_break)
    if ties == TieRule.BREAK and tie_break is None:
        L.error(keys, "missing_field", "ties: break needs tie_break: METRIC.", "ties: break 需要 tie_break。")
    eligible = L.expression(spec.eligible, names.known, (*keys, "eligible"), "eligibility") if spec.eligible else None
    also = others = others_when = top = bottom = share = None
    if isinstance(spec, AwardShape):
        amounts: tuple[Decimal, ...] = (spec.amount,) * spec.winners
        both: tuple[Decimal, ...] = ()
    else:
        def numbers(key: str, raw: list[Any]) -> tuple[Decimal, ...]:
            return tuple(n for j, x in enumerate(raw) if (n := L.number(x, (*keys, key, j))) is not None)

        amounts, both = numbers("amounts", spec.amounts), numbers("amounts_both", spec.amounts_both)
        for key, pct in (("top_percent", spec.top_percent), ("bottom_percent", spec.bottom_percent)):
            if pct is not None and not 0 < pct <= 100:
                L.error((*keys, key), "bad_percent", f"'{key}' is a share of the agents ranked: above 0, at most 100.",
                        f"'{key}' 为参与排名人数的百分比：大于 0，最多 100。")
        top, bottom, share = spec.top_percent, spec.bottom_percent, spec.amount
        if not amounts and top is None and bottom is None:
            L.error(keys, "missing_field", f"Ranking '{head.id}' needs amounts (by place) or top_percent/bottom_percent.",
                    f"排名 '{head.id}' 需要 amounts 或 top_percent/bottom_percent。")
        also = metric_ref("also", spec.also)
        others = spec.others
        others_when = (L.expression(spec.others_when, names.known, (*keys, "others_when"), "condition")
                       if spec.others_when is not None else None)
    if value is None:
        return None
    return RankingRule(head, value, also, spec.order != "asc", L.level(spec.within, (*keys, "within")), amounts, both,
                       top, bottom, share, eligible, ties, tie_break, others, others_when, spec.include_zero)


def _streak(L: _Loader, spec: StreakShape, keys: Keys, head: RuleHead, names: _Names) -> Rule | None:
    cond = L.expression(spec.condition, names.known, (*keys, "condition"), "streak condition")
    amount = L.expression(spec.amount, names.known, (*keys, "amount"), "amount") if spec.amount is not None else None
    if spec.amount is None and spec.action is None:
        L.error(keys, "missing_field", f"Streak '{head.id}' needs an amount or an action.",
                f"连续规则 '{head.id}' 需要 amount 或 action。")
    each = L.period_kind(spec.each, (*keys, "each")) if spec.each is not None else None
    return StreakRule(head, cond, spec.length, amount, spec.severity,
                      L.label(spec.action, head.id) if spec.action is not None else None, each) if cond else None


def _flag(L: _Loader, spec: FlagShape, keys: Keys, head: RuleHead, names: _Names) -> Rule | None:
    if head.when is None:
        if spec.when is None:
            L.error(keys, "missing_field", f"Flag '{head.id}' needs 'when'.", f"标记 '{head.id}' 需要 when。")
        return None
    return FlagRule(head, spec.severity, L.label(spec.action, head.id))


RULE_SPECS: dict[str, RuleSpec] = {
    "formula": RuleSpec(FormulaShape, _formula),
    "tiers": RuleSpec(TiersShape, _tiers),
    "bands": RuleSpec(BandsShape, _bands_rule),
    "per_event": RuleSpec(PerEventShape, _per_event),
    "ranking": RuleSpec(RankingShape, _ranking_rule),
    "award": RuleSpec(AwardShape, _ranking_rule),
    "streak": RuleSpec(StreakShape, _streak, lambda spec: spec.amount is not None),
    "flag": RuleSpec(FlagShape, _flag, lambda spec: False),
}


def _rule(L: _Loader, item: Any, keys: Keys, names: _Names, accounts: dict[str, Account],
          statement_period: PeriodKind) -> Rule | None:
    if not isinstance(item, dict):
        L.error(keys, "bad_rule", "A rule must be a mapping with id and kind.", "规则须为含 id 与 kind 的映射。")
        return None
    kind = str(item.get("kind", ""))
    rule_spec = RULE_SPECS.get(kind)
    if rule_spec is None:
        if "kind" not in item:
            L.error(keys, "missing_field", f"'{'.'.join(map(str, keys))}' needs 'kind'.",
                    f"'{'.'.join(map(str, keys))}' 缺少 'kind'。", fix=f"Kinds: {', '.join(RULE_SPECS)}.",
                                                                fix_zh=f"可用类型：{'、'.join(RULE_SPECS)}。")
            return None
        en, zh = suggest(kind, RULE_SPECS)
        L.error((*keys, "kind"), "bad_rule_kind", f"Unknown rule kind '{kind}'.{en}", f"未知规则类型 '{kind}'。{zh}",
                fix=f"Kinds: {', '.join(RULE_SPECS)}.", fix_zh=f"可用类型：{'、'.join(RULE_SPECS)}。")
        return None
    spec = L.shape(rule_spec.shape, item, keys)
    if spec is None:
        return None
    rid = spec.id
    if spec.account is None and rule_spec.needs_account(spec):
        L.error(keys, "missing_field", f"Rule '{rid}' needs 'account' (where its amounts are posted).",
                f"规则 '{rid}' 需要 account（金额记入的账户）。", fix=f"Declared accounts: {', '.join(accounts)}.",
                                                    fix_zh=f"已声明的账户：{'、'.join(accounts)}。")
    elif spec.account is not None and spec.account not in accounts:
        en, zh = suggest(spec.account, accounts)
        L.error((*keys, "account"), "undeclared_account",
                f"Rule '{rid}' posts to account '{spec.account}', which is not declared.{en}",
                f"规则 '{rid}' 记入未声明的账户 '{spec.account}'。{zh}", fix="Declare it under accounts:.",
                                                                         fix_zh="请在 accounts 下声明该账户。")
    sub = None
    if spec.period is not None:
        sub = L.period_kind(spec.period, (*keys, "period"))
        if sub is not None and ORDER.index(sub) > ORDER.index(statement_period):
            L.error((*keys, "period"), "bad_period", f"Rule '{rid}' runs per {sub.value}, longer than the statement "
                    f"period ({statement_period.value}).", f"规则周期 {sub.value} 长于结算周期 {statement_period.value}。",
                    fix="A rule may run on the statement period or a finer one.",
                    fix_zh="规则只能按结算周期或更细的周期运行。")
            sub = None
    when = L.expression(spec.when, names.known, (*keys, "when"), "condition") if spec.when is not None else None
    head = RuleHead(rid, spec.account, spec.category or rid, L.label(spec.label, rid), when, sub, L.doc.line_of(keys))
    return rule_spec.build(L, spec, keys, head, names)


def duplicate_rule_ids(L: _Loader, raw: list[Any]) -> Iterator[Problem]:
    """Meaning check: each rule has its own id."""
    seen: set[str] = set()
    for i, item in enumerate(raw):
        rid = item.get("id") if isinstance(item, dict) else None
        if rid is None:
            continue
        if str(rid) in seen:
            yield Problem(Severity.ERROR, "duplicate_rule", L.loc(("rules", i, "id")), f"Rule id '{rid}' is used twice.",
                          f"规则编号 '{rid}' 重复。", fix="Give each rule its own id.", fix_zh="请给每条规则不同的 id。")
        seen.add(str(rid))


def _bands(L: _Loader, raw: list[Any], keys: Keys, known: dict[str, str], rid: str) -> list[Band]:
    bands: list[Band] = []
    for j, item in enumerate(raw):
        bk = (*keys, j)
        edges = L.shape(BandShape, item, bk)
        if edges is None:
            continue
        if (edges.above is not None and edges.from_ is not None) or (edges.below is not None and edges.to is not None):
            L.error(bk, "bad_band", "A band has one lower edge (above or from) and one upper edge (below or to).",
                    "每档只能有一个下限（above 或 from）和一个上限（below 或 to）。")
            continue
        lower = edges.above if edges.above is not None else edges.from_
        upper = edges.below if edges.below is not None else edges.to
        amount = L.expression(edges.amount, known, (*bk, "amount"), "amount")
        if amount is not None:
            bands.append(Band(L.label(edges.label, f"band {j + 1}"), lower, edges.from_ is not None, upper, edges.to is not None,
                              amount))
    # overlaps and gaps: sort by lower edge
    def low_key(b: Band) -> tuple[int, Decimal, int]:
        return (0, Decimal(0), 0) if b.lower is None else (1, b.lower, 0 if b.lower_inclusive else 1)

    ordered = sorted(bands, key=low_key)
    for a, b in pairwise(ordered):
        if a.upper is None or b.lower is None:
            L.error(keys, "overlapping_bands", f"Bands '{a.label.en}' and '{b.label.en}' of '{rid}' overlap.",
                    f"'{rid}' 的档位 '{a.label.zh}' 与 '{b.label.zh}' 重叠。",
                    fix="Give each band explicit edges: from/above (lower) and to/below (upper).",
                    fix_zh="请为每个区间写明边界：下限 from/above，上限 to/below。")
            continue
        if a.upper > b.lower or (a.upper == b.lower and a.upper_inclusive and b.lower_inclusive):
            L.error(keys, "overlapping_bands", f"Bands '{a.label.en}' ({a.describe()}) and '{b.label.en}' "
                    f"({b.describe()}) of '{rid}' overlap.", f"'{rid}' 的档位 '{a.label.zh}' 与 '{b.label.zh}' 重叠。",
                    fix="Make one edge exclusive: e.g. below: 60 then from: 60.",
                    fix_zh="请让其中一个边界不含等号：例如 below: 60，下一档 from: 60。")
        elif a.upper < b.lower or (a.upper == b.lower and not a.upper_inclusive and not b.lower_inclusive):
            L.error(keys, "gapped_bands", f"Bands '{a.label.en}' ({a.describe()}) and '{b.label.en}' ({b.describe()}) "
                    f"of '{rid}' leave a gap: a value of exactly {a.upper} falls in neither.", f"'{rid}' 的档位之间有空隙。",
                    fix="Make one of the two edges inclusive (to/from).", fix_zh="请让两个边界之一包含等号（to/from）。")
    return bands



def _caps(L: _Loader, raw: dict[Any, Any], rules: list[Rule]) -> list[Cap]:
    out: list[Cap] = []
    categories = {r.head.category: r.head.account for r in rules}
    for cat, raw_spec in raw.items():
        keys: Keys = ("caps", cat)
        spec = L.shape(CapShape, raw_spec, keys)
        if spec is None:
            continue
        if cat not in categories:
            en, zh = suggest(str(cat), categories)
            L.error(keys, "unknown_category", f"No rule has category '{cat}'.{en}", f"没有类别为 '{cat}' 的规则。{zh}")
            continue
        out.append(Cap(str(cat), spec.account or categories[cat] or "", spec.max, spec.min))
    return out


def _redemption(L: _Loader, raw: Any, accounts: dict[str, Account], known: dict[str, str]) -> Redemption | None:
    if raw is None:
        return None
    keys: Keys = ("redemption",)
    spec = L.shape(RedemptionShape, raw, keys)
    if spec is None:
        return None
    for key, account in (("account", spec.account), ("to", spec.to)):
        if account not in accounts:
            L.error((*keys, key), "undeclared_account", f"Redemption {key} '{account}' is not a declared account.",
                    f"兑换账户 '{account}' 未声明。")
    if not 0 < spec.share <= 1:
        L.error((*keys, "share"), "bad_share", "share is the part of the balance redeemed: above 0, at most 1.",
                "share 为兑换的余额比例：大于 0，最多 1。")
    rate = L.expression(spec.rate, known, (*keys, "rate"), "exchange rate")
    every = L.period_kind(spec.every, (*keys, "every"))
    if rate is None or every is None:
        return None
    return Redemption(spec.account, spec.to, spec.share, rate, every)


def _levels(L: _Loader, raw: Any, accounts: dict[str, Account]) -> Levels | None:
    if raw is None:
        return None
    keys: Keys = ("levels",)
    spec = L.shape(LevelsShape, raw, keys)
    if spec is None:
        return None
    if spec.account not in accounts:
        L.error((*keys, "account"), "undeclared_account", f"Levels account '{spec.account}' is not declared.",
                f"等级账户 '{spec.account}' 未声明。")
    if spec.basis not in ("lifetime", "balance"):
        L.error((*keys, "basis"), "bad_basis", f"Unknown basis '{spec.basis}'.", f"未知依据 '{spec.basis}'。",
                fix="lifetime (all points ever earned) or balance (after redemption).",
            fix_zh="lifetime（累计获得的全部积分）或 balance（兑换后的余额）。")
    levels = []
    for name, threshold in spec.thresholds.items():
        n = L.number(threshold, (*keys, "thresholds", name))
        if n is not None:
            levels.append(Level_(str(name), n))
    return Levels(spec.account, spec.basis, tuple(sorted(levels, key=lambda x: x.threshold)))
