"""``jili autoqa run``: a rule pack over every transcript, with evidence."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress
from rich.table import Table

from jili.cli.app import JsonOpt, WorkspaceOpt, _fail, app, open_workspace, resolve_period
from jili.cli.output import console, emit_json, err_console, lang, t
from jili.core.problems import Location, Problem, Severity
from jili.io.workspace import TEMPLATES

autoqa_app = typer.Typer(help="Auto-QA over every transcript / 智能质检", no_args_is_help=True)
app.add_typer(autoqa_app, name="autoqa")


@autoqa_app.command("run")
def autoqa_run(
    pack: Annotated[str, typer.Option(help="Rule pack: a file, or a shipped pack name / 规则包")] = "zh-cn-service",
    period: Annotated[str | None, typer.Option(help="Check the workspace's transcripts of this period / 周期")] = None,
    jddc: Annotated[Path | None, typer.Option(help="A JDDC chat file (tab-separated) / JDDC 语料")] = None,
    stc3: Annotated[Path | None, typer.Option(help="An STC-3 dialogue file (JSON) / STC-3 语料")] = None,
    files: Annotated[list[Path] | None, typer.Argument(help="Transcript JSON Lines files / 转写文件")] = None,
    out: Annotated[Path | None, typer.Option(help="Findings as CSV / 输出命中明细")] = None,
    no_hyperscan: Annotated[bool, typer.Option("--no-hyperscan", help="Use plain re (slower) / 不用 hyperscan")] = False,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Check transcripts with a rule pack; findings with evidence. / 用规则包检查转写文本。"""
    from jili.autoqa.engine import Checker
    from jili.io.factstore.autoqa import run_checker
    from jili.io.specs.rulepack import load_pack

    path = Path(pack) if Path(pack).is_file() else TEMPLATES / "autoqa" / f"{pack}.yaml"
    the_pack, problems = load_pack(path)
    if the_pack is None:
        raise _fail(problems or [Problem(Severity.ERROR, "no_pack", Location(pack), f"No rule pack {pack!r}.",
                                         f"没有规则包 {pack!r}。")], as_json)
    checker = Checker(the_pack, use_hyperscan=not no_hyperscan)
    ws = None
    if jddc is not None or stc3 is not None or files:
        from jili.io.demo import corpora

        transcripts = []
        if jddc is not None:
            transcripts += list(corpora.jddc(jddc))
        if stc3 is not None:
            transcripts += list(corpora.stc3(stc3))
        for file in files or []:
            transcripts += list(corpora.jsonl(file))
    elif period is not None:
        ws = open_workspace(workspace, as_json)
        per = resolve_period(period, as_json)
        from jili.cli.qa import _facts
        from jili.io.factstore.autoqa import transcripts_from_facts

        transcripts = transcripts_from_facts(_facts(ws), per, ws.timezone)
    else:
        raise _fail([Problem(Severity.ERROR, "no_input", Location("autoqa run"), "Say what to check: --period, "
                             "--jddc, --stc3 or transcript files.", "请指定要检查的内容：--period、--jddc、--stc3 或文件。")],
                    as_json, code=2)
    if as_json or not transcripts:
        report = run_checker(checker, transcripts)
    else:
        with Progress(console=err_console, transient=True) as bar:
            task = bar.add_task(t("checking", "检查中"), total=len(transcripts))
            report = run_checker(checker, transcripts, progress=lambda n: bar.advance(task, n))
    imported = None
    if ws is not None and report.findings:
        from jili.core.facts import FORMATS
        from jili.io.factstore.autoqa import write_findings
        from jili.io.specs.mapping import Mapping
        from jili.registry.imports import do_import

        staged = ws.staging_dir / f"autoqa-{the_pack.id}-{period}.parquet"
        write_findings(staged, the_pack.id, report.findings, dt.datetime.now(dt.UTC))
        outcome = do_import(ws, staged, Mapping.plain(FORMATS["autoqa_findings"]), acting_user="autoqa")
        staged.unlink(missing_ok=True)
        imported = outcome.batch_id
    if out is not None:
        with out.open("w", newline="", encoding="utf-8-sig") as fh:
            w = csv.writer(fh)
            w.writerow(["interaction_id", "agent_id", "rule_id", "severity", "turn", "start", "end", "time_ms", "evidence",
                        "item", "review"])
            for f in report.findings:
                w.writerow([f.transcript, f.agent_id or "", f.rule_id, f.severity, f.turn, f.start, f.end, f.time_ms,
                            f.evidence, f.item or "", f.review])
    n = max(report.transcripts, 1)
    rows = [(r.base.id, r.base.label_zh if lang().startswith("zh") else r.base.label_en, report.with_phrase.get(r.base.id),
             report.with_finding.get(r.base.id, 0)) for r in the_pack.rules]
    if as_json:
        emit_json({"ok": True, "pack": the_pack.id, "engine": checker.matcher.engine, "patterns": the_pack.pattern_count,
                   "transcripts": report.transcripts, "turns": report.turns, "coverage": 1.0 if report.transcripts else 0.0,
                   "findings": len(report.findings), "batch": imported,
                   "rules": [{"rule": rid, "said_in": said, "findings_in": found, "finding_rate": found / n}
                             for rid, _, said, found in rows]})
        return
    console.print(t(f"{report.transcripts:,} transcripts ({report.turns:,} turns) checked with {the_pack.id} "
                    f"({the_pack.pattern_count} patterns, {checker.matcher.engine}): coverage 100 %, "
                    f"{len(report.findings):,} findings",
                    f"已用 {the_pack.id}（{the_pack.pattern_count} 个模式，{checker.matcher.engine}）检查 {report.transcripts:,} "
                    f"份转写（{report.turns:,} 个话轮）：覆盖率 100%，命中 {len(report.findings):,} 条"))
    table = Table()
    for head in (t("rule", "规则"), t("what", "说明"), t("said in", "出现于"), t("findings in", "问题出现于")):
        table.add_column(head)
    for rid, label, said, found in rows:
        table.add_row(rid, label, "" if said is None else f"{said / n:.0%}", f"{found / n:.0%}" if found else "")
    console.print(table)
    if imported:
        console.print(t(f"Findings imported as batch {imported} (fact autoqa_findings)",
                        f"命中结果已导入为批次 {imported}（autoqa_findings）"))
