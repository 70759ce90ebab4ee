"""Load a policy file (YAML): check everything, report every problem with file:line at once.

See docs/policy-reference.md for the language. Nothing runs until the whole file is valid.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from difflib import get_close_matches
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jili.core import expr as ex
from jili.core.facts import FORMATS
from jili.core.label import Label
from jili.core.periods import ORDER, PeriodKind
from jili.core.policy import (
    PERIOD_FIELDS,
    ROUNDING_MODES,
    Account,
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
)
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
from jili.io.specs.yamlfile import YamlDocument, bilingual, load_yaml

Keys = tuple[str | int, ...]
MAX_NUMBER = Decimal(10) ** 12  # no amount, edge or factor a policy writes is larger
MAX_LOOKBACK = 120  # periods a streak or a previous-period metric may reach back


class _Loader:
    def __init__(self, doc: YamlDocument) -> None:
        self.doc = doc
        self.problems: list[Problem] = []

    # --- helpers -----------------------------------------------------------------------
    def loc(self, keys: Keys) -> Location:
        return self.doc.location(keys)

    def error(self, keys: Keys, code: str, en: str, zh: str, fix: str = "", found: str = "") -> None:
        self.problems.append(Problem(Severity.ERROR, code, self.loc(keys), en, zh, fix=fix, found=found))

    def get(self, data: Any, key: str, keys: Keys, required: bool = False, default: Any = None) -> Any:
        if not isinstance(data, dict):
            return default
        if key not in data:
            if required:
                self.error(keys, "missing_field", f"'{'.'.join(map(str, keys))}' needs '{key}'.",
                           f"'{'.'.join(map(str, keys))}' 缺少 '{key}'。",
                           fix="See docs/policy-reference.md for an example.")
            return default
        return data[key]

    def unknown_keys(self, data: Any, allowed: set[str] | frozenset[str], keys: Keys) -> None:
        if not isinstance(data, dict):
            return
        for key in data:
            if key not in allowed:
                en, zh = suggest(str(key), sorted(allowed))
                self.error((*keys, key), "unknown_field", f"Unknown field '{key}'.{en}", f"未知字段 '{key}'。{zh}",
                           fix=f"Allowed here: {', '.join(sorted(allowed))}.")

    def mapping(self, value: Any, keys: Keys) -> bool:
        """True for a mapping; anything else is a problem here."""
        if isinstance(value, dict):
            return True
        self.error(keys, "not_a_mapping", f"Expected a mapping (key: value) here, found {_shown(value)}.",
                   f"此处应为映射（键: 值），实际为 {_shown(value)}。", fix="See docs/policy-reference.md for an example.")
        return False

    def table(self, value: Any, keys: Keys) -> dict[Any, Any]:
        """A mapping's entries (nothing written: none); anything else is a problem here."""
        if value is None:
            return {}
        return value if self.mapping(value, keys) else {}

    def sequence(self, value: Any, keys: Keys) -> list[Any]:
        """The items of a list; anything else is a problem here (and no items)."""
        if isinstance(value, list):
            return value
        self.error(keys, "not_a_list", f"Expected a list (- item) here, found {_shown(value)}.",
                   f"此处应为列表（- 项），实际为 {_shown(value)}。", fix="See docs/policy-reference.md for an example.")
        return []

    def integer(self, value: Any, keys: Keys, minimum: int, maximum: int) -> int:
        """A whole number within bounds; anything else is a problem here (and the minimum)."""
        if isinstance(value, int) and not isinstance(value, bool) and minimum <= value <= maximum:
            return value
        self.error(keys, "bad_integer", f"Expected a whole number from {minimum} to {maximum}, found {_shown(value)}.",
                   f"应为 {minimum} 到 {maximum} 之间的整数，实际为 {_shown(value)}。")
        return minimum

    def number(self, value: Any, keys: Keys) -> Decimal | None:
        """A finite number no larger than MAX_NUMBER; anything else is a problem here (and None)."""
        n = None
        if not isinstance(value, bool | dict | list) and value is not None:
            try:
                n = Decimal(str(value))
            except InvalidOperation:
                n = None
        if n is not None and n.is_finite() and abs(n) <= MAX_NUMBER:
            return n
        self.error(keys, "not_a_number", f"Expected a finite number up to {MAX_NUMBER:,}, found {_shown(value)}.",
                   f"应为不超过 {MAX_NUMBER:,} 的有限数字，实际为 {_shown(value)}。")
        return None

    def label(self, value: Any, default: str) -> Label:
        return Label(*bilingual(value, default))

    def expression(self, text: Any, known: dict[str, str], keys: Keys, what: str = "expression") -> ex.Expr | None:
        if isinstance(text, bool):
            text = "true" if text else "false"
        e, problems = ex.parse(text if text is not None else "", known, self.loc(keys), what)
        self.problems.extend(problems)
        return e

    def period_kind(self, value: Any, keys: Keys) -> PeriodKind | None:
        try:
            return PeriodKind(str(value))
        except ValueError:
            self.error(keys, "bad_period", f"Unknown period {value!r}.", f"未知周期 {value!r}。",
                       fix="Use day, week, month, quarter or year.")
            return None


def _shown(value: Any) -> str:
    """A YAML value as a person wrote it, short."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    text = str(value)
    return f"'{text[:40]}…'" if len(text) > 40 else f"'{text}'"


def load_policy(path: Path) -> tuple[Policy | None, list[Problem]]:
    doc, problems = load_yaml(path)
    if doc is None:
        return None, problems
    if not isinstance(doc.data, dict):
        return None, [Problem(Severity.ERROR, "bad_policy", doc.location(), "A policy file must be a YAML mapping.",
                              "策略文件须为 YAML 映射。", fix="Start from a template: jili templates list.")]
    return _load(doc, path)


def _load(doc: YamlDocument, path: Path) -> tuple[Policy | None, list[Problem]]:
    L = _Loader(doc)
    data = doc.data
    L.unknown_keys(data, {"policy", "name", "version", "effective", "period", "timezone", "accounts",
                          "eligibility", "metrics", "rules", "caps", "redemption", "levels", "description",
                          "notes"}, ())
    pid = L.get(data, "policy", (), required=True)
    name = L.label(L.get(data, "name", ()), str(pid))
    version = str(L.get(data, "version", (), default="1"))
    eff = L.table(L.get(data, "effective", ()), ("effective",))
    eff_from = _date(L, eff.get("from") if isinstance(eff, dict) else None, ("effective", "from"))
    eff_to = _date(L, eff.get("to") if isinstance(eff, dict) else None, ("effective", "to"))
    period = L.period_kind(L.get(data, "period", (), default="month"), ("period",)) or PeriodKind.MONTH
    tz = str(L.get(data, "timezone", (), default="Asia/Shanghai"))
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        L.error(("timezone",), "bad_timezone", f"Unknown timezone {tz!r}.", f"未知时区 {tz!r}。",
                fix="Use an IANA name such as Asia/Shanghai.")
    # accounts
    accounts: dict[str, Account] = {}
    raw_accounts = L.table(L.get(data, "accounts", (), required=True), ("accounts",))
    for aname, raw_spec in raw_accounts.items():
        keys: Keys = ("accounts", aname)
        spec = L.table(raw_spec, keys)
        L.unknown_keys(spec, {"unit", "places", "rounding", "label"}, keys)
        unit = str(spec.get("unit", "points"))
        places = L.integer(spec.get("places", 2 if unit in ("yuan", "元", "CNY") else 0), (*keys, "places"), 0, 8)
        rounding = str(spec.get("rounding", "half_up"))
        if rounding not in ROUNDING_MODES:
            L.error((*keys, "rounding"), "bad_rounding", f"Unknown rounding {rounding!r}.", f"未知舍入方式 {rounding!r}。",
                    fix=f"Use one of: {', '.join(ROUNDING_MODES)}.")
            rounding = "half_up"
        accounts[str(aname)] = Account(str(aname), unit, places, rounding, L.label(spec.get("label"), str(aname)))
    # names: roster + period + metrics (metrics may refer to each other)
    raw_metrics = L.table(L.get(data, "metrics", ()), ("metrics",))
    metric_names = [str(k) for k in raw_metrics]
    base_known = {**ROSTER_FIELDS, **PERIOD_FIELDS}
    for clash in set(metric_names) & set(base_known):
        L.error(("metrics", clash), "name_clash", f"Metric '{clash}' has the name of a roster or period field.",
                f"指标 '{clash}' 与花名册或周期字段重名。", fix="Rename the metric.")
    known = {**base_known, **{m: "metric" for m in metric_names}}
    metrics = _metrics(L, raw_metrics, known)
    # eligibility
    eligibility: list[Eligibility] = []
    for i, item in enumerate(L.sequence(L.get(data, "eligibility", (), default=[]) or [], ("eligibility",))):
        keys = ("eligibility", i)
        if not L.mapping(item, keys):
            continue
        L.unknown_keys(item, {"id", "when", "reason"}, keys)
        e = L.expression(L.get(item, "when", keys, required=True), known, (*keys, "when"), "eligibility condition")
        if e is not None:
            eligibility.append(Eligibility(str(item.get("id", f"eligibility_{i + 1}")), e,
                                           L.label(item.get("reason"), str(item.get("id", "not eligible")))))
    # rules
    rules: list[Rule] = []
    seen_ids: set[str] = set()
    for i, item in enumerate(L.sequence(L.get(data, "rules", (), required=True, default=[]) or [], ("rules",))):
        rule = _rule(L, item, ("rules", i), known, accounts, period, metric_names)
        if rule is None:
            continue
        if rule.head.id in seen_ids:
            L.error(("rules", i, "id"), "duplicate_rule", f"Rule id '{rule.head.id}' is used twice.",
                    f"规则编号 '{rule.head.id}' 重复。", fix="Give each rule its own id.")
        seen_ids.add(rule.head.id)
        rules.append(rule)
    caps = _caps(L, L.table(L.get(data, "caps", ()), ("caps",)), accounts, rules)
    redemption = _redemption(L, L.get(data, "redemption", ()), accounts, known)
    levels = _levels(L, L.get(data, "levels", ()), accounts)
    if L.problems:
        return None, L.problems
    return Policy(
        id=str(pid), name=name, version=version, effective_from=eff_from, effective_to=eff_to, period=period,
        timezone=tz, accounts=accounts, eligibility=tuple(eligibility), metrics=tuple(metrics), rules=tuple(rules),
        caps=tuple(caps), redemption=redemption, levels=levels, source=str(path),
        digest=hashlib.sha256(path.read_bytes()).hexdigest(),
    ), []


def _date(L: _Loader, value: Any, keys: Keys) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        L.error(keys, "bad_date", f"Expected a date YYYY-MM-DD, found {value!r}.", f"应为日期 YYYY-MM-DD，实际为 {value!r}。")
        return None


def _metrics(L: _Loader, raw: dict[str, Any], known: dict[str, str]) -> list[Metric]:
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
                    fix="e.g. {fact: interactions, agg: count} or \"a / b\"")
            continue
        if "previous" in spec:
            L.unknown_keys(spec, {"previous", "back"}, keys)
            of = str(spec["previous"])
            if of not in raw:
                L.error((*keys, "previous"), "unknown_name", f"'previous' names unknown metric '{of}'.",
                        f"previous 指向未知指标 '{of}'。")
                continue
            out[name] = PreviousMetric(name, of, L.integer(spec.get("back", 1), (*keys, "back"), 1, MAX_LOOKBACK))
            deps[name] = ()
            continue
        if "rank" in spec:
            L.unknown_keys(spec, {"rank", "order", "within"}, keys)
            of = str(spec["rank"])
            if of not in raw:
                L.error((*keys, "rank"), "unknown_name", f"'rank' names unknown metric '{of}'.", f"rank 指向未知指标 '{of}'。")
                continue
            out[name] = RankMetric(name, of, str(spec.get("order", "desc")) != "asc", _level(L, spec.get("within", "all"),
                                                                                       (*keys, "within")))
            deps[name] = (of,)
            continue
        L.unknown_keys(spec, {"fact", "agg", "column", "where", "time", "level", "percentile", "label"}, keys)
        fact = str(L.get(spec, "fact", keys, required=True, default=""))
        if fact and fact not in FORMATS:
            en, zh = suggest(fact, FORMATS)
            L.error((*keys, "fact"), "unknown_fact", f"Unknown fact '{fact}'.{en}", f"未知数据 '{fact}'。{zh}",
                    fix=f"Facts: {', '.join(FORMATS)}.")
            continue
        if not fact:
            continue
        fmt = FORMATS[fact]
        columns = {c.name: c.type.value for c in fmt.columns}
        try:
            agg = Agg(str(spec.get("agg", "count")))
        except ValueError:
            L.error((*keys, "agg"), "bad_agg", f"Unknown aggregate {spec.get('agg')!r}.", f"未知聚合 {spec.get('agg')!r}。",
                    fix=f"Use one of: {', '.join(a.value for a in Agg)}.")
            continue
        column = None
        if "column" in spec:
            ce = L.expression(spec["column"], columns, (*keys, "column"), f"column of metric '{name}'")
            column = ce
        elif agg not in (Agg.COUNT,):
            L.error(keys, "missing_field", f"Metric '{name}' ({agg.value}) needs 'column'.", f"指标 '{name}' 需要 column。",
                    fix=f"e.g. column: {fmt.columns[-1].name}")
        where = None
        if "where" in spec:
            we = L.expression(spec["where"], columns, (*keys, "where"), f"filter of metric '{name}'")
            where = we
        time_col = str(spec.get("time") or FORMATS[fact].time_column or "")
        if time_col not in columns:
            L.error((*keys, "time"), "bad_time_column", f"'{time_col}' is not a time column of {fact}.",
                    f"'{time_col}' 不是 {fact} 的时间列。", fix=f"Columns: {', '.join(fmt.time_columns)}.")
            continue
        pct = L.number(spec["percentile"], (*keys, "percentile")) if "percentile" in spec else None
        if agg == Agg.PERCENTILE and pct is None:
            L.error(keys, "missing_field", f"Metric '{name}' needs 'percentile' (0 to 1).", f"指标 '{name}' 需要 percentile。")
        out[name] = FactMetric(name, fact, agg, column, where, time_col,
                               _level(L, spec.get("level", "agent"), (*keys, "level")), pct,
                               text=f"{agg.value}({spec.get('column', '*')}) of {fact}"
                               + (f" where {spec['where']}" if "where" in spec else ""))
        deps[name] = ()
    return _ordered(L, out, deps)


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
                    f"指标循环依赖：{' → '.join(cycle)}。", fix="Break the circle: one of them must be computed from facts.")
            return
        state[name] = 1
        for dep in deps.get(name, ()):
            visit(dep, [*path, name])
        state[name] = 2
        done.append(name)

    for name in metrics:
        visit(name, [])
    return [metrics[n] for n in done]


def _level(L: _Loader, value: Any, keys: Keys) -> Level:
    try:
        return Level(str(value))
    except ValueError:
        L.error(keys, "bad_level", f"Unknown level {value!r}.", f"未知层级 {value!r}。",
                fix="Use agent, team, department, site or all.")
        return Level.AGENT


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """How one rule kind is written in a policy: the fields it takes beside the common ones, and how
    a checked record is built from them (the record, with its ``apply``, lives in ``jili.core.rules``)."""

    fields: frozenset[str]
    build: Callable[[_Loader, dict[str, Any], Keys, RuleHead, _Names], Rule | None]
    needs_account: Callable[[dict[str, Any]], bool] = lambda item: True


@dataclass(frozen=True, slots=True)
class _Names:
    known: dict[str, str]  # roster, period and metric names with their kinds
    metrics: list[str]


COMMON_RULE_FIELDS = frozenset({"id", "kind", "account", "category", "label", "when", "period", "note"})


def _formula(L: _Loader, item: dict[str, Any], keys: Keys, head: RuleHead, names: _Names) -> Rule | None:
    amount = L.expression(L.get(item, "amount", keys, required=True), names.known, (*keys, "amount"), "amount")
    return FormulaRule(head, amount) if amount else None


def _tiers(L: _Loader, item: dict[str, Any], keys: Keys, head: RuleHead, names: _Names) -> Rule | None:
    rid = head.id
    tiers: list[Tier] = []
    raw = L.sequence(L.get(item, "tiers", keys, required=True, default=[]), (*keys, "tiers"))
    for j, t in enumerate(raw):
        tk = (*keys, "tiers", j)
        if not L.mapping(t, tk):
            continue
        L.unknown_keys(t, {"label", "when", "amount"}, tk)
        amount = L.expression(L.get(t, "amount", tk, required=True), names.known, (*tk, "amount"), "amount")
        cond = L.expression(t["when"], names.known, (*tk, "when"), "tier condition") if "when" in t else None
        if cond is None and "when" not in t and j < len(raw) - 1:
            L.error(tk, "unreachable_tier", f"Tier {j + 1} of '{rid}' has no condition, so the tiers after it "
                    "can never fire.", f"'{rid}' 的第 {j + 1} 档没有条件，其后各档永远不会生效。",
                    fix="Give it a 'when', or move it last (it is the 'otherwise' tier).")
        if amount is not None:
            tiers.append(Tier(L.label(t.get("label"), f"tier {j + 1}"), cond, amount))
    return TiersRule(head, tuple(tiers))


def _bands_rule(L: _Loader, item: dict[str, Any], keys: Keys, head: RuleHead, names: _Names) -> Rule | None:
    value = L.expression(L.get(item, "value", keys, required=True), names.known, (*keys, "value"), "band value")
    bands = _bands(L, L.sequence(item.get("bands") or [], (*keys, "bands")), (*keys, "bands"), names.known, head.id)
    return BandsRule(head, value, tuple(bands)) if value else None


def _per_event(L: _Loader, item: dict[str, Any], keys: Keys, head: RuleHead, names: _Names) -> Rule | None:
    fact = str(L.get(item, "fact", keys, required=True, default=""))
    if fact not in FORMATS:
        en, zh = suggest(fact, FORMATS)
        L.error((*keys, "fact"), "unknown_fact", f"Unknown fact '{fact}'.{en}", f"未知数据 '{fact}'。{zh}")
        return None
    columns = {c.name: c.type.value for c in FORMATS[fact].columns}
    where_text = str(item.get("where", ""))
    we = L.expression(where_text, columns, (*keys, "where"), "event filter") if where_text else None
    amount_n = L.number(L.get(item, "amount", keys, required=True, default=0), (*keys, "amount"))
    mults: list[Multiplier] = []
    for j, m in enumerate(L.sequence(item.get("multipliers") or [], (*keys, "multipliers"))):
        mk = (*keys, "multipliers", j)
        if not L.mapping(m, mk):
            continue
        L.unknown_keys(m, {"when", "factor"}, mk)
        me = L.expression(L.get(m, "when", mk, required=True), columns, (*mk, "when"), "multiplier condition")
        factor = L.number(L.get(m, "factor", mk, required=True, default=1), (*mk, "factor"))
        if me is not None and factor is not None:
            mults.append(Multiplier(me, factor))
    time_col = str(item.get("time") or FORMATS[fact].time_column or "")
    return PerEventRule(head, fact, we, where_text, amount_n or Decimal(0), tuple(mults),
                        time_col)


def _ranking_rule(L: _Loader, item: dict[str, Any], keys: Keys, head: RuleHead, names: _Names) -> Rule | None:
    return _ranking(L, item, keys, head, names.known, names.metrics, "ranking")


def _award_rule(L: _Loader, item: dict[str, Any], keys: Keys, head: RuleHead, names: _Names) -> Rule | None:
    return _ranking(L, item, keys, head, names.known, names.metrics, "award")


def _streak(L: _Loader, item: dict[str, Any], keys: Keys, head: RuleHead, names: _Names) -> Rule | None:
    rid = head.id
    cond = L.expression(L.get(item, "condition", keys, required=True), names.known, (*keys, "condition"),
                        "streak condition")
    length = L.integer(item.get("length", 2), (*keys, "length"), 1, MAX_LOOKBACK)
    amount = L.expression(item["amount"], names.known, (*keys, "amount"), "amount") if "amount" in item else None
    if amount is None and "action" not in item:
        L.error(keys, "missing_field", f"Streak '{rid}' needs an amount or an action.",
                f"连续规则 '{rid}' 需要 amount 或 action。")
    return StreakRule(head, cond, length, amount, str(item.get("severity", "normal")),
                      L.label(item.get("action"), rid) if "action" in item else None) if cond else None


def _flag(L: _Loader, item: dict[str, Any], keys: Keys, head: RuleHead, names: _Names) -> Rule | None:
    if head.when is None:
        if "when" not in item:
            L.error(keys, "missing_field", f"Flag '{head.id}' needs 'when'.", f"标记 '{head.id}' 需要 when。")
        return None
    return FlagRule(head, str(item.get("severity", "normal")), L.label(item.get("action"), head.id))


RANKING_FIELDS = frozenset({"value", "order", "within", "eligible", "ties", "tie_break", "include_zero", "amount"})
RULE_SPECS: dict[str, RuleSpec] = {
    "formula": RuleSpec(frozenset({"amount"}), _formula),
    "tiers": RuleSpec(frozenset({"tiers"}), _tiers),
    "bands": RuleSpec(frozenset({"value", "bands"}), _bands_rule),
    "per_event": RuleSpec(frozenset({"fact", "where", "amount", "multipliers", "time"}), _per_event),
    "ranking": RuleSpec(RANKING_FIELDS | {"also", "amounts", "amounts_both", "top_percent", "bottom_percent",
                                          "others", "others_when"}, _ranking_rule),
    "award": RuleSpec(RANKING_FIELDS | {"winners"}, _award_rule),
    "streak": RuleSpec(frozenset({"condition", "length", "amount", "severity", "action"}), _streak,
                       lambda item: "amount" in item),
    "flag": RuleSpec(frozenset({"severity", "action"}), _flag, lambda item: False),
}


def _rule(L: _Loader, item: Any, keys: Keys, known: dict[str, str], accounts: dict[str, Account],
          statement_period: PeriodKind, metric_names: list[str]) -> Rule | None:
    if not isinstance(item, dict):
        L.error(keys, "bad_rule", "A rule must be a mapping with id and kind.", "规则须为含 id 与 kind 的映射。")
        return None
    rid = str(L.get(item, "id", keys, required=True, default=f"rule_{keys[-1]}"))
    kind = str(L.get(item, "kind", keys, required=True, default=""))
    spec = RULE_SPECS.get(kind)
    if spec is None:
        en, zh = suggest(kind, RULE_SPECS)
        L.error((*keys, "kind"), "bad_rule_kind", f"Unknown rule kind '{kind}'.{en}", f"未知规则类型 '{kind}'。{zh}",
                fix=f"Kinds: {', '.join(RULE_SPECS)}.")
        return None
    L.unknown_keys(item, COMMON_RULE_FIELDS | spec.fields, keys)
    account = item.get("account")
    if account is None and spec.needs_account(item):
        L.error(keys, "missing_field", f"Rule '{rid}' needs 'account' (where its amounts are posted).",
                f"规则 '{rid}' 需要 account（金额记入的账户）。", fix=f"Declared accounts: {', '.join(accounts)}.")
    elif account is not None and str(account) not in accounts:
        en, zh = suggest(str(account), accounts)
        L.error((*keys, "account"), "undeclared_account",
                f"Rule '{rid}' posts to account '{account}', which is not declared.{en}",
                f"规则 '{rid}' 记入未声明的账户 '{account}'。{zh}", fix="Declare it under accounts:.")
    sub = None
    if "period" in item:
        sub = L.period_kind(item["period"], (*keys, "period"))
        if sub is not None and ORDER.index(sub) > ORDER.index(statement_period):
            L.error((*keys, "period"), "bad_period", f"Rule '{rid}' runs per {sub.value}, longer than the statement "
                    f"period ({statement_period.value}).", f"规则周期 {sub.value} 长于结算周期 {statement_period.value}。",
                    fix="A rule may run on the statement period or a finer one.")
            sub = None
    when = L.expression(item["when"], known, (*keys, "when"), "condition") if "when" in item else None
    head = RuleHead(rid, str(account) if account is not None else None, str(item.get("category", rid)),
                    L.label(item.get("label"), rid), when, sub, L.doc.line_of(keys))
    return spec.build(L, item, keys, head, _Names(known, metric_names))


def _bands(L: _Loader, raw: list[Any], keys: Keys, known: dict[str, str], rid: str) -> list[Band]:
    bands: list[Band] = []
    for j, b in enumerate(raw):
        bk = (*keys, j)
        L.unknown_keys(b, {"label", "above", "from", "below", "to", "amount"}, bk)
        if ("above" in b and "from" in b) or ("below" in b and "to" in b):
            L.error(bk, "bad_band", "A band has one lower edge (above or from) and one upper edge (below or to).",
                    "每档只能有一个下限（above 或 from）和一个上限（below 或 to）。")
            continue
        lower = L.number(b.get("above", b.get("from")), bk) if ("above" in b or "from" in b) else None
        upper = L.number(b.get("below", b.get("to")), bk) if ("below" in b or "to" in b) else None
        amount = L.expression(L.get(b, "amount", bk, required=True), known, (*bk, "amount"), "amount")
        if amount is not None:
            bands.append(Band(L.label(b.get("label"), f"band {j + 1}"), lower, "from" in b, upper, "to" in b, amount))
    # overlaps and gaps: sort by lower edge
    def low_key(b: Band) -> tuple[int, Decimal, int]:
        return (0, Decimal(0), 0) if b.lower is None else (1, b.lower, 0 if b.lower_inclusive else 1)

    ordered = sorted(bands, key=low_key)
    for a, b in pairwise(ordered):
        if a.upper is None or b.lower is None:
            L.error(keys, "overlapping_bands", f"Bands '{a.label.en}' and '{b.label.en}' of '{rid}' overlap.",
                    f"'{rid}' 的档位 '{a.label.zh}' 与 '{b.label.zh}' 重叠。",
                    fix="Give each band explicit edges: from/above (lower) and to/below (upper).")
            continue
        if a.upper > b.lower or (a.upper == b.lower and a.upper_inclusive and b.lower_inclusive):
            L.error(keys, "overlapping_bands", f"Bands '{a.label.en}' ({a.describe()}) and '{b.label.en}' "
                    f"({b.describe()}) of '{rid}' overlap.", f"'{rid}' 的档位 '{a.label.zh}' 与 '{b.label.zh}' 重叠。",
                    fix="Make one edge exclusive: e.g. below: 60 then from: 60.")
        elif a.upper < b.lower or (a.upper == b.lower and not a.upper_inclusive and not b.lower_inclusive):
            L.error(keys, "gapped_bands", f"Bands '{a.label.en}' ({a.describe()}) and '{b.label.en}' ({b.describe()}) "
                    f"of '{rid}' leave a gap: a value of exactly {a.upper} falls in neither.", f"'{rid}' 的档位之间有空隙。",
                    fix="Make one of the two edges inclusive (to/from).")
    return bands


def _ranking(L: _Loader, item: dict[str, Any], keys: Keys, head: RuleHead, known: dict[str, str],
             metric_names: list[str], kind: str) -> RankingRule | None:
    def metric_ref(key: str) -> str | None:
        if key not in item:
            return None
        name = str(item[key])
        if name not in metric_names:
            guess = get_close_matches(name, metric_names, n=1)
            L.error((*keys, key), "unknown_name", f"Unknown metric '{name}'." + (f" Did you mean '{guess[0]}'?" if guess else ""),
                    f"未知指标 '{name}'。", fix="Rank by a metric defined under metrics:.")
            return None
        return name

    value = metric_ref("value")
    if "value" not in item:
        L.error(keys, "missing_field", f"Ranking '{head.id}' needs 'value' (the metric ranked).", "排名需要 value。")
    numbers: Callable[[str], tuple[Decimal, ...]] = lambda k: tuple(  # noqa: E731
        n for j, x in enumerate(L.sequence(item.get(k) or [], (*keys, k))) if (n := L.number(x, (*keys, k, j))) is not None)
    ties_raw = str(item.get("ties", "shared"))
    try:
        ties = TieRule(ties_raw)
    except ValueError:
        L.error((*keys, "ties"), "bad_ties", f"Unknown tie rule {ties_raw!r}.", f"未知并列规则 {ties_raw!r}。",
                fix="Use shared, split or break (with tie_break: METRIC).")
        ties = TieRule.SHARED
    tie_break = metric_ref("tie_break")
    if ties == TieRule.BREAK and tie_break is None:
        L.error(keys, "missing_field", "ties: break needs tie_break: METRIC.", "ties: break 需要 tie_break。")
    eligible = L.expression(item["eligible"], known, (*keys, "eligible"), "eligibility") if "eligible" in item else None
    if kind == "award":
        winners = L.integer(item.get("winners", 1), (*keys, "winners"), 1, 1000)
        amount = L.number(L.get(item, "amount", keys, required=True, default=0), (*keys, "amount")) or Decimal(0)
        amounts: tuple[Decimal, ...] = (amount,) * winners
        both: tuple[Decimal, ...] = ()
        top = bottom = share = None
    else:
        amounts = numbers("amounts")
        both = numbers("amounts_both")
        top = L.number(item["top_percent"], (*keys, "top_percent")) if "top_percent" in item else None
        bottom = L.number(item["bottom_percent"], (*keys, "bottom_percent")) if "bottom_percent" in item else None
        share = L.number(item["amount"], (*keys, "amount")) if "amount" in item else None
        if not amounts and top is None and bottom is None:
            L.error(keys, "missing_field", f"Ranking '{head.id}' needs amounts (by place) or top_percent/bottom_percent.",
                    f"排名 '{head.id}' 需要 amounts 或 top_percent/bottom_percent。")
    others = L.number(item["others"], (*keys, "others")) if "others" in item else None
    others_when = L.expression(item["others_when"], known, (*keys, "others_when"), "condition") if "others_when" in item else None
    if value is None:
        return None
    return RankingRule(head, value, metric_ref("also"), str(item.get("order", "desc")) != "asc",
                       _level(L, item.get("within", "all"), (*keys, "within")), amounts, both, top, bottom, share,
                       eligible, ties, tie_break, others, others_when, bool(item.get("include_zero", False)))


def _caps(L: _Loader, raw: dict[str, Any], accounts: dict[str, Account], rules: list[Rule]) -> list[Cap]:
    out: list[Cap] = []
    categories = {r.head.category: r.head.account for r in rules}
    for cat, raw_spec in raw.items():
        keys: Keys = ("caps", cat)
        spec = L.table(raw_spec, keys)
        L.unknown_keys(spec, {"max", "min", "account"}, keys)
        if cat not in categories:
            en, zh = suggest(str(cat), categories)
            L.error(keys, "unknown_category", f"No rule has category '{cat}'.{en}", f"没有类别为 '{cat}' 的规则。{zh}")
            continue
        account = str(spec.get("account") or categories[cat] or "")
        out.append(Cap(str(cat), account,
                       L.number(spec["max"], (*keys, "max")) if "max" in spec else None,
                       L.number(spec["min"], (*keys, "min")) if "min" in spec else None))
    return out


def _redemption(L: _Loader, raw: Any, accounts: dict[str, Account], known: dict[str, str]) -> Redemption | None:
    keys: Keys = ("redemption",)
    if raw is None or not L.mapping(raw, keys):
        return None
    L.unknown_keys(raw, {"account", "to", "share", "rate", "every"}, keys)
    for k in ("account", "to"):
        if str(raw.get(k)) not in accounts:
            L.error((*keys, k), "undeclared_account", f"Redemption {k} '{raw.get(k)}' is not a declared account.",
                    f"兑换账户 '{raw.get(k)}' 未声明。")
    share = L.number(raw.get("share", 1), (*keys, "share"))
    rate = L.expression(raw.get("rate", 1), known, (*keys, "rate"), "exchange rate")
    every = L.period_kind(raw.get("every", "month"), (*keys, "every"))
    if share is None or rate is None or every is None:
        return None
    return Redemption(str(raw.get("account")), str(raw.get("to")), share, rate, every)


def _levels(L: _Loader, raw: Any, accounts: dict[str, Account]) -> Levels | None:
    keys: Keys = ("levels",)
    if raw is None or not L.mapping(raw, keys):
        return None
    L.unknown_keys(raw, {"account", "basis", "thresholds"}, keys)
    if str(raw.get("account")) not in accounts:
        L.error((*keys, "account"), "undeclared_account", f"Levels account '{raw.get('account')}' is not declared.",
                f"等级账户 '{raw.get('account')}' 未声明。")
    basis = str(raw.get("basis", "lifetime"))
    if basis not in ("lifetime", "balance"):
        L.error((*keys, "basis"), "bad_basis", f"Unknown basis {basis!r}.", f"未知依据 {basis!r}。",
                fix="lifetime (all points ever earned) or balance (after redemption).")
    levels = []
    for name, threshold in L.table(raw.get("thresholds"), (*keys, "thresholds")).items():
        n = L.number(threshold, (*keys, "thresholds", name))
        if n is not None:
            levels.append(Level_(str(name), n))
    return Levels(str(raw.get("account")), basis, tuple(sorted(levels, key=lambda x: x.threshold)))
