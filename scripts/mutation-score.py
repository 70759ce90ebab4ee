"""Print the mutation score of the last `mutmut run` and the mutants that survived it.

Score = killed / (killed + survived): a mutant no test reaches ("no tests") is listed apart, since no test
of this selection runs that code; a timeout counts as killed (the change made a test hang)."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

EQUIVALENT: dict[str, str] = {}  # mutant name -> why no test can tell it from the original (reviewed by hand)


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
    scored = killed + len(survived)
    by_module = Counter(n.rsplit(".", 1)[0] for n in survived)
    print(f"mutants: {len(status)}; killed {killed}, survived {len(survived)}, equivalent {len(EQUIVALENT)}, "
          f"no test reaches {counts['no tests']}, other {sum(counts.values()) - killed - counts['survived'] - counts['no tests']}")
    print(f"mutation score: {killed / scored:.1%}" if scored else "mutation score: no mutant was tested")
    for module, n in sorted(by_module.items()):
        print(f"  {module}: {n} survived")
    for name in survived:
        print(f"survived: {name}   (mutmut show {name})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
