"""The shape of the house: SQL only from trees, no import circles, no dispatch on class names."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import grimp

from jili.core.expr import parse
from jili.core.plan import aggregates
from jili.core.policy import Agg, FactMetric
from jili.core.problems import Location
from jili.core.roster import Level
from jili.io.sql import render

SRC = Path(__file__).resolve().parents[1] / "src" / "jili"
SQL_WORDS = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|CREATE|COPY|ATTACH|DROP|PRAGMA|FROM|WHERE|JOIN|CAST)\b|"
                       r"read_parquet|read_csv|read_text|timezone\(|date_trunc")


def sql_fstrings(source: str) -> list[int]:
    """Lines of f-strings whose fixed text reads like SQL."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.JoinedStr):
            text = "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
            if SQL_WORDS.search(text):
                found.append(node.lineno)
    return found


def test_no_sql_is_assembled_from_f_strings() -> None:
    offenders = {str(p.relative_to(SRC)): lines for p in sorted(SRC.rglob("*.py"))
                 if (lines := sql_fstrings(p.read_text(encoding="utf-8")))}
    assert offenders == {}


def test_the_sql_fstring_check_finds_one() -> None:  # the check above can fail
    assert sql_fstrings('q = f"SELECT {col} FROM t"\n') == [1]
    assert sql_fstrings('q = f"x FROM {table}"\n') == [1]
    assert sql_fstrings('msg = f"{n} rows selected"\n') == []


def test_a_metric_name_is_one_quoted_identifier_whatever_it_holds() -> None:
    hostile = 'z", (SELECT read_text(\'/etc/hostname\')) AS "q'
    column, _ = parse("talk_seconds", {"talk_seconds": "integer"}, Location("p.yaml"))
    metric = FactMetric(hostile, "interactions", Agg.SUM, column, None, "offered_at", Level.AGENT)
    sql = render(aggregates(metric)[0])
    assert sql == 'CAST(SUM("talk_seconds") AS DECIMAL(38, 4)) AS "z"", (SELECT read_text(\'/etc/hostname\')) AS ""q"'


def test_no_module_imports_itself_through_others() -> None:
    graph = grimp.build_graph("jili")
    circles = [m for m in sorted(graph.modules) if any(
        graph.find_shortest_chain(importer=dep, imported=m) for dep in graph.find_modules_directly_imported_by(m))]
    assert circles == []


def test_nothing_dispatches_on_a_class_name() -> None:
    offenders = [str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
                 if re.search(r"__name__\s*(==|!=|in)|\.kind\s*==\s*\"[A-Z]", p.read_text(encoding="utf-8"))]
    assert offenders == []


def english_only_fixes(source: str) -> list[int]:
    """Lines where a problem gets an English fix and no Chinese one: a call passing ``fix=`` without ``fix_zh=``,
    or a helper taking ``fix`` without ``fix_zh`` (its callers could not give one)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            given = {k.arg for k in node.keywords}
            if "fix" in given and "fix_zh" not in given:
                found.append(node.lineno)
        elif isinstance(node, ast.FunctionDef):
            names = {a.arg for a in [*node.args.args, *node.args.kwonlyargs]}
            if "fix" in names and "fix_zh" not in names:
                found.append(node.lineno)
    return found


def test_every_fix_a_person_reads_has_its_chinese() -> None:
    """zh-Hans first: a problem shown in Chinese never falls back to an English fix."""
    wrong = [f"{path.relative_to(SRC)}:{line}" for path in sorted(SRC.rglob("*.py"))
             for line in english_only_fixes(path.read_text(encoding="utf-8"))]
    assert wrong == []


def test_the_fix_check_finds_one() -> None:  # the check above can fail
    assert english_only_fixes('Problem(e, "c", w, "en", "zh", fix="Do this.")\n') == [1]
    assert english_only_fixes('def err(code, fix=""):\n    pass\n') == [1]
    assert english_only_fixes('Problem(e, "c", w, "en", "zh", fix="Do this.", fix_zh="这样做。")\n') == []
