"""Sampling plans: N calls per agent per period, stratified so a month is not judged on one
Monday morning, with targeted quotas and exclusions, reproducible from a seed, and every
pick carrying the reason it was picked."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Call:
    interaction_id: str
    agent_id: str
    local_start: dt.datetime
    seconds: int
    queue: str = ""
    is_test: bool = False
    flags: tuple[str, ...] = ()  # targeting reasons that apply: autoqa, low_csat, complaint, repeat_caller…


@dataclass(frozen=True, slots=True)
class Target:
    reason: str  # a flag name, or "long": the agent's longest calls
    quota: int


@dataclass(frozen=True, slots=True)
class Plan:
    per_agent: int = 15  # R3: 15 monitored calls per agent a month
    min_seconds: int = 30  # calls shorter than this are not worth a listen
    targets: tuple[Target, ...] = ()
    strata: tuple[str, ...] = ("queue", "daypart", "duration")
    seed: int = 1


@dataclass(frozen=True, slots=True)
class Pick:
    call: Call
    reason_en: str
    reason_zh: str
    stratum: str


@dataclass
class AgentSample:
    agent_id: str
    eligible: int
    picks: list[Pick] = field(default_factory=list)
    excluded: dict[str, int] = field(default_factory=dict)


def daypart(t: dt.datetime) -> str:
    part = "morning" if t.hour < 12 else "afternoon" if t.hour < 18 else "evening"
    return f"{'weekday' if t.weekday() < 5 else 'weekend'}-{part}"


def duration_band(seconds: int) -> str:
    return "short<3m" if seconds < 180 else "medium<10m" if seconds < 600 else "long≥10m"


def stratum_of(call: Call, strata: Sequence[str]) -> str:
    parts = {"queue": call.queue or "-", "daypart": daypart(call.local_start), "duration": duration_band(call.seconds)}
    return " · ".join(parts[s] for s in strata)


def sample(calls: Sequence[Call], plan: Plan) -> list[AgentSample]:
    """Per agent: targeted quotas first, then the rest spread over strata in proportion to the
    agent's own mix (largest remainder), at random inside each stratum. Same seed, same sample."""
    by_agent: dict[str, list[Call]] = defaultdict(list)
    for c in calls:
        by_agent[c.agent_id].append(c)
    out = []
    for agent in sorted(by_agent):
        rng = random.Random(f"{plan.seed}:{agent}")
        result = AgentSample(agent, 0)
        pool: list[Call] = []
        for c in sorted(by_agent[agent], key=lambda c: c.interaction_id):
            if c.is_test:
                result.excluded["test call"] = result.excluded.get("test call", 0) + 1
            elif c.seconds < plan.min_seconds:
                key = f"under {plan.min_seconds} s"
                result.excluded[key] = result.excluded.get(key, 0) + 1
            else:
                pool.append(c)
        result.eligible = len(pool)
        chosen: set[str] = set()
        for target in plan.targets:
            if target.reason == "long":
                candidates = sorted(pool, key=lambda c: -c.seconds)
            else:
                candidates = [c for c in pool if target.reason in c.flags]
                rng.shuffle(candidates)
            taken = 0
            for c in candidates:
                if taken >= target.quota or len(result.picks) >= plan.per_agent:
                    break
                if c.interaction_id in chosen:
                    continue
                chosen.add(c.interaction_id)
                taken += 1
                result.picks.append(Pick(c, f"targeted: {target.reason}", f"定向抽取：{_zh(target.reason)}",
                                         stratum_of(c, plan.strata)))
        remaining = plan.per_agent - len(result.picks)
        rest = [c for c in pool if c.interaction_id not in chosen]
        strata: dict[str, list[Call]] = defaultdict(list)
        for c in rest:
            strata[stratum_of(c, plan.strata)].append(c)
        quotas = _largest_remainder({k: len(v) for k, v in strata.items()}, min(remaining, len(rest)))
        for name in sorted(strata):
            members = strata[name]
            rng.shuffle(members)
            share = len(members) / len(rest) if rest else 0
            for c in members[: quotas.get(name, 0)]:
                result.picks.append(Pick(c, f"random within stratum {name} ({share:.0%} of the agent's calls)",
                                         f"分层随机：{name}（占该坐席通话 {share:.0%}）", name))
        out.append(result)
    return out


def _largest_remainder(sizes: dict[str, int], n: int) -> dict[str, int]:
    total = sum(sizes.values())
    if total == 0 or n <= 0:
        return {}
    exact = {k: n * v / total for k, v in sizes.items()}
    quotas = {k: int(x) for k, x in exact.items()}
    left = n - sum(quotas.values())
    for k in sorted(exact, key=lambda k: (-(exact[k] - quotas[k]), k))[:left]:
        quotas[k] += 1
    return quotas


def _zh(reason: str) -> str:
    return {"autoqa": "智能质检命中", "low_csat": "低满意度", "complaint": "投诉", "long": "超长通话",
            "repeat_caller": "重复来电"}.get(reason, reason)
