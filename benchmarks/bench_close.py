"""The month close at scale: a synthetic centre under R13 + R14 + R15 together.

For 1,000, 3,000 and 10,000 agents (about 3,200 calls each a month: 32 M interactions at 10,000; the
milliseconds per agent show how the close grows; ``--agents 30000`` adds the curve's end, without pandas),
measured in the same run, each in its own process (peak memory = VmHWM):
  floor   DuckDB's bare aggregation of the same facts into the same per-agent and per-day
          metrics (what the close cannot beat: it has to read the facts once);
  jili    `do_run_policy`: metrics, rules, ranking per day, ledger postings and statements
          stored in the workspace database;
  pandas  the same policy written directly in pandas, as an analyst would today;
  polars  the same again in Polars (lazy frames).
Prints figures; passes or fails on nothing. Data and workspaces are kept under
benchmarks/out/ (git-ignored) so a second run skips generation and import.

    .venv/bin/python benchmarks/bench_close.py [--agents 1000 3000 10000 30000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
POLICY = HERE / "close-policy.yaml"
MONTH = "2026-10"
PANDAS_MOST = 10000  # agents

CHILD = r"""
import json, sys, time
from pathlib import Path
kind, root, month = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
files = json.loads(Path(root, "batches.json").read_text())
t0 = time.perf_counter()
result = {}
if kind == "jili":
    from jili.io.specs.policy import load_policy
    from jili.io.workspace import load_workspace
    from jili.registry.bootstrap import setup
    ws = load_workspace(root)
    setup(ws, migrate=False)
    from jili.core.periods import parse_period
    from jili.registry.ledger import do_run_policy
    policy, _ = load_policy(Path(sys.argv[4]))
    t0 = time.perf_counter()
    out = do_run_policy(ws, policy, parse_period(month), acting_user="bench")
    assert out.ok, out.problems
    totals = {}
    for s in out.statements:
        for a, v in s.totals:
            totals[a] = totals.get(a, 0) + v
    result = {"totals": {k: str(v) for k, v in totals.items()}, "agents": len(out.statements),
              "eligible": sum(1 for s in out.statements if s.eligible)}
elif kind == "floor":
    sys.path.insert(0, str(Path(sys.argv[4]).parent))
    from bench_baselines import duckdb_floor
    result = duckdb_floor(files, month)
elif kind == "polars":
    sys.path.insert(0, str(Path(sys.argv[4]).parent))
    from bench_baselines import polars_close
    result = polars_close(files, month)
else:
    sys.path.insert(0, str(Path(sys.argv[4]).parent))
    from bench_baselines import pandas_close
    result = pandas_close(files, month)
seconds = time.perf_counter() - t0
hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"seconds": seconds, "peak_mb": hwm / 1024, **result}, default=str))
"""


def child(kind: str, root: Path, code: str = CHILD) -> dict[str, object]:
    """Run ``code`` in a process of its own (peak memory is the process's), with the kind, workspace, month and
    policy as arguments; its last line of output is a JSON object."""
    out = subprocess.run([sys.executable, "-c", code, kind, str(root), MONTH, str(POLICY)],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def prepare(agents: int, out: Path) -> Path:
    """Generate the month (Parquet) and import it into a workspace, once."""
    root = out / f"ws-{agents}"
    if (root / "batches.json").exists():
        return root
    from jili.core.facts import FORMATS
    from jili.io.demo.generator import DemoSpec, generate
    from jili.io.specs.mapping import Mapping
    from jili.io.workspace import Workspace, create_layout
    from jili.registry.bootstrap import setup

    t0 = time.perf_counter()
    data = generate(DemoSpec(agents=agents, month=MONTH, seed=11, calls_per_day=182, file_format="parquet"),
                    out / f"data-{agents}", progress=lambda m: None)
    print(f"  generated {data.rows['interactions']:,} interactions for {agents:,} agents in "
          f"{time.perf_counter() - t0:.0f} s", flush=True)
    ws = Workspace(root=root)
    create_layout(ws)
    setup(ws)
    from jili.registry.facts import active_batches
    from jili.registry.imports import do_import

    t0 = time.perf_counter()
    for fact in ("roster", "attendance", "interactions", "evaluations", "surveys", "incidents", "kpis"):
        outcome = do_import(ws, data.files[fact], Mapping.plain(FORMATS[fact]), acting_user="bench")
        assert outcome.status.value == "imported", [p.render() for p in outcome.problems][:5]
    print(f"  imported into {root} in {time.perf_counter() - t0:.0f} s", flush=True)
    files: dict[str, list[str]] = {}
    for b in active_batches():
        files.setdefault(b.fact, []).append(str(root / b.parquet_path))
    (root / "batches.json").write_text(json.dumps(files))
    return root


def one_size(script: str, header: str) -> tuple[int, Path] | None:
    """``--agents N …``: with several sizes, print the header and run ``script`` once per size (Django binds to one
    database per process) and return None; with one, the size and its workspace, generated and imported once."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, nargs="+", default=[1000, 3000, 10000])  # add 30000 for the curve's end
    args = parser.parse_args()
    if len(args.agents) > 1:
        print(header, flush=True)
        for agents in args.agents:
            subprocess.run([sys.executable, script, "--agents", str(agents)], check=True)
        return None
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    return args.agents[0], prepare(args.agents[0], out)


def main() -> None:
    sized = one_size(__file__, f"{'agents':>7} {'what':8} {'seconds':>8} {'peak MB':>8}  totals")
    if sized is None:
        return
    agents, root = sized
    results = {}
    # pandas needs 7.7 GB at 10,000 agents and grows with them: past that it would not fit this machine
    for kind in ("floor", "jili", "polars", *(["pandas"] if agents <= PANDAS_MOST else [])):
        before = _database_bytes(root)
        results[kind] = child(kind, root)
        if kind == "jili":  # a run's postings, statements and standings stay (superseded runs too): history's size
            grown = _database_bytes(root) - before
            print(f"{agents:>7} history: the run added {grown / 1e6:,.1f} MB to the workspace database, "
                  f"{grown / agents:,.0f} bytes per agent", flush=True)
    for kind, r in results.items():
        print(f"{agents:>7} {kind:8} {float(r['seconds']):>8.2f} {float(r['peak_mb']):>8.0f}  {r.get('totals', '')}",
              flush=True)
    seconds = {k: float(r["seconds"]) for k, r in results.items()}  # type: ignore[arg-type]
    jili = seconds["jili"]
    print(f"{agents:>7} jili/floor {jili / seconds['floor']:.2f}×   "
          + "   ".join(f"{k}/jili {seconds[k] / jili:.2f}×" for k in ("pandas", "polars") if k in seconds)
          + f"   jili per agent {jili / agents * 1000:.2f} ms"
          "   (targets: ≤ 1.5× the floor, faster than pandas and Polars, peak ≤ 1.5 GB)", flush=True)
    for kind in ("pandas", "polars"):
        if kind in results and results["jili"].get("totals") != results[kind].get("totals"):
            print(f"{agents:>7} note: the {kind} totals differ from jili's; see bench_baselines.py", flush=True)
    commands(agents, root)


def commands(agents: int, root: Path) -> None:
    """What a manager waits for after the close, on the stored run, beside the floor of any command: starting
    Python and importing nothing (best of three each)."""
    jili = str(Path(sys.executable).with_name("jili"))
    board = subprocess.run([jili, "leaderboard", "-p", str(POLICY), "--period", MONTH, "-w", str(root), "--json",
                            "--top", "1"], capture_output=True, text=True, check=True)
    agent = json.loads(board.stdout)["board"][0]["agent_id"]
    runs = {"python -c pass (floor)": [sys.executable, "-c", "pass"], "jili --help": [jili, "--help"],
            "jili explain (one agent)": [jili, "explain", agent, "-p", str(POLICY), "--period", MONTH, "-w", str(root)],
            "jili leaderboard": [jili, "leaderboard", "-p", str(POLICY), "--period", MONTH, "-w", str(root)],
            "jili export (XLSX)": [jili, "export", "-p", str(POLICY), "--period", MONTH, "-w", str(root),
                                   "--out", str(root / "payout.xlsx")]}
    for label, argv in runs.items():
        best = min(_timed(argv) for _ in range(1 if "export" in label else 3))
        print(f"{agents:>7} {label:28} {best:>6.2f} s", flush=True)


def _database_bytes(root: Path) -> int:
    """The workspace database's size on disk, its write-ahead log included."""
    return sum(p.stat().st_size for p in root.glob("jili.sqlite3*"))


def _timed(argv: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, capture_output=True, check=True)
    return time.perf_counter() - t0


if __name__ == "__main__":
    main()
