"""The site in a real browser: Playwright driving Debian's Chromium (with CJK fonts) against
``jili serve``. Each role signs in and lands on its home; an agent on a phone reads their statement
and cannot open another's; payroll runs and closes a month and downloads the workbook; an upload
with a bad cell shows the problem and stores nothing; the wallboard fills a TV. The screenshots of
each role's home in docs/screenshots/ are made here (JILI_UPDATE_SCREENSHOTS=1 writes them)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from site_server import AGENT, MONTH, OTHER_AGENT, PASSWORD, POLICY, Site, start_site, stop_site

pytestmark = pytest.mark.postgres

CHROMIUM = os.environ.get("JILI_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}
TV = {"width": 1920, "height": 1080}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    s = start_site(tmp_path_factory.mktemp("browser") / "centre")
    yield s
    stop_site(s)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: make test installs Debian's chromium (scripts/ensure-browser.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield b
        b.close()


def page_for(browser: object, site: Site, username: str | None, viewport: dict[str, int] = DESK):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=viewport, accept_downloads=True, locale="zh-CN")  # type: ignore[attr-defined]
    page = context.new_page()
    if username is not None:
        page.goto(site.url + "/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
    return page


def shoot(page, name: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = SCREENSHOTS if os.environ.get("JILI_UPDATE_SCREENSHOTS") == "1" else tmp_path
    target.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target / f"{name}.png"), full_page=False)


HOMES = [("agent", f"/agents/{AGENT}/", "A00007", PHONE), ("leader", "/teams/T001/", "班组 T001", DESK),
         ("evaluator", "/work/", "待检队列", DESK), ("qa", "/quality/", "质检概览", DESK),
         ("payroll", "/periods/", "结算周期", DESK), ("admin", "/periods/", "结算周期", DESK)]


@pytest.mark.parametrize(("username", "home", "heading", "viewport"), HOMES, ids=[h[0] for h in HOMES])
def test_each_role_signs_in_to_its_home(browser: object, site: Site, tmp_path: Path, username: str, home: str,
                                        heading: str, viewport: dict[str, int]) -> None:
    page = page_for(browser, site, username, viewport)
    assert page.url == site.url + home
    assert heading in page.inner_text("h1")
    if home == "/quality/":
        page.wait_for_function("document.querySelector('#histogram canvas') !== null")  # ECharts, served locally
    shoot(page, f"home-{username}", tmp_path)
    page.context.close()


def test_an_agent_reads_the_statement_on_a_phone_and_cannot_open_another(browser: object, site: Site,
                                                                        tmp_path: Path) -> None:
    page = page_for(browser, site, "agent", PHONE)
    page.click(f"a[href='/agents/{AGENT}/{POLICY}/{MONTH}/']")
    page.wait_for_load_state("networkidle")
    assert "明细与依据" in page.content()
    assert page.locator("li.line").count() >= 1
    assert "2026-08-01 · " in page.inner_text("ol.career") and "起始职级" in page.inner_text("ol.career")  # R19
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= PHONE["width"], f"the statement is {width} px wide on a {PHONE['width']} px phone"
    shoot(page, "statement-phone", tmp_path)
    response = page.goto(f"{site.url}/agents/{OTHER_AGENT}/{POLICY}/{MONTH}/")
    assert response is not None and response.status == 404
    assert OTHER_AGENT not in page.inner_text("main")
    page.context.close()


def test_english_is_one_click_away(browser: object, site: Site) -> None:
    page = page_for(browser, site, "agent", PHONE)
    page.click("button[lang=en]")
    page.wait_for_load_state("networkidle")
    page.goto(f"{site.url}/agents/{AGENT}/{POLICY}/{MONTH}/")
    text = page.inner_text("main")
    assert "Why: line by line" in text and "明细" not in text
    assert "Career step" in text and "starting step" in text and "职级" not in text
    page.context.close()


def test_payroll_runs_and_closes_the_month_and_downloads_the_workbook(browser: object, site: Site,
                                                                     tmp_path: Path) -> None:
    page = page_for(browser, site, "payroll")
    page.goto(f"{site.url}/periods/{MONTH}/")
    page.select_option("select[name=policy]", POLICY)
    page.click("form[action$='/run/'] button")
    page.wait_for_load_state("networkidle")
    assert "已计算 30 名坐席" in page.inner_text("ul.messages")
    page.fill("input[name=confirm]", "2026-1")  # a wrong confirmation closes nothing
    page.click("form[action$='/close/'] button")
    assert "请输入 2026-09 以确认结账" in page.inner_text("ul.messages")
    page.fill("input[name=confirm]", MONTH)
    page.click("form[action$='/close/'] button")
    page.wait_for_load_state("networkidle")
    assert "已结账" in page.inner_text("h1")
    assert page.locator("form[action$='/run/']").count() == 0  # a closed month offers no run
    with page.expect_download() as download:
        page.click(f"a[href='/periods/{MONTH}/{POLICY}/payout.xlsx']")
    path = tmp_path / "payout.xlsx"
    download.value.save_as(path)
    import openpyxl

    sheet = openpyxl.load_workbook(path).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "工号 agent_id" and len(rows) - 1 == 30
    assert AGENT in [r[0] for r in rows[1:]]
    audit = page_for(browser, site, "payroll")
    audit.goto(f"{site.url}/audit/")
    log = audit.inner_text("table")
    assert "web:payroll\tclose\t2026-09" in log and "web:payroll\trun" in log
    page.context.close()
    audit.context.close()


BAD_ATTENDANCE = "agent_id,date,worked_hours\nA00007,2026-09-01,8\nA00007,2026-13-45,8\n"


def test_an_upload_with_a_bad_cell_shows_the_problem_and_stores_nothing(browser: object, site: Site,
                                                                       tmp_path: Path) -> None:
    page = page_for(browser, site, "payroll")
    page.goto(f"{site.url}/imports/")
    before = page.locator("table.data tbody tr").count()
    bad = tmp_path / "考勤.csv"
    bad.write_text(BAD_ATTENDANCE, encoding="utf-8")
    page.select_option("select[name=fact]", "attendance")
    page.set_input_files("input[name=file]", str(bad))
    page.click("form[enctype] button")
    page.wait_for_load_state("networkidle")
    outcome = page.inner_text("#outcome")
    assert "已拒绝：未保存任何数据" in outcome
    assert "考勤.csv:3" in outcome and "2026-13-45" in outcome
    assert page.locator("table.data tbody tr").count() == before
    shoot(page, "import-rejected", tmp_path)
    page.context.close()


def test_the_wallboard_fills_a_tv_without_a_login(browser: object, site: Site, tmp_path: Path) -> None:
    page = page_for(browser, site, None, TV)
    page.goto(f"{site.url}/wall/{site.token}/{POLICY}/")
    assert page.locator("table.wallrows tr").count() == 15
    size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('table.wallrows')).fontSize)")
    assert size >= 32  # 2 rem and more: readable across the floor
    assert page.evaluate("typeof htmx") == "object"  # the rows refresh themselves
    assert page.evaluate("document.scrollingElement.scrollWidth") <= TV["width"]
    shoot(page, "wallboard", tmp_path)
    page.context.close()


def test_sign_in_is_throttled_after_five_failures(browser: object, site: Site) -> None:
    page = page_for(browser, site, None)
    for _ in range(5):
        page.goto(site.url + "/login/")
        page.fill("input[name=username]", "evaluator")
        page.fill("input[name=password]", "wrong")
        page.click("button[type=submit]")
        assert "用户名或密码错误" in page.inner_text("main")
    page.goto(site.url + "/login/")
    page.fill("input[name=username]", "evaluator")
    page.fill("input[name=password]", PASSWORD)  # even the right password waits now
    with page.expect_response(lambda r: r.url.endswith("/login/") and r.request.method == "POST") as response:
        page.click("button[type=submit]")
    assert response.value.status == 429
    assert "登录失败次数过多" in page.inner_text("main")
    other = page_for(browser, site, "qa")  # the same address, another person: not locked out
    assert other.url.endswith("/quality/")
    page.context.close()
    other.context.close()


def test_decimal_totals_on_the_page_are_the_ledger_s(browser: object, site: Site) -> None:
    page = page_for(browser, site, "agent", PHONE)
    page.goto(f"{site.url}/agents/{AGENT}/{POLICY}/{MONTH}/")
    shown = page.inner_text("[data-total=bonus]").split()[0].replace(",", "")
    assert Decimal(shown) == Decimal(shown).quantize(Decimal("0.01"))
    page.context.close()


def test_a_corrected_file_supersedes_its_batch(browser: object, site: Site, tmp_path: Path) -> None:
    page = page_for(browser, site, "payroll")
    page.goto(f"{site.url}/imports/")
    attendance = page.locator("select[name=supersede] option", has_text="attendance").first.get_attribute("value")
    fixed = tmp_path / "考勤-更正.csv"
    fixed.write_text("agent_id,date,worked_hours\nA00007,2026-10-01,8\n", encoding="utf-8")
    page.select_option("select[name=fact]", "attendance")
    page.set_input_files("input[name=file]", str(fixed))
    page.select_option("select[name=supersede]", attendance)
    page.click("form[enctype] button")
    page.wait_for_load_state("networkidle")
    assert "已导入" in page.inner_text("#outcome")
    rows = {r.split("\t")[0]: r for r in page.inner_text("table.data tbody").split("\n")}
    assert "已被替代" in rows[str(attendance)] and "考勤-更正.csv" in page.inner_text("table.data tbody")
    page.context.close()


def test_the_qa_manager_reads_whether_the_pilot_scheme_worked(browser: object, site: Site, tmp_path: Path) -> None:
    page = page_for(browser, site, "qa")
    page.click("nav a[href='/effect/']")
    page.fill("input[name=since]", "2026-09-01")
    page.fill("input[name=teams]", "T001,T003")
    page.click("#effect-form button")
    page.wait_for_load_state("networkidle")
    assert page.locator("#effects tbody tr").count() == 3
    assert "解决率" in page.inner_text("#verdict")
    shoot(page, "scheme-effect", tmp_path)
    page.context.close()
