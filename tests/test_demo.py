"""The generated month behaves like a real centre."""

from __future__ import annotations

import duckdb

from jili.io.demo.generator import DemoSpec, generate


def test_generated_month_is_reproducible_and_correlated(tmp_path):
    a = generate(DemoSpec(agents=150, seed=3, file_format="parquet"), tmp_path / "a")
    b = generate(DemoSpec(agents=150, seed=3, file_format="parquet"), tmp_path / "b")
    assert a.rows == b.rows
    con = duckdb.connect()
    q = lambda p: con.execute(f"SELECT sum(talk_seconds), count(*) FROM '{p}'").fetchone()  # noqa: E731
    assert q(a.files["interactions"]) == q(b.files["interactions"])
    ev, inc, cs = a.files["evaluations"], a.files["incidents"], a.files["surveys"]
    con.execute(f"CREATE VIEW inc AS SELECT * FROM '{inc}'")
    corr = con.execute(f"""
        WITH qa AS (SELECT agent_id, avg(score) AS qa FROM '{ev}' WHERE source = 'internal' GROUP BY 1),
             c AS (SELECT 工号 AS agent_id, count(*) FILTER (事件类型 = '投诉') AS complaints FROM inc GROUP BY 1),
             s AS (SELECT agent_id, avg(rating) AS csat FROM '{cs}' GROUP BY 1)
        SELECT corr(qa, coalesce(complaints, 0)), corr(qa, csat)
        FROM qa LEFT JOIN c USING (agent_id) LEFT JOIN s USING (agent_id)""").fetchone()
    assert corr[0] < -0.1, corr  # better QA, fewer complaints
    assert corr[1] > 0.3, corr  # better QA, happier customers
    hours = dict(con.execute(f"""SELECT hour(timezone('Asia/Shanghai', offered_at)) h, count(*)
                                 FROM '{a.files["interactions"]}' GROUP BY 1""").fetchall())
    assert hours[10] > 10 * hours.get(3, 1)  # mornings busy, nights quiet
    per_agent = con.execute(f"SELECT count(*) FROM '{ev}' GROUP BY agent_id").fetchall()
    counts = [r[0] for r in per_agent]  # 15 internal + 5 carrier; a late hire may have fewer calls
    assert max(counts) == 20 and sum(c == 20 for c in counts) >= 140


def test_the_demo_prints_no_python_repr_in_either_language(tmp_path):
    import re
    import subprocess
    import sys

    from conftest import BANK

    for lang in ("zh", "en"):
        out = subprocess.run([sys.executable, "-m", "jili", "demo", "run", "-w", str(tmp_path / lang), "--agents", "30",
                              "--bank", str(BANK)], capture_output=True, text=True, timeout=300,
                             env={**__import__("os").environ, "JILI_LANG": lang, "COLUMNS": "200"})
        assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
        reprs = re.findall(r"\{'|\['|\('|\bNone\b|Decimal\(|datetime\.", out.stdout)
        if lang == "zh":  # one language at a time: no English sentence in the Chinese demo (names and code aside)
            words = re.compile(r"\b(?:the|of|to|as|is|are|was|with|for|from|read|converted|family|without|"
                               r"problems?|rows|yuan|batch|times|zone)\b")
            prose = [line for line in out.stdout.splitlines() if words.search(re.sub(r"\S*[-/.]\S*", "", line))]
            assert prose == [], prose
        assert reprs == [], [line for line in out.stdout.splitlines() if re.search(r"\{'|\['|\('|\bNone\b", line)]
