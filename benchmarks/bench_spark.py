"""The month close on Spark beside DuckDB, on the same facts, in the same run.

The centre of bench_close.py (R13 + R14 + R15 together; about 3,200 calls per agent a month, so
32 M interactions at 10,000 agents), computed by ``run_period`` — metrics, rules and statements,
nothing stored, since storing is the same whichever engine computed — once on the embedded DuckDB
engine and once on Spark ``local[2]``, each in its own process (peak memory = VmHWM of the Python
process; Spark's JVM is reported apart). Spark's session start is timed apart from the run.
The totals of both are checked equal to the fen. Prints figures; passes or fails on nothing.

    .venv/bin/python benchmarks/bench_spark.py [--agents 1000 10000]
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_close import child, one_size  # noqa: E402

CHILD = r"""
import json, sys, time
from pathlib import Path
engine, root, month, policy_path = sys.argv[1], Path(sys.argv[2]), sys.argv[3], Path(sys.argv[4])
from jili.core.periods import parse_period
from jili.io.specs.policy import load_policy
from jili.io.workspace import EngineKind, EngineSettings, load_workspace
from jili.registry.bootstrap import setup
ws = load_workspace(root)
setup(ws, migrate=False)
from jili.registry.ledger import period_sources
from jili.pipeline.period import run_period
policy, _ = load_policy(policy_path)
sources = period_sources(ws, parse_period(month), [policy.id])
settings = EngineSettings(EngineKind(engine), "local[2]")
start = 0.0
if engine == "spark":  # the session once, as a long-lived site or a cluster's driver keeps it
    t0 = time.perf_counter()
    from jili.pipeline.period import open_engine
    open_engine(settings, {}).close()
    start = time.perf_counter() - t0
t0 = time.perf_counter()
result = run_period(policy, sources, engine=settings)
seconds = time.perf_counter() - t0
assert not any(p.is_error for p in result.problems), [p.render() for p in result.problems][:3]
totals = {}
for s in result.statements:
    for a, v in s.totals:
        totals[a] = totals.get(a, 0) + v
lines = sum(len(s.lines) for s in result.statements)
hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"seconds": seconds, "start": start, "peak_mb": hwm / 1024, "agents": len(result.statements),
                  "lines": lines, "totals": {k: str(v) for k, v in totals.items()}}))
"""


def main() -> None:
    sized = one_size(__file__, f"{'agents':>7} {'engine':7} {'run s':>8} {'start s':>8} {'peak MB':>8}  totals")
    if sized is None:
        return
    agents, root = sized
    results = {engine: child(engine, root, CHILD) for engine in ("duckdb", "spark")}
    for engine, r in results.items():
        print(f"{agents:>7} {engine:7} {float(r['seconds']):>8.2f} {float(r['start']):>8.2f} "
              f"{float(r['peak_mb']):>8.0f}  {r['totals']} ({r['lines']:,} lines)", flush=True)
    duck, spark = (float(results[k]["seconds"]) for k in ("duckdb", "spark"))  # type: ignore[arg-type]
    same = results["duckdb"]["totals"] == results["spark"]["totals"] and \
        results["duckdb"]["lines"] == results["spark"]["lines"]
    print(f"{agents:>7} spark/duckdb {spark / duck:.2f}×   totals equal to the fen: {'yes' if same else 'NO'}", flush=True)


if __name__ == "__main__":
    main()
