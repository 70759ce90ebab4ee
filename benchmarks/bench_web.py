"""The site under load: 50 people at once on the statement, team and leaderboard pages.

Builds the demo workspace with --agents N (kept under benchmarks/out/web-N, git-ignored, so a
second run skips it), serves it with `jili serve` on loopback, signs in 50 sessions (agents,
leaders and the QA manager) and has each open its page, again and again, for --seconds: first as
people do (a pause of --think seconds, 1 to 3 by default, between pages), then with no pause at all
(a stress figure: 50 clients in a closed loop). Prints p50/p95/p99 per page beside the baseline
from the same run: a static file served by the same process (whitenoise), the server's own floor.
Bounded: loopback only, a fixed number of users and a fixed time. Passes or fails on nothing.

    .venv/bin/python benchmarks/bench_web.py [--agents 10000] [--users 50] [--seconds 30]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from site_server import MONTH, PASSWORD, POLICY, Session, Site, free_port  # noqa: E402


def build(root: Path, agents: int, calls_per_day: float) -> str:
    marker = root / "bench.json"
    if marker.exists():
        return json.loads(marker.read_text())["wallboard"]
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "jili", "demo", "run", "-w", str(root), "--agents", str(agents),
                          "--calls-per-day", str(calls_per_day), "--bank", str(root.parent / "no-bank.tsv"), "--json"],
                         capture_output=True, text=True, check=True)
    wall = json.loads(out.stdout)["wallboard"]
    marker.write_text(json.dumps({"wallboard": wall}))
    print(f"built the {agents:,}-agent demo in {time.perf_counter() - t0:.0f} s")
    return wall


def percentile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def phase(sessions: list[tuple[Session, str]], args: argparse.Namespace, think: float) -> None:
    timings: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    lock = threading.Lock()
    stop = time.perf_counter() + args.seconds

    def user(session: Session, page: str, seed: int) -> None:
        rng = random.Random(seed)
        kinds = [(page.split("/")[1], page), ("static", "/static/jili/site.css")]
        n = 0
        while time.perf_counter() < stop:
            kind, path = kinds[n % 2]
            n += 1
            t0 = time.perf_counter()
            r = session.get(path)
            dt = time.perf_counter() - t0
            with lock:
                timings[kind].append(dt)
                if r.status != 200:
                    errors[kind] += 1
            if think and kind != "static":
                time.sleep(rng.uniform(think / 2, think * 1.5))

    threads = [threading.Thread(target=user, args=(*sp, i)) for i, sp in enumerate(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    load = os.getloadavg()
    how = f"a pause of {think / 2:.0f}–{think * 1.5:.0f} s between pages" if think else "no pause (closed loop)"
    print(f"\n{len(sessions)} users for {args.seconds:.0f} s on {args.agents:,} agents, {how} "
          f"(load {load[0]:.2f}); waitress 8 threads, loopback")
    print(f"{'page':<10} {'requests':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for kind in ("agents", "teams", "boards", "static"):
        xs = timings.get(kind, [])
        if xs:
            print(f"{kind:<10} {len(xs):>9} {percentile(xs, .5) * 1000:>8.1f} {percentile(xs, .95) * 1000:>8.1f} "
                  f"{percentile(xs, .99) * 1000:>8.1f} {errors.get(kind, 0):>7}")
    pages = [x for k, v in timings.items() if k != "static" for x in v]
    print(f"(static = the baseline: a file served by the same process; {len(pages) / args.seconds:.1f} pages/s, "
          f"mean {statistics.mean(pages) * 1000:.1f} ms)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--agents", type=int, default=10000)
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--think", type=float, default=2.0, help="mean pause between a person's pages, seconds")
    ap.add_argument("--calls-per-day", type=float, default=8.0,
                    help="calls per agent per day in the generated months (the pages read standings, not calls)")
    args = ap.parse_args()
    root = HERE / "out" / f"web-{args.agents}" / "centre"
    root.parent.mkdir(parents=True, exist_ok=True)
    build(root, args.agents, args.calls_per_day)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "JILI_DATABASE_URL")}
    server = subprocess.Popen([sys.executable, "-m", "jili", "serve", "-w", str(root), "--port", str(port),
                               "--threads", "8"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    site = Site(root, f"http://127.0.0.1:{port}", "", None, server)
    try:
        for _ in range(300):
            try:
                Session(site).get("/login/")
                break
            except OSError:
                time.sleep(0.1)
        people = [("agent", f"/agents/A00007/{POLICY}/{MONTH}/"), ("leader", f"/teams/T001/?policy={POLICY}"),
                  ("qa", f"/boards/{POLICY}/{MONTH}/")]
        sessions = []
        for i in range(args.users):
            name, page = people[i % len(people)]
            s = Session(site)
            assert s.login(name, PASSWORD).status == 302
            sessions.append((s, page))
        for think in (args.think, 0.0):
            phase(sessions, args, think)
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
