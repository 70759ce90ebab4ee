"""``jili autoqa run``: a rule pack over every transcript, with evidence."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from jili.cli.app import JsonOpt, WorkspaceOpt, _fail, app, open_workspace, resolve_period
from jili.cli.output import console, emit_json, err_console, lang, t
from jili.core.problems import Location, Problem, Severity
from jili.io.workspace import TEMPLATES, Workspace

if TYPE_CHECKING:
    from jili.autoqa.engine import Finding
    from jili.autoqa.judgement import Judgement
    from jili.autoqa.transcript import Transcript

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
        transcripts = _read_transcripts(jddc, stc3, files)
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
        from rich.progress import Progress  # a bar on a terminal only: not imported by every command

        with Progress(console=err_console, transient=True) as bar:
            task = bar.add_task(t("checking", "检查中"), total=len(transcripts))
            report = run_checker(checker, transcripts, progress=lambda n: bar.advance(task, n))
    scored: list[tuple[Transcript, Judgement]] = []
    if ws is not None:  # the workspace's calls: low agent scores go to the sampling plan first, scores to the facts
        scored = judged(transcripts)
        report.findings.extend(low_agent_scores(scored))
    imported = scores_batch = None
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
    if ws is not None and scored:
        scores_batch = import_scores(ws, scored, period or "")
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
                   "findings": len(report.findings), "batch": imported, "scores_batch": scores_batch,
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
    if scores_batch:
        console.print(t(f"Each call's agent score and predicted satisfaction imported as batch {scores_batch} "
                        "(fact autoqa_scores)",
                        f"每通通话的坐席表现分与预测满意度已导入为批次 {scores_batch}（autoqa_scores）"))


def judged(transcripts: list[Transcript]) -> list[tuple[Transcript, Judgement]]:
    """Each call judged once, by both shipped models: its scores go to the facts, its low agent score to review."""
    from jili.autoqa.judgement import judge, shipped

    return [(call, judge(shipped(), call)) for call in transcripts]


def low_agent_scores(scored: list[tuple[Transcript, Judgement]]) -> list[Finding]:
    from jili.autoqa.judgement import low_agent_score_finding

    found = (low_agent_score_finding(call, judgement) for call, judgement in scored)
    return [f for f in found if f is not None]


def import_scores(ws: Workspace, scored: list[tuple[Transcript, Judgement]], label: str) -> int | None:
    """The calls' scores as an autoqa_scores batch (a second run of the period imports nothing new: the same calls
    scored by the same model are the same file). The demo imports its calls' scores through here too."""
    from jili.autoqa.judgement import MODEL_FILE
    from jili.core.facts import FORMATS
    from jili.io.factstore.autoqa import write_scores
    from jili.io.specs.mapping import Mapping
    from jili.registry.imports import do_import

    staged = ws.staging_dir / f"autoqa-scores-{label}.parquet"
    if not write_scores(staged, MODEL_FILE.stem, scored):
        staged.unlink(missing_ok=True)
        return None
    outcome = do_import(ws, staged, Mapping.plain(FORMATS["autoqa_scores"]), acting_user="autoqa")
    staged.unlink(missing_ok=True)
    return outcome.batch_id


def _read_transcripts(jddc: Path | None, stc3: Path | None, files: list[Path] | None) -> list[Transcript]:
    """The transcripts of the corpora and JSON Lines files given on the command line."""
    from jili.io.demo import corpora

    found = list(corpora.jddc(jddc)) if jddc is not None else []
    found += list(corpora.stc3(stc3)) if stc3 is not None else []
    for file in files or []:
        found += list(corpora.jsonl(file))
    return found


def _transcripts(stc3: Path | None, files: list[Path] | None, as_json: bool) -> list[Transcript]:
    found = _read_transcripts(None, stc3, files)
    if not found:
        raise _fail([Problem(Severity.ERROR, "no_input", Location("autoqa score"), "Say what to score: --stc3 or "
                             "transcript files.", "请指定要评分的内容：--stc3 或转写文件。")], as_json, code=2)
    return found


@autoqa_app.command("score")
def autoqa_score(
    stc3: Annotated[Path | None, typer.Option(help="An STC-3 dialogue file (JSON) / STC-3 语料")] = None,
    files: Annotated[list[Path] | None, typer.Argument(help="Transcript JSON Lines files / 转写文件")] = None,
    out: Annotated[Path | None, typer.Option(help="One row per dialogue as CSV / 输出评分表")] = None,
    model: Annotated[Path | None, typer.Option(help="A centre's own models (jili autoqa train) / 自训练模型")] = None,
    pack: Annotated[str, typer.Option(help="Rule pack for the flags / 规则包")] = "zh-cn-service",
    as_json: JsonOpt = False,
) -> None:
    """Predicted satisfaction and the agent's part (0-100, higher is better), each with a 90 % interval,
    what moved them and the pack's flags. / 预测满意度与坐席表现分。"""
    from jili.autoqa.engine import Checker
    from jili.autoqa.judgement import MODEL_FILE, judge, load
    from jili.io.factstore.autoqa import run_checker
    from jili.io.specs.rulepack import load_pack

    transcripts = _transcripts(stc3, files, as_json)
    models = load(model or MODEL_FILE)
    the_pack, _ = load_pack(Path(pack) if Path(pack).is_file() else TEMPLATES / "autoqa" / f"{pack}.yaml")
    flags: dict[str, list[str]] = {}
    if the_pack is not None:
        for f in run_checker(Checker(the_pack), transcripts).findings:
            flags.setdefault(f.transcript, []).append(f.rule_id)
    judged = [judge(models, x) for x in transcripts]
    if out is not None:
        with out.open("w", newline="", encoding="utf-8-sig") as fh:
            w = csv.writer(fh)
            w.writerow(["dialogue_id", "score", "score_low", "score_high", "agent_score", "agent_low", "agent_high",
                        "flags", "agent_reasons"])
            for j in judged:
                w.writerow([j.dialogue_id, j.score, j.score_low, j.score_high, j.agent_score, j.agent_low, j.agent_high,
                            ";".join(sorted(set(flags.get(j.dialogue_id, [])))),
                            "; ".join(f"{r.text} ({r.effect:+.1f} @{r.turn})" for r in j.reasons)])
    if as_json:
        emit_json({"ok": True, "dialogues": len(judged), "scores": [
            {"dialogue_id": j.dialogue_id, "score": j.score, "score_low": j.score_low, "score_high": j.score_high,
             "agent_score": j.agent_score, "agent_low": j.agent_low, "agent_high": j.agent_high,
             "flags": sorted(set(flags.get(j.dialogue_id, []))),
             "agent_reasons": [{"text": r.text, "turn": r.turn, "effect": r.effect} for r in j.reasons],
             "score_reasons": [{"text": r.text, "turn": r.turn, "effect": r.effect} for r in j.score_reasons]}
            for j in judged]})
        return
    worst = sorted(judged, key=lambda j: j.agent_score)[:10]
    console.print(t(f"{len(judged):,} dialogues scored; the 10 with the lowest agent score:",
                    f"已评分 {len(judged):,} 段对话；坐席表现分最低的 10 段："), markup=False)
    table = Table()
    for head in (t("dialogue", "对话"), t("agent score (90 %)", "坐席表现分（90% 区间）"),
                 t("satisfaction (90 %)", "预测满意度（90% 区间）"), t("what moved it", "主要依据")):
        table.add_column(head)
    for j in worst:
        table.add_row(j.dialogue_id, f"{j.agent_score:.0f} ({j.agent_low:.0f}–{j.agent_high:.0f})",
                      f"{j.score:.0f} ({j.score_low:.0f}–{j.score_high:.0f})",
                      t("; ", "；").join(f"“{r.text}” {r.effect:+.1f}" + t(f" at turn {r.turn + 1}", f"（第 {r.turn + 1} 轮）")
                                        for r in j.reasons[:3]))
    console.print(table)
    if out is not None:
        console.print(t(f"Every dialogue: {out}", f"全部对话：{out}"), markup=False)


@autoqa_app.command("train")
def autoqa_train(
    stc3: Annotated[Path, typer.Option(help="Rated STC-3 dialogues (JSON with annotations) / 带评分的 STC-3 对话")],
    out: Annotated[Path, typer.Option(help="Where to write the models (.npz) / 模型输出路径")],
    as_json: JsonOpt = False,
) -> None:
    """Fit both judgement models on the rated dialogues, leaving the held-out fifth out; print how they do on it.
    / 用带评分的对话训练两个评分模型。"""
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise _fail([Problem(Severity.ERROR, "needs_sklearn", Location("autoqa train"),
                             "Training needs scikit-learn.", "训练需要 scikit-learn。",
                             fix="pip install 'jili[train]'", fix_zh="请安装：pip install 'jili[train]'")], as_json) from None
    from scipy.stats import spearmanr

    from jili.autoqa.judgement import fit, held_out, judge, save
    from jili.io.demo import corpora

    ratings = corpora.stc3_ratings(stc3)
    rated = [x for x in corpora.stc3(stc3) if x.id in ratings]
    train = [x for x in rated if not held_out(x.id)]
    test = [x for x in rated if held_out(x.id)]
    models = fit(train, [ratings[x.id].s for x in train])
    save(models, out)
    judged = [judge(models, x, explain=0) for x in test]
    truth = [ratings[x.id].s for x in test]
    rho = {"score": float(spearmanr([j.score for j in judged], truth)[0]),
           "agent_score": float(spearmanr([j.agent_score for j in judged], truth)[0])} if len(test) > 2 else {}
    if as_json:
        emit_json({"ok": True, "model": str(out), "trained_on": len(train), "held_out": len(test), "spearman_s": rho})
        return
    console.print(t(f"Trained on {len(train):,} dialogues; {len(test):,} held out. Spearman with the raters' mean S: "
                    f"score {rho.get('score', float('nan')):.3f}, agent_score {rho.get('agent_score', float('nan')):.3f}. "
                    f"Models: {out}",
                    f"训练 {len(train):,} 段，留出 {len(test):,} 段。与评分者平均满意度的 Spearman 相关："
                    f"预测满意度 {rho.get('score', float('nan')):.3f}，坐席表现分 {rho.get('agent_score', float('nan')):.3f}。"
                    f"模型：{out}"), markup=False)
