"""Every page × every role, generated from the URL configuration: who gets the page, who is refused
(403: not for this role) and who is told it does not exist (404: not theirs). On a real server
(``jili serve``) over the small demo; on SQLite, and on PostgreSQL in its pass."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver

from site_server import (
    AGENT,
    ASSIGNMENT,
    EVALUATION,
    MONTH,
    OTHER_AGENT,
    OTHER_EVALUATION,
    OTHER_TEAM,
    POLICY,
    ROLES,
    TEAM,
    Site,
    signed_in,
    start_site,
    stop_site,
)

pytestmark = pytest.mark.postgres

ANON = None
WHO = (ANON, *ROLES)
STAFF_ALL = {"qa": 200, "payroll": 200, "admin": 200}
PAYROLL_ONLY = {"agent": 403, "leader": 403, "evaluator": 403, "qa": 403, "payroll": 200, "admin": 200}
SIGNED_IN_ALL = dict.fromkeys(ROLES, 200)
ONLY_QA = dict.fromkeys(ROLES, 403)  # refused to every role, before the roles a page is for are added
POST_ONLY = dict.fromkeys(ROLES, 405)  # a write: signed in, then POST


def expect(signed_in: dict[str, int], anon: int = 302) -> dict[str | None, int]:
    return {ANON: anon, **signed_in}


# (url name, parameters) -> status per role. A page missing here fails test_every_page_is_listed.
EXPECTED: dict[tuple[str, tuple[tuple[str, str], ...]], dict[str | None, int]] = {
    ("home", ()): expect(dict.fromkeys(ROLES, 302)),
    ("login", ()): expect(dict.fromkeys(ROLES, 200), anon=200),
    ("logout", ()): expect(dict.fromkeys(ROLES, 405), anon=405),  # sign out is a POST
    ("language", (("code", "en"),)): expect(dict.fromkeys(ROLES, 405), anon=405),
    ("me", ()): expect({"agent": 302, "leader": 404, "evaluator": 404, "qa": 404, "payroll": 404, "admin": 404}),
    ("agent", (("agent_id", AGENT),)): expect({"agent": 200, "leader": 200, "evaluator": 404, **STAFF_ALL}),
    ("agent", (("agent_id", OTHER_AGENT),)): expect({"agent": 404, "leader": 404, "evaluator": 404, **STAFF_ALL}),
    ("agent", (("agent_id", "NOBODY"),)): expect({"agent": 404, "leader": 404, "evaluator": 404, "qa": 404,
                                                   "payroll": 404, "admin": 404}),
    ("statement", (("agent_id", AGENT), ("policy", POLICY), ("period", MONTH))):
        expect({"agent": 200, "leader": 200, "evaluator": 404, **STAFF_ALL}),
    ("statement", (("agent_id", OTHER_AGENT), ("policy", POLICY), ("period", MONTH))):
        expect({"agent": 404, "leader": 404, "evaluator": 404, **STAFF_ALL}),
    ("teams", ()): expect({"agent": 403, "leader": 302, "evaluator": 403, **STAFF_ALL}),
    ("team", (("code", TEAM),)): expect({"agent": 403, "leader": 200, "evaluator": 403, **STAFF_ALL}),
    ("team", (("code", OTHER_TEAM),)): expect({"agent": 403, "leader": 404, "evaluator": 403, **STAFF_ALL}),
    ("boards", ()): expect(SIGNED_IN_ALL),
    ("board", (("policy", POLICY), ("period", MONTH))): expect(SIGNED_IN_ALL),
    ("board", (("policy", "no-such-policy"), ("period", MONTH))): expect(dict.fromkeys(ROLES, 404)),
    ("wallboard", (("token", "{token}"), ("policy", POLICY))): expect(SIGNED_IN_ALL, anon=200),
    ("wallboard", (("token", "not-a-token"), ("policy", POLICY))): expect(dict.fromkeys(ROLES, 404), anon=404),
    ("wallboard_rows", (("token", "{token}"), ("policy", POLICY))): expect(SIGNED_IN_ALL, anon=200),
    ("wallboard_rows", (("token", "not-a-token"), ("policy", POLICY))): expect(dict.fromkeys(ROLES, 404), anon=404),
    ("quality", ()): expect({"agent": 403, "leader": 403, "evaluator": 200, "qa": 200, "payroll": 403, "admin": 200}),
    ("periods", ()): expect(PAYROLL_ONLY),
    ("period", (("label", MONTH),)): expect(PAYROLL_ONLY),
    ("run", (("label", MONTH),)): expect({**PAYROLL_ONLY, "payroll": 405, "admin": 405}),
    ("close", (("label", MONTH),)): expect({**PAYROLL_ONLY, "payroll": 405, "admin": 405}),
    ("correct", (("label", MONTH),)): expect({**PAYROLL_ONLY, "payroll": 405, "admin": 405}),
    ("payout", (("label", MONTH), ("policy", POLICY))): expect(PAYROLL_ONLY),
    ("work", ()): expect({**ONLY_QA, "evaluator": 200, "qa": 200}),
    ("assign", ()): expect(POST_ONLY),
    ("evaluate", (("assignment_id", ASSIGNMENT),)): expect({**ONLY_QA, "evaluator": 200, "qa": 404}),
    ("evaluate", (("assignment_id", "99999"),)): expect({**ONLY_QA, "evaluator": 404, "qa": 404}),
    ("running_total", (("assignment_id", ASSIGNMENT),)): expect(POST_ONLY),
    ("calibration", ()): expect({**ONLY_QA, "evaluator": 200, "qa": 200}),
    ("calibration_open", ()): expect(POST_ONLY),
    ("calibration_session", (("session_id", "1"),)): expect({**ONLY_QA, "evaluator": 200, "qa": 200}),
    ("calibration_session", (("session_id", "999"),)): expect({**ONLY_QA, "evaluator": 404, "qa": 404}),
    ("calibration_close", (("session_id", "1"),)): expect(POST_ONLY),
    ("calibration_score", (("call_id", "1"),)): expect({**ONLY_QA, "evaluator": 200, "qa": 200}),  # both score
    ("calibration_total", (("call_id", "1"),)): expect(POST_ONLY),
    ("calibration_consensus", (("call_id", "1"),)): expect(POST_ONLY),
    ("coaching", ()): expect({**ONLY_QA, "agent": 200, "leader": 200, "qa": 200}),
    ("coaching_open", ()): expect(POST_ONLY),
    ("coaching_task", (("task_id", "1"),)): expect({**ONLY_QA, "agent": 404, "leader": 200, "qa": 200}),  # A00003, T001
    ("coaching_task", (("task_id", "4"),)): expect({**ONLY_QA, "agent": 404, "leader": 404, "qa": 200}),  # A00020, T002
    ("coaching_session", (("task_id", "1"),)): expect(POST_ONLY),
    ("coaching_acknowledge", (("task_id", "1"),)): expect(POST_ONLY),
    ("evaluations", ()): expect({**dict.fromkeys(ROLES, 404), "agent": 200}),
    ("evaluation", (("evaluation_id", EVALUATION),)):
        expect({"agent": 200, "leader": 200, "evaluator": 200, "qa": 200, "payroll": 404, "admin": 404}),
    ("evaluation", (("evaluation_id", OTHER_EVALUATION),)):
        expect({"agent": 404, "leader": 404, "evaluator": 200, "qa": 200, "payroll": 404, "admin": 404}),
    ("evaluation", (("evaluation_id", "J9999999"),)): expect(dict.fromkeys(ROLES, 404)),
    ("acknowledge", (("evaluation_id", EVALUATION),)): expect(POST_ONLY),
    ("appeal_file", (("evaluation_id", EVALUATION),)): expect(POST_ONLY),
    ("appeals", ()): expect({**ONLY_QA, "leader": 200, "qa": 200}),
    ("appeal", (("appeal_id", "1"),)): expect({**ONLY_QA, "leader": 200, "qa": 200}),
    ("appeal", (("appeal_id", "999"),)): expect({**ONLY_QA, "leader": 404, "qa": 404}),
    ("appeal_review", (("appeal_id", "1"),)): expect(POST_ONLY),
    ("appeal_decide", (("appeal_id", "1"),)): expect(POST_ONLY),
    ("calendar", ()): expect({**ONLY_QA, "admin": 200}),
    ("effect", ()): expect({**ONLY_QA, "qa": 200}),
    ("ladder", ()): expect({**ONLY_QA, "qa": 200, "admin": 200}),
    ("ladder_approve", ()): expect(POST_ONLY),
    ("calendar_set", ()): expect(POST_ONLY),
    ("imports", ()): expect(PAYROLL_ONLY),
    ("audit", ()): expect(PAYROLL_ONLY),
    ("admin", ()): expect({"agent": 302, "leader": 302, "evaluator": 302, "qa": 302, "payroll": 302, "admin": 200}),
}


def url_names() -> set[str]:
    from jili.web.urls import urlpatterns

    names = set()
    for entry in urlpatterns:
        if isinstance(entry, URLPattern):
            assert entry.name, f"every page has a name: {entry.pattern}"
            names.add(entry.name)
        elif isinstance(entry, URLResolver):
            names.add(str(entry.pattern).strip("/"))  # the Django admin
    return names


def path_of(name: str, params: tuple[tuple[str, str], ...], token: str) -> str:
    if name == "admin":
        return "/admin/"
    from django.urls import reverse

    return reverse(f"{name}", kwargs={k: v.replace("{token}", token) for k, v in params})


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    s = start_site(tmp_path_factory.mktemp("web") / "centre")
    yield s
    stop_site(s)


def test_every_page_is_listed() -> None:
    assert url_names() == {name for name, _ in EXPECTED}


@pytest.mark.parametrize("who", WHO, ids=[w or "anonymous" for w in WHO])
def test_every_page_for_every_role(site: Site, who: str | None) -> None:
    session = signed_in(site, who)
    wrong = []
    for (name, params), by_role in EXPECTED.items():
        path = path_of(name, params, site.token)
        got = session.get(path)
        if got.status != by_role[who]:
            wrong.append(f"{path}: {got.status}, expected {by_role[who]}")
        if got.status == 404:  # says nothing of what is there: the same page as for a path that never existed
            main = got.body.split("<main>")[1]
            assert AGENT not in main and OTHER_AGENT not in main and "页面不存在" in main
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("who", ["agent", "leader", "evaluator", "qa"])
def test_writes_are_refused_to_other_roles(site: Site, who: str) -> None:
    session = signed_in(site, who)
    for name in ("run", "close", "correct"):
        got = session.post(f"/periods/{MONTH}/{name}/", {"policy": POLICY, "confirm": MONTH, "posting": "1",
                                                         "amount": "100", "reason": "x"}, form_page="/login/")
        assert got.status == 403, (name, got.status)


def test_a_post_without_its_csrf_token_is_refused(site: Site) -> None:
    session = signed_in(site, "payroll")
    got = session.request(f"/periods/{MONTH}/close/", {"confirm": MONTH})
    assert got.status == 403
    assert "closed" not in session.get(f"/periods/{MONTH}/").body.split("<main>")[1][:300]


def test_an_agent_who_edits_the_url_sees_not_found(site: Site) -> None:
    session = signed_in(site, "agent")
    own = session.get(f"/agents/{AGENT}/{POLICY}/{MONTH}/")
    other = session.get(f"/agents/{OTHER_AGENT}/{POLICY}/{MONTH}/")
    assert own.status == 200 and "明细与依据" in own.body
    assert other.status == 404 and OTHER_AGENT not in other.body.split("<main>")[1]


def test_pages_hold_their_number_of_queries_whatever_the_rows(site: Site) -> None:
    """No N+1: a page makes the same number of queries for a team of 14 as for a team of 2, for a
    board of 30 as for a board of 10, and for any agent's statement."""
    session = signed_in(site, "qa")
    teams = [session.get(f"/teams/{code}/?policy={POLICY}") for code in ("T001", "T003")]
    assert teams[0].body.count("<tr>") > teams[1].body.count("<tr>")
    assert teams[0].queries == teams[1].queries <= 12
    boards = [session.get(f"/boards/{POLICY}/{MONTH}/"), session.get(f"/boards/r13-monthly-points/{MONTH}/")]
    assert boards[0].queries == boards[1].queries <= 10
    statements = [session.get(f"/agents/{a}/{POLICY}/{MONTH}/") for a in (AGENT, OTHER_AGENT)]
    assert statements[0].queries == statements[1].queries <= 12


def test_the_site_speaks_chinese_first_and_english_when_chosen(site: Site) -> None:
    session = signed_in(site, "agent")
    zh = session.get(f"/agents/{AGENT}/{POLICY}/{MONTH}/").body
    assert "明细与依据" in zh and "Why: line by line" not in zh
    session.post("/language/en/", {"next": "/"}, form_page="/boards/")
    en = session.get(f"/agents/{AGENT}/{POLICY}/{MONTH}/").body
    assert "Why: line by line" in en and "明细与依据" not in en
    for text in (zh, en):
        assert "None" not in text and "Decimal(" not in text and "True" not in text


def test_secrets_and_debug(site: Site) -> None:
    key = (site.root / "secret_key").read_text().strip()
    assert len(key) >= 50 and (site.root / "secret_key").stat().st_mode & 0o077 == 0
    other = Path(site.root.parent / "other")
    from jili.io.workspace import Workspace, create_layout

    create_layout(Workspace(root=other))
    assert (other / "secret_key").read_text().strip() != key
    missing = signed_in(site, None).get("/no-such-page/")
    assert missing.status == 404 and "Traceback" not in missing.body and "urlpatterns" not in missing.body


def test_the_admin_cannot_change_the_ledger(site: Site) -> None:
    """Periods, runs, postings and the audit trail are read-only in the Django admin: no add, no change,
    no delete (reopening a closed period would leave no audit row)."""
    session = signed_in(site, "admin")
    for model in ("period", "policyrun", "posting", "auditevent", "account", "importbatch"):
        listing = session.get(f"/admin/registry/{model}/")
        assert listing.status == 200, model
        assert session.get(f"/admin/registry/{model}/add/").status == 403, model
    period = session.get("/admin/registry/period/1/change/")
    assert period.status == 200 and 'name="status"' not in period.body  # shown, not editable
    got = session.post("/admin/registry/period/1/change/", {"status": "open"}, form_page="/admin/registry/period/")
    assert got.status == 403
    assert session.get("/admin/registry/period/1/delete/").status == 403


def test_payroll_sees_what_if_against_the_stored_run(site: Site) -> None:
    session = signed_in(site, "payroll")
    page = session.get(f"/periods/{MONTH}/?draft={POLICY}&base={POLICY}")
    assert page.status == 200
    assert "0 人增加, 0 人减少, 30 人不变" in page.body  # the policy in force against its own stored run


def test_calibration_is_blind_until_the_report(site: Site) -> None:
    """An evaluator sees their own scores of the session and nobody else's; the QA manager sees the report."""
    evaluator = signed_in(site, "evaluator").get("/calibration/1/").body.split("<main>")[1]
    assert "evaluator2" not in evaluator and "Krippendorff" not in evaluator and "100.00" in evaluator
    manager = signed_in(site, "qa").get("/calibration/1/").body.split("<main>")[1]
    # the demo's session: evaluator2 left out deductions the others marked (10 points on three calls)
    assert "Krippendorff α 0.566" in manager and "ICC(2,1) 0.632" in manager and "±5 分以内 71%" in manager
    assert "evaluator2 (1)" in manager  # one call still to score
    assert "误导客户" in manager and "工单迟派漏派" not in manager.split("分歧评分项")[1]  # agreed on by all


def test_the_admin_enters_a_year_the_calendar_does_not_know(site: Site) -> None:
    session = signed_in(site, "admin")
    unknown = session.get("/calendar/?month=2027-01").body.split("<main>")[1]
    assert "工作日历尚不包含 2027 年" in unknown
    session.post("/calendar/set/", {"day": "2027-01-04", "workday": "yes", "note": "国务院通知"}, form_page="/calendar/")
    assert "工作日历尚不包含 2027 年" in session.get("/calendar/?month=2027-01").body  # one day does not make a month
    october = session.get("/calendar/?month=2025-10").body.split("<main>")[1]
    assert october.count('<tr class="off">') == 31 - 18  # 1–8 October and the weekends, less Saturday 11 (worked)


def test_the_qa_manager_evaluates_a_scheme_on_its_page(site: Site) -> None:
    """R18 on the site: the demo's pilot teams against the others, a verdict, its threats; bad input is told."""
    session = signed_in(site, "qa")
    page = session.get("/effect/?since=2026-09-01&teams=T001,T003").body.split("<main>")[1]
    assert "解决率" in page and 'id="verdict"' in page and "中秋节（3 天）" in page
    assert "个百分点" in page
    told = session.get("/effect/?since=2026-13-01").body.split("<main>")[1]
    assert "“2026-13-01”不是日期。" in told
    unknown = session.get("/effect/?since=2026-09-01&teams=T099").body.split("<main>")[1]
    assert "实施日前一天的花名册中没有班组“T099”。" in unknown
    assert session.get("/effect/").status == 200 and 'id="verdict"' not in session.get("/effect/").body


def test_the_qa_manager_approves_a_promotion_the_appraisal_proposed(site: Site) -> None:
    """R19 on the site: the demo's 2026 appraisal proposes promotions with their evidence; one is approved and
    takes effect on 15 January; a leader may not approve."""
    session = signed_in(site, "qa")
    page = session.get("/ladder/?year=2026&policy=r13-monthly-points").body.split("<main>")[1]
    assert "2026-12-31" in page and "2027-01-15" in page and "年度考核" in page
    import re

    agents = re.findall(r'name="agent" value="(A\d+)"', page)
    assert agents, page
    session.post("/ladder/approve/", {"year": "2026", "policy": "r13-monthly-points", "agent": agents[0]},
                 form_page="/ladder/?year=2026&policy=r13-monthly-points")
    after = session.get("/ladder/?year=2026&policy=r13-monthly-points").body
    assert "已批准 1 条晋升" in after and f'value="{agents[0]}"' not in after  # decided: no longer proposed
    leader = signed_in(site, "leader")
    assert leader.get("/ladder/").status == 403
