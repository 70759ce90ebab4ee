"""The site's views: ask access, build the page record, render. Writes go through the registry's
``do_*`` actions, which audit them."""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from jili.core.facts import FORMATS
from jili.core.periods import parse_period
from jili.core.problems import Location, Problem
from jili.io.specs.mapping import Mapping
from jili.qa.scoring import Answer
from jili.registry.accounts import wallboard_token_valid
from jili.registry.models import Account
from jili.registry.models import Appeal as AppealRow
from jili.registry.models import Assignment as AssignmentRow
from jili.registry.models import CalibrationCall as CalibrationCallRow
from jili.registry.models import CalibrationSession as CalibrationRow
from jili.registry.models import CoachingTask as CoachingRow
from jili.registry.models import Period as PeriodRow
from jili.web import pages, workflow
from jili.web.access import (
    ALL_TEAMS,
    HOME,
    Role,
    access_agent,
    access_role,
    access_team,
    account_of,
    current_team,
    led_teams,
    visible_teams,
)
from jili.web.language import COOKIE, LANGUAGES, is_zh, t

EVERYONE = tuple(Role)


def _acting(request: HttpRequest) -> str:
    return f"web:{request.user.get_username()}"


def _period_or_404(label: str) -> PeriodRow:
    row = PeriodRow.objects.filter(label=label).first()
    if row is None:
        raise Http404
    return row


# --- signing in, language, home -----------------------------------------------------------------

class LoginView(auth_views.LoginView):
    """Django's login, refused for a while after too many failures for the same name or address."""

    template_name = "jili/login.html"

    def _keys(self, request: HttpRequest) -> tuple[tuple[str, int], tuple[str, int]]:
        """The failure counters and their limits: one per name (a guessed password), and a higher one per
        address (a centre's floor shares one address: one person's typos must not lock everyone out)."""
        name = str(request.POST.get("username", "")).strip().lower()[:150]
        return ((f"login-fail:user:{name}", settings.LOGIN_FAILURES_ALLOWED),
                (f"login-fail:addr:{request.META.get('REMOTE_ADDR', '')}", settings.LOGIN_FAILURES_PER_ADDRESS))

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        counters = self._keys(request)
        if any(cache.get(key, 0) >= limit for key, limit in counters):
            minutes = settings.LOGIN_LOCKOUT_SECONDS // 60
            return render(request, "jili/login.html", {
                "form": self.get_form(), "locked": t(
                    request, f"Too many failed sign-ins. Wait {minutes} minutes and try again.",
                    f"登录失败次数过多，请 {minutes} 分钟后再试。")}, status=429)
        response = super().post(request, *args, **kwargs)
        if request.user.is_authenticated:
            cache.delete(counters[0][0])
        else:
            for key, _ in counters:
                cache.set(key, cache.get(key, 0) + 1, settings.LOGIN_LOCKOUT_SECONDS)
        return response


@require_POST
def language(request: HttpRequest, code: str) -> HttpResponse:
    if code not in LANGUAGES:
        raise Http404
    back = str(request.POST.get("next", "/"))
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = "/"
    response = redirect(back)
    response.set_cookie(COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax")
    return response


@login_required
def home(request: HttpRequest) -> HttpResponse:
    account = account_of(request)
    if account is None:
        return render(request, "jili/no_account.html", status=403)
    return redirect(HOME[Role(account.role)])


@login_required
def me(request: HttpRequest) -> HttpResponse:
    account = account_of(request)
    if account is None or account.agent is None:
        raise Http404
    return redirect("agent", agent_id=account.agent.agent_id)


# --- agents and statements ----------------------------------------------------------------------

@login_required
def agent(request: HttpRequest, agent_id: str) -> HttpResponse:
    access_agent(request, agent_id)
    overview = pages.agent_overview(agent_id)
    if not overview.history and overview.team == "" and overview.name == "":
        raise Http404
    home = None  # this month's statement of the first scheme, explained on the home page itself
    if overview.latest:
        run = pages.run_for(overview.latest[0].run.policy_id, overview.latest[0].run.period)
        home = pages.statement_page(pages.site_workspace(), run, agent_id) if run is not None else None
    return render(request, "jili/agent.html", {"o": overview, "home": home})


@login_required
def statement(request: HttpRequest, agent_id: str, policy: str, period: str) -> HttpResponse:
    access_agent(request, agent_id)
    run = pages.run_for(policy, period)
    page = pages.statement_page(pages.site_workspace(), run, agent_id) if run is not None else None
    if page is None:
        raise Http404
    return render(request, "jili/statement.html", {"p": page, "s": page.statement})


# --- teams --------------------------------------------------------------------------------------

@login_required
def teams(request: HttpRequest) -> HttpResponse:
    account = access_role(request, Role.LEADER, *ALL_TEAMS)
    listed = pages.teams_with_members(visible_teams(account))
    if account.role == Role.LEADER and len(listed) == 1:
        return redirect("team", code=listed[0][0])
    return render(request, "jili/teams.html", {"teams": listed})


@login_required
def team(request: HttpRequest, code: str) -> HttpResponse:
    row = access_team(request, code)
    runs = pages.active_runs()
    policy = str(request.GET.get("policy", "")) or (runs[0].policy_id if runs else "")
    chosen = next((r for r in runs if r.policy_id == policy), None)
    run = pages.run_for(chosen.policy_id, chosen.period) if chosen else None
    page = pages.team_page(pages.site_workspace(), row, run, request.GET.get("account"))
    policies = sorted({r.policy_id for r in runs})
    return render(request, "jili/team.html", {"p": page, "policies": policies})


# --- leaderboards -------------------------------------------------------------------------------

@login_required
def boards(request: HttpRequest) -> HttpResponse:
    access_role(request, *EVERYONE)
    return render(request, "jili/boards.html", {"runs": pages.active_runs()})


@login_required
def leaderboard(request: HttpRequest, policy: str, period: str) -> HttpResponse:
    access_role(request, *EVERYONE)
    run = pages.run_for(policy, period)
    if run is None:
        raise Http404
    return render(request, "jili/board.html", {"b": pages.board(run, request.GET.get("account"))})


def _wall_run(token: str, policy: str) -> pages.PolicyRun:
    if not wallboard_token_valid(token):
        raise Http404
    refs = [r for r in pages.active_runs() if r.policy_id == policy]
    run = pages.run_for(policy, refs[0].period) if refs else None
    if run is None:
        raise Http404
    return run


def wallboard(request: HttpRequest, token: str, policy: str) -> HttpResponse:
    """The TV on the floor: no login, a read-only token; the rows refresh themselves."""
    run = _wall_run(token, policy)
    return render(request, "jili/wallboard.html", {"b": pages.board(run, request.GET.get("account"), top=15),
                                                    "token": token})


def wallboard_rows(request: HttpRequest, token: str, policy: str) -> HttpResponse:
    run = _wall_run(token, policy)
    return render(request, "jili/wallboard_rows.html", {"b": pages.board(run, request.GET.get("account"), top=15),
                                                         "token": token})


# --- quality ------------------------------------------------------------------------------------

@login_required
def quality(request: HttpRequest) -> HttpResponse:
    access_role(request, Role.QA_MANAGER, Role.EVALUATOR, Role.ADMIN)
    label = str(request.GET.get("period", "")) or pages.latest_month()
    period = parse_period(label) if label else None
    page = pages.quality_page(pages.site_workspace(), period) if period is not None else None
    return render(request, "jili/quality.html", {"q": page})


# --- payroll: periods, runs, close, corrections, payout -----------------------------------------

PAYROLL = (Role.PAYROLL, Role.ADMIN)


def payroll_action(view: Callable[[HttpRequest, str], HttpResponse]) -> Callable[..., HttpResponse]:
    """A write of payroll's on a period: signed in, payroll's role (403 otherwise), then POST only."""
    @login_required
    @functools.wraps(view)
    def checked(request: HttpRequest, label: str) -> HttpResponse:
        access_role(request, *PAYROLL)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        return view(request, label)

    return checked


@login_required
def periods(request: HttpRequest) -> HttpResponse:
    access_role(request, *PAYROLL)
    ws = pages.site_workspace()
    return render(request, "jili/periods.html", {"periods": pages.periods_page(),
                                                 "policies": pages.workspace_policies(ws)})


@login_required
def period(request: HttpRequest, label: str) -> HttpResponse:
    access_role(request, *PAYROLL)
    row = _period_or_404(label)
    ws = pages.site_workspace()
    whatif = None
    draft_name = str(request.GET.get("draft", ""))
    base_name = str(request.GET.get("base", ""))
    policies = pages.workspace_policies(ws)
    if draft_name and base_name:
        draft = next((p for n, p, _ in policies if n == draft_name), None)
        run = pages.run_for(base_name, label)
        per = parse_period(label)
        if draft is not None and run is not None and per is not None:
            whatif = pages.what_if(ws, draft, run, per)
    return render(request, "jili/period.html", {"row": row, "runs": pages.period_runs(row, is_zh(request)),
                                                "policies": policies, "whatif": whatif})


def _problems_to_messages(request: HttpRequest, problems: Sequence[Problem]) -> None:
    lang = "zh" if is_zh(request) else "en"
    for p in problems:
        messages.error(request, p.render(lang))


@payroll_action
def run_policy(request: HttpRequest, label: str) -> HttpResponse:
    per = parse_period(label)
    ws = pages.site_workspace()
    name = str(request.POST.get("policy", ""))
    policy = next((p for n, p, _ in pages.workspace_policies(ws) if n == name), None)
    if per is None or policy is None:
        raise Http404
    if policy.period != per.kind:
        messages.error(request, t(request, f"{policy.id} settles per {policy.period.value}; {per.label} is a "
                                           f"{per.kind.value}.", f"{policy.id} 的结算周期与 {per.label} 不符。"))
        return redirect("period", label=label)
    from jili.registry.ledger import do_run_policy

    outcome = do_run_policy(ws, policy, per, acting_user=_acting(request),
                            allow_empty=request.POST.get("allow_empty") == "on")
    if not outcome.ok:
        _problems_to_messages(request, outcome.problems)
    else:
        messages.success(request, t(request, f"{policy.id}: {len(outcome.statements)} agents computed (run "
                                             f"{outcome.run_id}).",
                                    f"{policy.id}：已计算 {len(outcome.statements)} 名坐席（计算批次 {outcome.run_id}）。"))
    return redirect("period", label=label)


@payroll_action
def close_period(request: HttpRequest, label: str) -> HttpResponse:
    row = _period_or_404(label)
    per = parse_period(row.label)
    if per is None:
        raise Http404
    if request.POST.get("confirm") != row.label:
        messages.error(request, t(request, f"Type {row.label} to confirm the close.",
                                  f"请输入 {row.label} 以确认结账。"))
        return redirect("period", label=label)
    from jili.registry.ledger import do_close_period

    problem = do_close_period(per, acting_user=_acting(request))
    if problem is not None:
        _problems_to_messages(request, [problem])
    else:
        messages.success(request, t(request, f"{row.label} is closed.", f"{row.label} 已结账。"))
    return redirect("period", label=label)


@payroll_action
def correct(request: HttpRequest, label: str) -> HttpResponse:
    per = parse_period(label)
    if per is None:
        raise Http404
    reason = str(request.POST.get("reason", "")).strip()
    try:
        posting = int(str(request.POST.get("posting", "")))
    except ValueError:
        posting = 0
    if not reason:
        messages.error(request, t(request, "A correction needs its reason.", "更正须填写原因。"))
        return redirect("period", label=label)
    from jili.registry.ledger import do_correct

    result = do_correct(posting, str(request.POST.get("amount", "")), per, acting_user=_acting(request), reason=reason)
    if isinstance(result, Problem):
        _problems_to_messages(request, [result])
    else:
        messages.success(request, t(request, f"Correction posted as #{result.pk}.", f"更正已记账 #{result.pk}。"))
    return redirect("period", label=label)


@login_required
def payout(request: HttpRequest, label: str, policy: str) -> HttpResponse:
    access_role(request, *PAYROLL)
    run = pages.run_for(policy, label)
    per = parse_period(label)
    pol = pages.policy_of(run) if run is not None else None
    if run is None or per is None or pol is None:
        raise Http404
    from jili.io.outputs.payout import write_payout
    from jili.registry.results import corrections_in, stored_statements

    out = Path(tempfile.mkdtemp(prefix="jili-payout-")) / f"payout-{pol.id}-{label}.xlsx"
    head = pol.head()
    write_payout(out, head, stored_statements(head.id, per), corrections_in(head, per))
    return FileResponse(out.open("rb"), as_attachment=True, filename=out.name)


# --- imports and the audit log ------------------------------------------------------------------

@login_required
def imports(request: HttpRequest) -> HttpResponse:
    access_role(request, *PAYROLL)
    outcome = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        fact = str(request.POST.get("fact", ""))
        if upload is None or fact not in FORMATS:
            messages.error(request, t(request, "Choose a file and its format.", "请选择文件及其格式。"))
            return redirect("imports")
        from jili.registry.imports import do_import

        ws = pages.site_workspace()
        folder = Path(tempfile.mkdtemp(prefix="upload-", dir=ws.staging_dir))
        path = folder / Path(upload.name or "upload").name
        with path.open("wb") as fh:
            for chunk in upload.chunks():
                fh.write(chunk)
        supersede = str(request.POST.get("supersede", "")).strip()
        outcome = do_import(ws, path, Mapping.plain(FORMATS[fact]), acting_user=_acting(request),
                            supersede=int(supersede) if supersede.isdigit() else None)
        path.unlink(missing_ok=True)
        folder.rmdir()
    return render(request, "jili/imports.html", {"batches": pages.batches(), "formats": sorted(FORMATS),
                                                 "outcome": outcome,
                                                 "lang": "zh" if is_zh(request) else "en"})


@login_required
def audit(request: HttpRequest) -> HttpResponse:
    access_role(request, *PAYROLL)
    return render(request, "jili/audit.html", {"events": pages.audit()})


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "jili/error.html", {"code": 404, "en": "Not found.", "zh": "页面不存在。"}, status=404)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "jili/error.html", {"code": 403, "en": "This page is not for your role.",
                                               "zh": "您的角色无权查看此页面。"}, status=403)



# --- the QA workflow: queue and form, an agent's evaluations, appeals ----------------------------

EVALUATORS = (Role.EVALUATOR, Role.QA_MANAGER)


def _assignment_or_404(request: HttpRequest, assignment_id: int) -> AssignmentRow:
    """The assignment, when it is in the signed-in evaluator's own queue; anyone else: 404."""
    access_role(request, *EVALUATORS)
    row = AssignmentRow.objects.filter(pk=assignment_id, evaluator=request.user.get_username()).first()
    if row is None:
        raise Http404
    return row


@login_required
def work(request: HttpRequest) -> HttpResponse:
    account = access_role(request, *EVALUATORS)
    from jili.registry.evaluations import queue, scorecards

    evaluators = (sorted(Account.objects.filter(role__in=list(EVALUATORS)).values_list("user__username", flat=True))
                  if account.role == Role.QA_MANAGER else [])
    cards = sorted({c.id for c in scorecards(pages.site_workspace())})
    return render(request, "jili/work.html", {"queue": queue(request.user.get_username()), "evaluators": evaluators,
                                              "cards": cards, "month": pages.latest_month()})


@login_required
@require_POST
def assign(request: HttpRequest) -> HttpResponse:
    access_role(request, Role.QA_MANAGER)
    per = parse_period(str(request.POST.get("period", "")))
    if per is None:
        messages.error(request, t(request, "Choose a period such as 2025-03.", "请填写周期，如 2025-03。"))
        return redirect("work")
    from jili.qa.sampling import Plan
    from jili.registry.evaluations import do_assign

    try:
        per_agent = max(1, min(100, int(str(request.POST.get("per_agent", "15")))))
    except ValueError:
        per_agent = 15
    made = do_assign(pages.site_workspace(), per, request.POST.getlist("evaluators"), str(request.POST.get("scorecard", "")),
                     acting_user=request.user.get_username(), plan=Plan(per_agent=per_agent))
    if isinstance(made, Problem):
        _problems_to_messages(request, [made])
    else:
        messages.success(request, t(request, f"{len(made)} calls assigned.", f"已分配 {len(made)} 通待检通话。"))
    return redirect("work")


@login_required
def evaluate(request: HttpRequest, assignment_id: int) -> HttpResponse:
    row = _assignment_or_404(request, assignment_id)
    ws = pages.site_workspace()
    form = workflow.evaluate_form(ws, row)
    if isinstance(form, Problem):
        _problems_to_messages(request, [form])
        return redirect("work")
    if request.method == "POST":
        from jili.registry.evaluations import do_evaluate

        answers, problems = workflow.answers_from_form(form.card, request.POST)
        machine = [f.item.id for f in form.items if f.machine]
        saved = problems or do_evaluate(ws, row.pk, answers, str(request.POST.get("comment", "")),
                                        acting_user=request.user.get_username(), machine=machine)
        if isinstance(saved, list):
            _problems_to_messages(request, saved)
            form = workflow.evaluate_form(ws, row, answers)
            assert not isinstance(form, Problem)
            return render(request, "jili/evaluate.html", {"f": form, "total_url": reverse("running_total", args=[row.pk])},
                          status=400)
        messages.success(request, t(request, f"Saved as {saved.evaluation_id} v{saved.version}: {saved.score}.",
                                    f"已保存 {saved.evaluation_id} 第 {saved.version} 版：{saved.score} 分。"))
        return redirect("work")
    return render(request, "jili/evaluate.html", {"f": form, "total_url": reverse("running_total", args=[row.pk])})


@login_required
@require_POST
def running_total(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """The form's total as it stands, scored exactly as a saved evaluation is (htmx swaps it in)."""
    row = _assignment_or_404(request, assignment_id)
    return _total(request, row.scorecard, workflow.CallRef(row.interaction_id, row.agent_id, row.call_at))


def _total(request: HttpRequest, card_id: str, call: workflow.CallRef) -> HttpResponse:
    """Called on every change of the form: only the scorecard and the scorer, not the whole form (transcript,
    findings)."""
    from jili.qa.scoring import score
    from jili.registry.evaluations import card_for

    card = card_for(pages.site_workspace(), card_id, call.agent_id, call.call_at)
    if isinstance(card, Problem):
        raise Http404
    answers, problems = workflow.answers_from_form(card, request.POST)
    total, found = score(card, answers, Location(call.interaction_id))
    return render(request, "jili/_running_total.html", {"total": total, "problems": [*problems, *found],
                                                         "lang": "zh" if is_zh(request) else "en"})


def _evaluation_or_404(request: HttpRequest, evaluation_id: str) -> Account:
    """Who may see an evaluation: the agent, their team's leader, the evaluator who made it, the QA manager."""
    from jili.registry.evaluations import current

    ev = current(evaluation_id)
    account = account_of(request)
    if ev is None or account is None:
        raise Http404
    if (account.role == Role.QA_MANAGER or ev.evaluator == request.user.get_username()
            or (account.agent is not None and account.agent.agent_id == ev.agent_id)
            or (account.role == Role.LEADER and current_team(ev.agent_id) in led_teams(account))):
        return account
    raise Http404


@login_required
def my_evaluations(request: HttpRequest) -> HttpResponse:
    account = account_of(request)
    if account is None or account.agent is None:
        raise Http404
    return render(request, "jili/evaluations.html", {"rows": workflow.evaluations_of(account.agent.agent_id)})


@login_required
def evaluation(request: HttpRequest, evaluation_id: str) -> HttpResponse:
    account = _evaluation_or_404(request, evaluation_id)
    detail = workflow.evaluation_detail(pages.site_workspace(), evaluation_id)
    if detail is None:
        raise Http404
    mine = account.agent is not None and account.agent.agent_id == detail.evaluation.agent_id
    return render(request, "jili/evaluation.html", {"d": detail, "mine": mine})


@login_required
@require_POST
def acknowledge(request: HttpRequest, evaluation_id: str) -> HttpResponse:
    _evaluation_or_404(request, evaluation_id)
    from jili.registry.appeals import do_acknowledge

    problem = do_acknowledge(evaluation_id, acting_user=request.user.get_username())
    if problem is not None:
        _problems_to_messages(request, [problem])
    return redirect("evaluation", evaluation_id=evaluation_id)


@login_required
@require_POST
def appeal(request: HttpRequest, evaluation_id: str) -> HttpResponse:
    _evaluation_or_404(request, evaluation_id)
    from jili.registry.appeals import do_appeal

    made = do_appeal(pages.site_workspace(), evaluation_id, request.POST.getlist("items"),
                     str(request.POST.get("reason", "")), acting_user=request.user.get_username())
    if isinstance(made, Problem):
        _problems_to_messages(request, [made])
    else:
        messages.success(request, t(request, f"Appeal {made.pk} filed; your team leader reviews it first.",
                                    f"申诉 {made.pk} 已提交，先由组长审核。"))
    return redirect("evaluation", evaluation_id=evaluation_id)


@login_required
def appeals(request: HttpRequest) -> HttpResponse:
    account = access_role(request, Role.LEADER, Role.QA_MANAGER)
    from jili.registry.models import Appeal

    qs = Appeal.objects.all()
    if account.role == Role.LEADER:
        from jili.registry.accounts import agents_led

        qs = qs.filter(agent_id__in=agents_led(account))  # one query, not one per appeal
    rows = list(qs.order_by("-id")[:2000])
    waiting = Appeal.Status.LEADER if account.role == Role.LEADER else Appeal.Status.QA
    listed = workflow.appeal_rows(rows)
    return render(request, "jili/appeals.html", {"waiting": [r for r in listed if r.appeal.status == waiting],
                                                 "others": [r for r in listed if r.appeal.status != waiting]})


def _appeal_or_404(request: HttpRequest, appeal_id: int) -> tuple[Account, AppealRow]:
    account = access_role(request, Role.LEADER, Role.QA_MANAGER)
    from jili.registry.accounts import leads

    row = AppealRow.objects.filter(pk=appeal_id).first()
    if row is None or (account.role == Role.LEADER and not leads(account, row.agent_id)):
        raise Http404
    return account, row


@login_required
def appeal_detail(request: HttpRequest, appeal_id: int) -> HttpResponse:
    account, row = _appeal_or_404(request, appeal_id)
    detail = workflow.evaluation_detail(pages.site_workspace(), row.evaluation_id)
    if detail is None:
        raise Http404
    return render(request, "jili/appeal.html", {"a": row, "d": detail, "role": account.role,
                                                "appealed": set(row.items) or {x.item_id for x in detail.lines}})


@login_required
@require_POST
def appeal_review(request: HttpRequest, appeal_id: int) -> HttpResponse:
    _appeal_or_404(request, appeal_id)
    from jili.registry.appeals import do_leader_review

    done = do_leader_review(appeal_id, request.POST.get("agree") == "yes", str(request.POST.get("reason", "")),
                            acting_user=request.user.get_username())
    if isinstance(done, Problem):
        _problems_to_messages(request, [done])
    return redirect("appeal", appeal_id=appeal_id)


@login_required
@require_POST
def appeal_decide(request: HttpRequest, appeal_id: int) -> HttpResponse:
    _, row = _appeal_or_404(request, appeal_id)
    from jili.registry.appeals import do_decide

    ws = pages.site_workspace()
    detail = workflow.evaluation_detail(ws, row.evaluation_id)
    answers = None
    if detail is not None and detail.card is not None:
        given, problems = workflow.answers_from_form(detail.card, request.POST)
        if problems:
            _problems_to_messages(request, problems)
            return redirect("appeal", appeal_id=appeal_id)
        answers = {a.item_id: a for a in given}
    done = do_decide(ws, appeal_id, str(request.POST.get("outcome", "")), str(request.POST.get("reason", "")),
                     acting_user=request.user.get_username(), answers=answers)
    if isinstance(done, Problem):
        _problems_to_messages(request, [done])
    else:
        _problems_to_messages(request, done.problems)
        from jili.registry.appeals import STATUS_LABELS

        en, zh = STATUS_LABELS[AppealRow.Status(done.appeal.status)]
        messages.success(request, t(request, f"Decided: {en}; {len(done.runs)} runs made again, "
                                             f"{len(done.corrections)} corrections posted.",
                                    f"已裁定：{zh}；重算 {len(done.runs)} 次，记更正 {len(done.corrections)} 笔。"))
    return redirect("appeal", appeal_id=appeal_id)


# --- calibration sessions -----------------------------------------------------------------------

@login_required
def calibration(request: HttpRequest) -> HttpResponse:
    account = access_role(request, *EVALUATORS)
    from jili.registry.evaluations import scorecards
    from jili.registry.models import CalibrationSession

    sessions = [x for x in CalibrationSession.objects.all()[:500]
                if account.role == Role.QA_MANAGER or request.user.get_username() in x.evaluators]
    evaluators = (sorted(Account.objects.filter(role__in=list(EVALUATORS)).values_list("user__username", flat=True))
                  if account.role == Role.QA_MANAGER else [])
    return render(request, "jili/calibration.html", {
        "sessions": sessions, "evaluators": evaluators, "cards": sorted({c.id for c in scorecards(pages.site_workspace())})})


@login_required
@require_POST
def calibration_open(request: HttpRequest) -> HttpResponse:
    access_role(request, Role.QA_MANAGER)
    from jili.registry.calibration_sessions import do_open_session

    made = do_open_session(pages.site_workspace(), str(request.POST.get("name", "")), str(request.POST.get("scorecard", "")),
                           str(request.POST.get("calls", "")).replace(",", " ").split(),
                           request.POST.getlist("evaluators"), acting_user=request.user.get_username())
    if isinstance(made, Problem):
        _problems_to_messages(request, [made])
        return redirect("calibration")
    return redirect("calibration_session", session_id=made.pk)


def _session_or_404(request: HttpRequest, session_id: int) -> tuple[Account, CalibrationRow]:
    account = access_role(request, *EVALUATORS)
    row = CalibrationRow.objects.filter(pk=session_id).first()
    if row is None or (account.role != Role.QA_MANAGER and request.user.get_username() not in row.evaluators):
        raise Http404
    return account, row


@login_required
def calibration_session(request: HttpRequest, session_id: int) -> HttpResponse:
    account, row = _session_or_404(request, session_id)
    from jili.registry.calibration_sessions import session_report

    report = session_report(pages.site_workspace(), row)
    me = request.user.get_username()
    rows = [(c, next((s for s in c.scores if s.evaluator == me), None)) for c in report.calls]
    return render(request, "jili/calibration_session.html", {
        "r": report, "rows": rows, "manager": account.role == Role.QA_MANAGER})


@login_required
@require_POST
def calibration_close(request: HttpRequest, session_id: int) -> HttpResponse:
    access_role(request, Role.QA_MANAGER)
    _, row = _session_or_404(request, session_id)
    from jili.registry.calibration_sessions import do_close_session

    problem = do_close_session(row.pk, acting_user=request.user.get_username())
    if problem is not None:
        _problems_to_messages(request, [problem])
    return redirect("calibration_session", session_id=row.pk)


def _calibration_call_or_404(request: HttpRequest, call_id: int) -> CalibrationCallRow:
    """A call of a session the signed-in evaluator scores in; anyone else: 404."""
    access_role(request, *EVALUATORS)
    row = CalibrationCallRow.objects.filter(pk=call_id).select_related("session").first()
    if row is None or request.user.get_username() not in row.session.evaluators:
        raise Http404
    return row


def _calibration_form(request: HttpRequest, row: CalibrationCallRow,
                      submitted: list[Answer] | None = None) -> workflow.ScoringForm | Problem:
    from jili.registry.models import CalibrationScore

    own = CalibrationScore.objects.filter(call=row, evaluator=request.user.get_username()).first()
    call = workflow.CallRef(row.interaction_id, row.agent_id, row.call_at)
    return workflow.scoring_form(pages.site_workspace(), row.session.scorecard, call, own.answers if own else None,
                                 f"{own.score}" if own else "", "", submitted)


@login_required
def calibration_score(request: HttpRequest, call_id: int) -> HttpResponse:
    row = _calibration_call_or_404(request, call_id)
    form = _calibration_form(request, row)
    if isinstance(form, Problem):
        _problems_to_messages(request, [form])
        return redirect("calibration_session", session_id=row.session_id)
    context = {"f": form, "total_url": reverse("calibration_total", args=[row.pk]), "calibration": row.session}
    if request.method == "POST":
        from jili.registry.calibration_sessions import do_calibration_score

        answers, problems = workflow.answers_from_form(form.card, request.POST)
        saved = problems or do_calibration_score(pages.site_workspace(), row.pk, answers,
                                                 acting_user=request.user.get_username())
        if isinstance(saved, list):
            _problems_to_messages(request, saved)
            again = _calibration_form(request, row, answers)
            return render(request, "jili/evaluate.html", {**context, "f": again}, status=400)
        messages.success(request, t(request, f"Saved: {saved.score}.", f"已保存：{saved.score} 分。"))
        return redirect("calibration_session", session_id=row.session_id)
    return render(request, "jili/evaluate.html", context)


@login_required
@require_POST
def calibration_total(request: HttpRequest, call_id: int) -> HttpResponse:
    row = _calibration_call_or_404(request, call_id)
    return _total(request, row.session.scorecard, workflow.CallRef(row.interaction_id, row.agent_id, row.call_at))


@login_required
@require_POST
def calibration_consensus(request: HttpRequest, call_id: int) -> HttpResponse:
    access_role(request, Role.QA_MANAGER)
    row = CalibrationCallRow.objects.filter(pk=call_id).first()
    if row is None:
        raise Http404
    from jili.registry.calibration_sessions import do_set_consensus

    problem = do_set_consensus(row.pk, str(request.POST.get("score", "")), acting_user=request.user.get_username())
    if problem is not None:
        _problems_to_messages(request, [problem])
    return redirect("calibration_session", session_id=row.session_id)


# --- coaching (R5) ------------------------------------------------------------------------------

@login_required
def coaching(request: HttpRequest) -> HttpResponse:
    """The leader's tasks for their teams, the agent's own, and every one for the QA manager with the counts."""
    account = access_role(request, Role.LEADER, Role.QA_MANAGER, Role.AGENT)
    from jili.registry.coaching import task_rows
    from jili.registry.models import CoachingTask

    qs = CoachingTask.objects.all()
    if account.role == Role.LEADER:
        qs = qs.filter(team__in=sorted(led_teams(account)))
    elif account.role == Role.AGENT:
        qs = qs.filter(agent_id=account.agent.agent_id if account.agent else "")
    rows = task_rows(list(qs.order_by("status", "due", "id")[:2000]))
    counts = {"open": sum(1 for r in rows if r.task.status == "open" and not r.overdue),
              "overdue": sum(1 for r in rows if r.overdue), "held": sum(1 for r in rows if r.task.status == "held"),
              "closed": sum(1 for r in rows if r.task.status == "closed")}
    return render(request, "jili/coaching.html", {"rows": rows, "counts": counts, "role": account.role,
                                                  "month": pages.latest_month()})


@login_required
@require_POST
def coaching_open(request: HttpRequest) -> HttpResponse:
    access_role(request, Role.QA_MANAGER)
    per = parse_period(str(request.POST.get("period", "")))
    if per is None:
        messages.error(request, t(request, "Choose a period such as 2025-03.", "请填写周期，如 2025-03。"))
        return redirect("coaching")
    from jili.registry.coaching import do_open_coaching

    made = do_open_coaching(pages.site_workspace(), per, acting_user=request.user.get_username())
    if isinstance(made, Problem):
        _problems_to_messages(request, [made])
    else:
        messages.success(request, t(request, f"{len(made)} coaching tasks opened.", f"已新建 {len(made)} 个辅导任务。"))
    return redirect("coaching")


def _task_or_404(request: HttpRequest, task_id: int) -> tuple[Account, CoachingRow]:
    account = access_role(request, Role.LEADER, Role.QA_MANAGER, Role.AGENT)
    row = CoachingRow.objects.filter(pk=task_id).first()
    mine = row is not None and (
        account.role == Role.QA_MANAGER
        or (account.role == Role.LEADER and row.team in led_teams(account))
        or (account.role == Role.AGENT and account.agent is not None and account.agent.agent_id == row.agent_id))
    if row is None or not mine:
        raise Http404
    return account, row


@login_required
def coaching_task(request: HttpRequest, task_id: int) -> HttpResponse:
    account, row = _task_or_404(request, task_id)
    from jili.registry.coaching import task_rows

    return render(request, "jili/coaching_task.html", {"r": task_rows([row])[0], "role": account.role})


@login_required
@require_POST
def coaching_session(request: HttpRequest, task_id: int) -> HttpResponse:
    _task_or_404(request, task_id)
    from jili.registry.coaching import do_hold_session

    done = do_hold_session(task_id, str(request.POST.get("notes", "")), acting_user=request.user.get_username())
    if isinstance(done, Problem):
        _problems_to_messages(request, [done])
    return redirect("coaching_task", task_id=task_id)


@login_required
@require_POST
def coaching_acknowledge(request: HttpRequest, task_id: int) -> HttpResponse:
    _task_or_404(request, task_id)
    from jili.registry.coaching import do_acknowledge_coaching

    problem = do_acknowledge_coaching(task_id, acting_user=request.user.get_username())
    if problem is not None:
        _problems_to_messages(request, [problem])
    return redirect("coaching_task", task_id=task_id)


# --- the working-day calendar (admin) -----------------------------------------------------------

@login_required
def calendar(request: HttpRequest) -> HttpResponse:
    """A month of the centre's working days with its overrides; the admin enters a day (a year the Chinese
    calendar does not know yet is entered here, day by day, from the State Council's notice)."""
    access_role(request, Role.ADMIN)
    from django.utils import timezone as djtz

    from jili.core.periods import PeriodKind, period_of
    from jili.registry.calendar import month

    label = str(request.GET.get("month", "")) or f"{djtz.localdate():%Y-%m}"
    per = parse_period(label)
    if per is None or per.kind != PeriodKind.MONTH:
        raise Http404
    days = month(per)
    return render(request, "jili/calendar.html", {
        "period": per, "days": days if not isinstance(days, Problem) else [],
        "unknown": days if isinstance(days, Problem) else None, "lang": "zh" if is_zh(request) else "en",
        "previous": per.previous().label, "next": period_of(per.end, PeriodKind.MONTH).label})


@login_required
@require_POST
def calendar_set(request: HttpRequest) -> HttpResponse:
    access_role(request, Role.ADMIN)
    import datetime as dt

    from jili.registry.calendar import do_set_calendar_day

    try:
        day = dt.date.fromisoformat(str(request.POST.get("day", "")).strip())
    except ValueError:
        messages.error(request, t(request, "Give the date as 2027-02-06.", "请按 2027-02-06 的格式填写日期。"))
        return redirect("calendar")
    do_set_calendar_day(day, request.POST.get("workday") == "yes", str(request.POST.get("note", "")).strip()[:200],
                        acting_user=request.user.get_username())
    return redirect(f"{reverse('calendar')}?month={day:%Y-%m}")


# --- was the scheme worth it (R18; the QA manager) ------------------------------------------------

@login_required
def scheme_effect(request: HttpRequest) -> HttpResponse:
    """R18: a scheme's effect on satisfaction, resolution and QA score, the adopting teams against the others."""
    access_role(request, Role.QA_MANAGER)
    from jili.core.periods import parse_day
    from jili.registry.effect import evaluate_scheme

    since_text = str(request.GET.get("since", "")).strip()
    teams_text = str(request.GET.get("teams", "")).strip()
    months_text = str(request.GET.get("months", "1")).strip() or "1"
    result = None
    problem: Problem | None = None
    if since_text:
        since = parse_day(since_text)
        teams = tuple(x.strip() for x in teams_text.replace("，", ",").split(",") if x.strip())
        months = min(int(months_text), 12) if months_text.isdigit() else 0  # not a number: evaluate_scheme says so
        evaluated = since if isinstance(since, Problem) else \
            evaluate_scheme(pages.site_workspace(), since, months=months, teams=teams)
        if isinstance(evaluated, Problem):
            problem = evaluated
        else:
            result = evaluated
    lang = "zh" if is_zh(request) else "en"
    return render(request, "jili/effect.html", {
        "since": since_text, "teams": teams_text, "months": months_text, "result": result, "problem": problem,
        "lang": lang, "verdict": result.verdict(lang) if result is not None else ""})


# --- the career ladder (R19; the QA manager and the admin) --------------------------------------

@login_required
def ladder(request: HttpRequest) -> HttpResponse:
    """The promotions the yearly appraisal proposes, each with its evidence, to decide."""
    access_role(request, Role.QA_MANAGER, Role.ADMIN)
    from django.utils import timezone as djtz

    from jili.core.ladder import appraisal_dates
    from jili.registry.ladder import proposals

    policies = pages.ladder_policies(pages.site_workspace())
    year_text = str(request.GET.get("year", "")) or str(djtz.localdate().year)
    year = int(year_text) if year_text.isdigit() and 2000 <= int(year_text) <= 2100 else djtz.localdate().year
    chosen = next((p for p in policies if p.id == request.GET.get("policy")), policies[0] if policies else None)
    found, off = proposals(pages.site_workspace(), year, chosen) if chosen is not None else ([], 0)
    due, results_in = appraisal_dates(year)
    return render(request, "jili/ladder.html", {
        "year": year, "policies": [p.id for p in policies], "policy": chosen.id if chosen else "", "proposals": found,
        "off_ladder": off, "due": due, "results_in": results_in, "lang": "zh" if is_zh(request) else "en"})


@login_required
@require_POST
def ladder_approve(request: HttpRequest) -> HttpResponse:
    access_role(request, Role.QA_MANAGER, Role.ADMIN)
    from jili.registry.ladder import do_promote, proposals

    year_text = str(request.POST.get("year", ""))
    chosen = next((p for p in pages.ladder_policies(pages.site_workspace()) if p.id == request.POST.get("policy")), None)
    if chosen is None or not year_text.isdigit():
        raise Http404
    wanted = set(request.POST.getlist("agent"))
    found, _ = proposals(pages.site_workspace(), int(year_text), chosen)
    decided = do_promote([p for p in found if p.agent_id in wanted], int(year_text),
                         acting_user=request.user.get_username())
    _problems_to_messages(request, [d for d in decided if isinstance(d, Problem)])
    done = sum(1 for d in decided if not isinstance(d, Problem))
    messages.success(request, f"已批准 {done} 条晋升" if is_zh(request) else f"{done} promotions approved")
    return redirect(f"{reverse('ladder')}?year={year_text}&policy={chosen.id}")
