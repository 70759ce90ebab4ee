"""Was the scheme worth it? (R18: "the effect of a scheme is evaluated afterwards on satisfaction,
resolution rate and quality score; the scheme is adjusted when the evaluation says so").

Each agent's mean of a metric before and after the day a scheme took effect. When some teams
adopted it and others did not, the effect is a difference in differences: the adopters' change
minus the others' change, so that what happened to everyone (a season, a holiday, a new product)
cancels. When everybody adopted it, only the change itself can be shown, and the verdict says that
it cannot tell the scheme from the season.

The interval is a clustered bootstrap: whole teams are resampled (within adopters and within the
others), because agents of one team share a leader, a queue and a shift, and are not independent.
With fewer than ``FEW_TEAMS`` teams on a side the percentile interval is too narrow, so the
bootstrap's standard error (at least the one of resampling agents, for few teams may agree by chance)
is widened by Student's t on the teams' degrees of freedom instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from jili.core.label import Label
from jili.core.periods import HOLIDAY_NAMES

# a gap between the groups before the scheme, in standard deviations of the agents' means, that is
# large enough for regression to the mean to move the estimate (Cohen's "small" effect)
BASELINE_GAP = 0.2
# fewer teams than this on a side and the clustered interval is not to be trusted
FEW_TEAMS = 5


class Method(StrEnum):
    DID = "did"  # adopters' change minus the others' change
    BEFORE_AFTER = "before_after"  # adopters' change alone: nobody to compare with


@dataclass(frozen=True, slots=True)
class AgentPath:
    agent_id: str
    team: str  # the cluster the bootstrap resamples
    adopted: bool
    before: float | None  # the agent's mean of the metric in the window before, None without data
    after: float | None


@dataclass(frozen=True, slots=True)
class EffectMetric:
    """What is measured: its name, how people call it, and the unit of a change in it."""

    name: str
    label: Label
    unit: Label


@dataclass(frozen=True, slots=True)
class GroupPath:
    """One side's agents (those with data in both windows), teams, and mean before and after."""

    agents: int
    teams: int
    before: float
    after: float


@dataclass(frozen=True, slots=True)
class Threat:
    """A reason the estimate may not be the scheme's doing, named so that a manager can weigh it."""

    code: str  # regression_to_mean, seasonality, no_comparison, few_teams
    message: Label


@dataclass(frozen=True, slots=True)
class Effect:
    metric: EffectMetric
    method: Method
    estimate: float
    low: float
    high: float
    confidence: float
    adopted: GroupPath
    others: GroupPath | None
    threats: tuple[Threat, ...]

    @property
    def clear(self) -> bool:
        """The interval leaves out zero: the data show a change, in the direction of the estimate."""
        return self.low > 0 or self.high < 0

    def verdict(self, lang: str) -> str:
        """One sentence: "解决率 +7.1 个百分点（95% 区间 4.2 至 9.9）" or "… no clear change"."""
        zh = lang.startswith("zh")
        name, unit = self.metric.label.get(lang), self.metric.unit.get(lang)
        pct = f"{self.confidence:.0%}"
        span = (f"（{pct} 区间 {self.low:+.1f} 至 {self.high:+.1f}）" if zh
                else f" ({pct} interval {self.low:+.1f} to {self.high:+.1f})")
        if self.clear:
            head = f"{name} {self.estimate:+.1f} {unit}"
        else:
            head = (f"{name}无明显变化（{self.estimate:+.1f} {unit}）" if zh
                    else f"{name} unchanged ({self.estimate:+.1f} {unit})")
        tail = "" if self.method == Method.DID else ("；无对照组，不能区分方案与季节" if zh
                                                     else "; no comparison group: scheme and season cannot be told apart")
        return head + span + tail


@dataclass(frozen=True, slots=True)
class NoEffectData:
    """Nothing to estimate: no adopting agent has the metric in both windows."""

    metric: EffectMetric
    message: Label


@dataclass(frozen=True, slots=True)
class _Side:
    """One side's agents with data in both windows, as arrays: before, after, and each agent's team index."""

    before: np.ndarray
    after: np.ndarray
    team: np.ndarray
    teams: int

    @property
    def change(self) -> np.ndarray:
        return self.after - self.before

    @property
    def path(self) -> GroupPath:
        return GroupPath(len(self.before), self.teams, float(self.before.mean()), float(self.after.mean()))


def _side(paths: Sequence[AgentPath]) -> _Side:
    teams = sorted({p.team for p in paths})
    at = {t: i for i, t in enumerate(teams)}
    return _Side(np.array([p.before for p in paths], dtype=float), np.array([p.after for p in paths], dtype=float),
                 np.array([at[p.team] for p in paths], dtype=np.int64), len(teams))


def _resampled_means(side: _Side, draws: int, rng: np.random.Generator, by_agent: bool = False) -> np.ndarray:
    """The mean change of ``draws`` resamples: whole teams when there are several, agents when only one
    (or when asked)."""
    change = side.change
    if by_agent or side.teams < 2:  # one team: nothing to resample but its agents
        return np.asarray(change[rng.integers(0, len(change), (draws, len(change)))].mean(axis=1))
    sums = np.bincount(side.team, weights=change, minlength=side.teams)
    counts = np.bincount(side.team, minlength=side.teams).astype(float)
    pick = rng.integers(0, side.teams, (draws, side.teams))
    return np.asarray(sums[pick].sum(axis=1) / counts[pick].sum(axis=1))


def _holidays(names: Sequence[tuple[str, int]], lang_zh: bool) -> str:
    return "、".join(f"{HOLIDAY_NAMES.get(n, (n, n))[1]}（{d} 天）" for n, d in names) if lang_zh else \
        ", ".join(f"{HOLIDAY_NAMES.get(n, (n, n))[0]} ({d} days)" for n, d in names)


def regression_threat(metric: EffectMetric, gap: float) -> Threat | None:
    """Regression to the mean, named when the adopters started ``gap`` standard deviations from the others
    (negative: below) and the gap is at least ``BASELINE_GAP`` either way."""
    if abs(gap) < BASELINE_GAP:
        return None
    lower = gap < 0
    return Threat("regression_to_mean", Label(
        f"Before the scheme the adopting teams' {metric.label.en} was {'below' if lower else 'above'} the "
        f"others' by {abs(gap):.2f} standard deviations: part of the change may be regression to the mean "
        f"(teams picked for being {'weak' if lower else 'strong'} drift back {'up' if lower else 'down'} "
        "on their own).",
        f"实施前试点班组的{metric.label.zh}{'低于' if lower else '高于'}其他班组 {abs(gap):.2f} 个标准差："
        f"部分变化可能是向均值回归（因{'偏弱' if lower else '偏强'}而被选中的班组本来就会"
        f"{'回升' if lower else '回落'}）。"))


def _threats(metric: EffectMetric, adopted: _Side, others: _Side | None,
             holidays_before: Sequence[tuple[str, int]], holidays_after: Sequence[tuple[str, int]]) -> list[Threat]:
    out: list[Threat] = []
    method = Method.BEFORE_AFTER if others is None else Method.DID
    if others is None:
        out.append(Threat("no_comparison", Label(
            "Every agent adopted the scheme: the change may be the season, a trend or regression to the mean as "
            "much as the scheme. Keep some teams on the old scheme for a month to measure it.",
            "所有坐席都采用了新方案：变化可能来自季节、趋势或向均值回归，而不一定是方案本身。"
            "可让部分班组沿用旧方案一个月再评估。")))
    else:
        everyone = np.concatenate([adopted.before, others.before])
        sd = float(np.std(everyone, ddof=1)) if len(everyone) > 2 else 0.0
        threat = regression_threat(metric, (float(adopted.before.mean()) - float(others.before.mean())) / sd
                                   if sd > 0 else 0.0)
        if threat is not None:
            out.append(threat)
        small = min(adopted.teams, others.teams)
        if small < FEW_TEAMS:
            out.append(Threat("few_teams", Label(
                f"Only {small} team(s) on one side: the interval resamples few teams and is rougher than it looks.",
                f"一方只有 {small} 个班组：区间基于很少的班组重抽样，比看上去更不精确。")))
    if tuple(holidays_before) != tuple(holidays_after):
        zh_b, zh_a = _holidays(holidays_before, True) or "无", _holidays(holidays_after, True) or "无"
        en_b, en_a = _holidays(holidays_before, False) or "none", _holidays(holidays_after, False) or "none"
        common = (" The comparison group went through the same days, so the difference in differences removes "
                  "what they did to both groups alike." if method == Method.DID else "")
        common_zh = "对照组经历了同样的日子，差异中的差异已抵消其对两组相同的影响。" if method == Method.DID else ""
        out.append(Threat("seasonality", Label(
            f"The windows hold different holidays (before: {en_b}; after: {en_a}).{common}",
            f"前后两段的法定节假日不同（之前：{zh_b}；之后：{zh_a}）。{common_zh}")))
    return out


def estimate_effect(metric: EffectMetric, paths: Sequence[AgentPath], *,
                    holidays_before: Sequence[tuple[str, int]] = (), holidays_after: Sequence[tuple[str, int]] = (),
                    confidence: float = 0.95, draws: int = 2000, seed: int = 0) -> Effect | NoEffectData:
    """The scheme's effect on ``metric`` from each agent's path; agents without data in both windows
    are left out (a new joiner has no before, a leaver no after)."""
    both = [p for p in paths if p.before is not None and p.after is not None]
    adopted = [p for p in both if p.adopted]
    others = [p for p in both if not p.adopted]
    if not adopted:
        return NoEffectData(metric, Label(
            f"No adopting agent has {metric.label.en} both before and after the date.",
            f"没有试点坐席在实施日前后都有{metric.label.zh}数据。"))
    side, other = _side(adopted), (_side(others) if others else None)
    rng = np.random.default_rng(seed)
    a_draws = _resampled_means(side, draws, rng)
    if other is None:
        method, value, spread = Method.BEFORE_AFTER, float(side.change.mean()), a_draws
    else:
        method = Method.DID
        value = float(side.change.mean()) - float(other.change.mean())
        spread = a_draws - _resampled_means(other, draws, rng)
    if other is not None and min(side.teams, other.teams) < FEW_TEAMS:
        # a percentile interval from few clusters is too narrow: the bootstrap's standard error, widened by
        # Student's t on the teams' degrees of freedom
        from scipy import stats as sps

        # few teams may agree by chance: the standard error is at least what agents alone would give
        by_agent = _resampled_means(side, draws, rng, by_agent=True) - _resampled_means(other, draws, rng, True)
        se = max(float(np.std(spread, ddof=1)), float(np.std(by_agent, ddof=1)))
        half = float(sps.t.ppf((1 + confidence) / 2, max(1, side.teams + other.teams - 2))) * se
        low, high = value - half, value + half
    else:
        tail = (1 - confidence) / 2 * 100
        low, high = (float(x) for x in np.percentile(spread, [tail, 100 - tail]))
    return Effect(metric, method, value, low, high, confidence, side.path, other.path if other else None,
                  tuple(_threats(metric, side, other, holidays_before, holidays_after)))

@dataclass(frozen=True, slots=True)
class MetricPaths:
    metric: EffectMetric
    paths: tuple[AgentPath, ...]
    result: Effect | NoEffectData


@dataclass(frozen=True, slots=True)
class SchemeEvaluation:
    """A scheme's evaluation: the windows, who adopted it, and each metric's paths and effect."""

    since: dt.date
    before: tuple[dt.date, dt.date]  # [start, end) of the window before
    after: tuple[dt.date, dt.date]
    adopted_teams: tuple[str, ...]  # empty: everybody adopted it
    adopted_sites: tuple[str, ...]
    metrics: tuple[MetricPaths, ...]

    @property
    def threats(self) -> tuple[Threat, ...]:
        """Every metric's threats, each said once (the windows' holidays are the same for every metric)."""
        seen: dict[tuple[str, str], Threat] = {}
        for m in self.metrics:
            if isinstance(m.result, Effect):
                for threat in m.result.threats:
                    seen.setdefault((threat.code, threat.message.en), threat)
        return tuple(seen.values())

    def verdict(self, lang: str) -> str:
        """The evaluation in a sentence per metric, and what R18 asks next: keep, adjust or wait."""
        effects = [m.result for m in self.metrics if isinstance(m.result, Effect)]
        zh = lang.startswith("zh")
        parts = [e.verdict(lang) for e in effects]
        worse = [e.metric.label.get(lang) for e in effects if e.clear and e.estimate < 0]
        better = [e.metric.label.get(lang) for e in effects if e.clear and e.estimate > 0]
        if worse:
            advice = (f"{'、'.join(worse)}变差：按 R18 应调整方案。" if zh
                      else f"{', '.join(worse)} got worse: R18 says adjust the scheme.")
        elif better:
            advice = (f"{'、'.join(better)}改善且其余指标未变差：可保留方案。" if zh
                      else f"{', '.join(better)} improved and nothing got worse: keep the scheme.")
        else:
            advice = ("尚无证据表明方案有效：可延长评估期或调整方案。" if zh
                      else "No evidence yet that the scheme works: evaluate longer or adjust it.")
        return ("；".join(parts) + "。" + advice) if zh else ("; ".join(parts) + ". " + advice)

