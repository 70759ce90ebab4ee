"""Print the mutation score of the last `mutmut run` and the mutants that survived it.

Score = killed / (killed + survived): a mutant no test reaches ("no tests") is listed apart, since no test
of this selection runs that code; a timeout counts as killed (the change made a test hang)."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

# mutant name -> why no test can tell it from the original (each reviewed by hand with mutmut show)
EQUIVALENT: dict[str, str] = {
    "jili.core.standing.x_competition_places__mutmut_10": "previous starts as '' instead of None: the first total "
    "differs from '' as it does from None, so the first key still opens place 1",
    "jili.core.standing.x_competition_places__mutmut_11": "place starts as None: the first total always sets it",
    "jili.core.standing.x_competition_places__mutmut_12": "place starts as 1: the first total always sets it",
    "jili.core.standing.x_standings__mutmut_38": "exponent <= 0 instead of < 0: at 0, -0 and 0 are the same places",
    "jili.core.standing.x_standings__mutmut_39": "exponent < 1 instead of < 0: at 0, -0 and 0 are the same places",
    "jili.qa.stats.x_mean_interval__mutmut_38": "population >= n: when every call was heard, the correction factor "
    "is √0 = 0, which is what the branch for population <= n sets",
    "jili.qa.stats.x_sample_size__mutmut_11": "the normal quantile at (1 - confidence) / 2 is the same number with "
    "its sign turned, and it is squared",
    "jili.qa.calibration.x_icc_2_1__mutmut_47": "the column means without keepdims broadcast across the rows exactly "
    "as with it",
    "jili.qa.calibration.x_icc_2_1__mutmut_49": "keepdims=False: the same broadcast, as above",
    "jili.qa.sampling.x_sample__mutmut_10": "AgentSample starts with eligible None: it is set to the pool's size "
    "before anything reads it",
    "jili.qa.sampling.x_sample__mutmut_13": "AgentSample starts with eligible 1: it is set to the pool's size "
    "before anything reads it",
    "jili.qa.sampling.x_sample__mutmut_109": "the share when no call is left: the strata loop has no stratum then, "
    "so the share is never computed",
    "jili.qa.sampling.x_sample__mutmut_111": "the share when no call is left (1 instead of 0): never computed, as above",
    # periods
    "jili.core.periods.x_period_of__mutmut_32": "a month's first day + 33 days instead of + 32 still lands in the next "
    "month (months have 28 to 31 days), whose first day is the end",
    "jili.core.periods.x_period_of__mutmut_68": "month > 12 → month >= 12: a quarter's start month + 3 is 4, 7, 10 or 13, "
    "never 12",
    "jili.core.periods.x_parse_period__mutmut_30": "a week label read from its Tuesday instead of its Monday: period_of "
    "takes any day to its week's Monday",
    "jili.core.periods.x_parse_period__mutmut_45": "a month label read from its 2nd day: period_of takes any day to the "
    "month's first",
    "jili.core.periods.x_parse_period__mutmut_65": "a quarter label read from its second month: period_of takes any "
    "month of the quarter to its first",
    "jili.core.periods.x_parse_period__mutmut_66": "a quarter label read from its first month's 2nd day: the same quarter",
    "jili.core.periods.x_parse_period__mutmut_77": "a year label read from 1 February: period_of takes any day to 1 January",
    "jili.core.periods.x_parse_period__mutmut_78": "a year label read from 2 January: the same year",
    # expressions
    "jili.core.expr.xǁExprǁsql__mutmut_15": "DuckDB and sqlglot's default dialect write every construct of the "
    "whitelist alike (checked: comparisons, IN, CASE/IF, functions, quoted names, string escapes)",
    "jili.core.expr.x__parse__mutmut_144": "difflib's default of 3 guesses instead of 1: only the first is used",
    "jili.core.expr.x__parse__mutmut_146": "2 guesses instead of 1: only the first is used",
    "jili.core.expr.x__parse__mutmut_187": "typing.cast does nothing at run time",
    "jili.core.expr.x_kind_of__mutmut_11": "an undeclared name's kind read from 'XXXX' instead of '': neither is a "
    "kind, so the kind is unknown either way",
    "jili.core.expr.x_compile_node__mutmut_220": "round's quantum 2×10^-d instead of 10^-d: quantize takes only the "
    "exponent",
    "jili.core.expr.x_compile_node__mutmut_240": "BETWEEN's upper comparison with no operator falls to <=, which is LTE",
    "jili.core.expr.x_compile_node__mutmut_284": "the right side of IS is true or false (IS NULL has its own branch): a "
    "constant that reads no names",
    # rules
    "jili.core.rules.base.xǁRuleRunǁline__mutmut_28": "a line's account when the rule has none: every rule that writes "
    "lines pays, and the loader refuses a paying rule without an account",
    "jili.core.rules.base.x_fmt__mutmut_16": "format 'F' instead of 'f' differs only for infinity and NaN, which "
    "return before",
    "jili.core.rules.ranking.x__ranking__mutmut_42": "group_of reads the agent id only at the agent level, which takes "
    "the other branch",
    "jili.core.rules.ranking.x__ranking__mutmut_69": "sort keys scaled by 2: the same order",
    "jili.core.rules.ranking.x__ranking__mutmut_70": "sort keys scaled by 2: the same order",
    "jili.core.rules.ranking.x__ranking__mutmut_141": "the account of a rule that pays is never missing (see line__28)",
    "jili.core.rules.ranking.x__ranking__mutmut_146": "a sum without a Decimal start: the places covered are never none "
    "(a tie covers at least its own place), so the sum is a Decimal",
    "jili.core.rules.ranking.x__ranking__mutmut_165": "places by no second metric: no value is a number, so nobody is "
    "placed — the same empty table",
    "jili.core.rules.ranking.x__ranking__mutmut_185": "paid starts None instead of False: only 'not paid' reads it",
    "jili.core.rules.ranking.x__ranking__mutmut_250": "the second metric's name when there is none: both rankings "
    "placing an agent means there is a second metric",
    "jili.core.rules.ranking.x__ranking__mutmut_253": "as mutmut_250",
    "jili.core.rules.ranking.x__share_count__mutmut_20": "quantum 2 instead of 1: quantize takes only the exponent",
    "jili.core.rules.per_event.xǁPerEventRuleǁapply__mutmut_9": "no events as None instead of []: both are falsy and "
    "the agent is passed over",
    "jili.core.rules.per_event.xǁPerEventRuleǁapply__mutmut_11": "as mutmut_9: .get without a default is None",
    "jili.core.rules.per_event.xǁPerEventRuleǁapply__mutmut_20": "a sum without a Decimal start: the events are never "
    "none here (an agent without events is passed over), so the sum is a Decimal",
    "jili.core.rules.per_event.xǁPerEventRuleǁapply__mutmut_31": "the account of a rule that pays is never missing",
    # scoring
    "jili.qa.scoring.x_score__mutmut_98": "the applicable maximum of an N/A item counted as full marks: it is read only "
    "by the rescale policy, and full marks is the other policy",
    "jili.qa.scoring.x_score__mutmut_99": "as mutmut_98",
    "jili.qa.scoring.x_score__mutmut_184": "a deduction divided by -1 instead of multiplied: the same number",
    "jili.qa.scoring.x_score__mutmut_247": "a sum without a Decimal start gives int 0 only for a scorecard without "
    "scored items, where 0 and Decimal(0) compare, add and print alike",
    "jili.qa.scoring.x__plain__mutmut_6": "format 'F' instead of 'f' differs only for infinity and NaN, which a score "
    "cannot be (imports read decimal128 and forms a DecimalField; neither holds them)",
}


def main() -> int:
    out = subprocess.run([sys.executable, "-m", "mutmut", "results", "--all", "true"], capture_output=True, text=True,
                         check=False).stdout
    status: dict[str, str] = {}
    for line in out.splitlines():
        name, sep, state = line.strip().rpartition(": ")
        if sep and name.startswith("jili."):
            status[name] = state
    counts = Counter(status.values())
    killed = counts["killed"] + counts["timeout"]
    survived = [n for n, s in status.items() if s == "survived" and n not in EQUIVALENT]
    equivalent = counts["survived"] - len(survived)
    scored = killed + len(survived)
    by_module = Counter(n.rsplit(".", 1)[0] for n in survived)
    other = sum(counts.values()) - killed - counts["survived"] - counts["no tests"]
    print(f"mutants: {len(status)}; killed {killed}, survived {len(survived)}, equivalent {equivalent}, "
          f"no test reaches {counts['no tests']}, not run or other {other}")
    print(f"mutation score: {killed / scored:.2%}" if scored else "mutation score: no mutant was tested")
    for module, n in sorted(by_module.items()):
        print(f"  {module}: {n} survived")
    for name in survived:
        print(f"survived: {name}   (mutmut show {name})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
