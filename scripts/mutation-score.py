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
    print(f"mutation score: {killed / scored:.1%}" if scored else "mutation score: no mutant was tested")
    for module, n in sorted(by_module.items()):
        print(f"  {module}: {n} survived")
    for name in survived:
        print(f"survived: {name}   (mutmut show {name})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
