"""Import speed and peak memory: 1 M-row interactions CSV and a 100 k-row XLSX.

Baseline in the same run: DuckDB's own read_csv of the same CSV into a table (the floor
for reading text into columns). Each measurement runs in its own process so that peak
memory (VmHWM) belongs to it alone; "work s" times the read or the import call alone,
"process s" the whole process with Python start-up, imports and (for jili) Django and
migrations. Prints figures; passes or fails on nothing.

    .venv/bin/python benchmarks/bench_import.py [--rows 1000000] [--xlsx-rows 100000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import json, sys, time
from pathlib import Path
kind, path, root = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
t0 = time.perf_counter()
if kind == "duckdb":
    import duckdb
    con = duckdb.connect()
    con.execute("SET threads = 2")
    w0 = time.perf_counter()
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{path}', header=true)")
    rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
    work = time.perf_counter() - w0
else:
    from jili.core.facts import FORMATS
    from jili.io.specs.mapping import Mapping
    from jili.io.workspace import load_workspace
    from jili.registry.bootstrap import setup
    ws = load_workspace(root)
    setup(ws)
    from jili.registry.imports import do_import
    if kind == "roster":
        out = do_import(ws, path, Mapping.plain(FORMATS["roster"]), acting_user="bench")
    else:
        out = do_import(ws, path, Mapping.plain(FORMATS["interactions"]), acting_user="bench")
    assert out.status.value == "imported", [p.render() for p in out.problems][:5]
    rows = out.rows
    work = out.seconds
seconds = time.perf_counter() - t0
# VmHWM, not ru_maxrss: Linux keeps ru_maxrss across execve, so it would report the parent's peak
hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"rows": rows, "seconds": work, "process_seconds": seconds, "peak_mb": hwm / 1024}))
"""


def child(kind: str, path: Path, root: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", CHILD, kind, str(path), str(root)], capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    import pyarrow.csv as pacsv

    from jili.io.demo.generator import DemoSpec, generate
    from jili.io.workspace import Workspace, create_layout

    tmp = Path(tempfile.mkdtemp(prefix="jili-bench-"))
    agents = max(20, args.rows // 1200)
    t0 = time.perf_counter()
    data = generate(DemoSpec(agents=agents, calls_per_day=args.rows / agents / 16.5, seed=1), tmp / "data")
    csv_path = data.files["interactions"]
    print(f"generated {data.rows['interactions']:,} interactions for {agents:,} agents "
          f"({csv_path.stat().st_size / 1e6:.0f} MB CSV) in {time.perf_counter() - t0:.1f} s")
    # the XLSX: the first xlsx-rows rows of the same CSV, as a workbook
    from openpyxl import Workbook

    table = pacsv.read_csv(csv_path).slice(0, args.xlsx_rows)
    xlsx_path = tmp / "interactions.xlsx"
    wb = Workbook(write_only=True)
    sheet = wb.create_sheet("话单")
    sheet.append(table.column_names)
    for row in zip(*(table.column(c).to_pylist() for c in table.column_names), strict=True):
        sheet.append(list(row))
    wb.save(xlsx_path)

    results = {}
    for label, kind, path in (("duckdb read_csv (baseline)", "duckdb", csv_path),
                              ("jili import CSV", "csv", csv_path), ("jili import XLSX", "xlsx", xlsx_path)):
        runs = []
        for repeat in range(args.repeat):  # best of N: the machine's noise only ever adds time
            root = tmp / f"ws-{kind}-{repeat}"
            create_layout(Workspace(root=root))
            if kind != "duckdb":
                child("roster", data.files["roster"], root)
            runs.append(child(kind, path, root))
        results[label] = min(runs, key=lambda r: r["seconds"])
    print(f"\n{'what':30} {'rows':>11} {'work s':>8} {'rows/s':>11} {'process s':>9} {'peak MB':>8}")
    for label, r in results.items():
        print(f"{label:30} {int(r['rows']):>11,} {r['seconds']:>8.2f} {r['rows'] / r['seconds']:>11,.0f} "
              f"{r['process_seconds']:>9.2f} {r['peak_mb']:>8.0f}")
    base = results["duckdb read_csv (baseline)"]
    ours = results["jili import CSV"]
    ratio = (ours["rows"] / ours["seconds"]) / (base["rows"] / base["seconds"])
    print(f"(best of {args.repeat} runs each)")
    print(f"\njili CSV import runs at {ratio:.0%} of DuckDB's raw read rate (target: at least 60 %); "
          "jili also types, validates every cell, checks keys and agents, and writes Parquet.")


if __name__ == "__main__":
    main()
