"""The html report in a real browser: Debian's headless Chromium driven by Selenium.

`.ci/run` installs `chromium` and `chromium-driver` when apt is there; without them (or without
selenium) these tests skip and say why. No browser is ever downloaded.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from report_fixtures import changed_report, fixture_report

from evalspec.report.formats import render

webdriver = pytest.importorskip("selenium.webdriver",
                                reason="selenium is not installed (pip install -e '.[test]')")
from selenium.webdriver.common.by import By  # noqa: E402 (after the skip above)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None or CHROMEDRIVER is None, reason=(
        "no chromium/chromedriver on PATH: `apt-get install -y chromium chromium-driver` (.ci/run does "
        "when it can) to run the html report's browser tests")),
]
PHONE = 390


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}", "--window-size=1280,900"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(params=["changed", "fixture"])
def page(request: pytest.FixtureRequest, browser: Any, tmp_path: Path) -> Any:
    """A report opened from a file, at desktop width; the browser's log emptied first."""
    report = changed_report() if request.param == "changed" else fixture_report()
    path = tmp_path / "report.html"
    path.write_text(render(report, "html"), encoding="utf-8")
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    browser.get_log("browser")
    browser.get(path.as_uri())
    return browser


def _column(table: Any, index: int) -> list[Any]:
    values = []
    for row in table.find_elements(By.CSS_SELECTOR, ":scope > tbody > tr"):
        cell = row.find_elements(By.CSS_SELECTOR, ":scope > td")[index]
        value = cell.get_attribute("data-v")
        values.append(float(value) if value is not None else cell.text)
    return values


def test_sorting_each_table_sorts_that_table_by_the_header_clicked(page: Any) -> None:
    tables = page.find_elements(By.CSS_SELECTOR, "table.sortable")
    assert len(tables) >= 3  # gates, cells, and files: every one after the first is the old bug's
    for table in tables:
        headers = table.find_elements(By.CSS_SELECTOR, ":scope > thead th")
        names = [h.get_attribute("textContent") for h in headers]
        for name in ("score", "cell", "file"):
            if name not in names or len(table.find_elements(By.CSS_SELECTOR, ":scope > tbody > tr")) < 2:
                continue
            index = names.index(name)
            page.execute_script("arguments[0].click()", headers[index])  # hidden columns too
            values = _column(table, index)
            assert values == sorted(values), (name, values)
            page.execute_script("arguments[0].click()", headers[index])
            assert _column(table, index) == sorted(values, reverse=True), name


def test_no_horizontal_overflow_on_a_phone_and_the_verdicts_stay_on_screen(page: Any) -> None:
    page.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                         {"width": PHONE, "height": 844, "deviceScaleFactor": 3, "mobile": True})
    page.refresh()
    page.execute_script("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    width = page.execute_script("return document.documentElement.clientWidth")
    assert width == PHONE
    assert page.execute_script("return document.documentElement.scrollWidth") <= PHONE
    verdicts = page.find_elements(By.CSS_SELECTOR, "td.pass, td.fail")
    assert verdicts
    right = page.execute_script(
        "return Math.max(...arguments[0].map((e) => e.getBoundingClientRect().right))", verdicts)
    assert right <= PHONE


def test_expanders_open(page: Any) -> None:
    summaries = page.find_elements(By.CSS_SELECTOR, "details:not([open]) > summary")
    assert summaries
    for summary in summaries:
        details = summary.find_element(By.XPATH, "..")
        if not details.is_displayed():
            continue  # inside another closed one: opened when its parent is
        summary.click()
        assert details.get_attribute("open") is not None
        inside = details.find_elements(By.CSS_SELECTOR, ":scope > :not(summary)")
        assert inside and inside[0].is_displayed()


def test_no_console_errors_and_no_external_resource(page: Any) -> None:
    page.execute_script("document.querySelectorAll('table.sortable th').forEach((th) => th.click())")
    assert [entry for entry in page.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")] == []
    assert page.execute_script("return performance.getEntriesByType('resource').length") == 0
    links = page.execute_script("return [...document.querySelectorAll('[src], [href]')]"
                                ".map((e) => e.getAttribute('src') || e.getAttribute('href'))")
    assert all(link.startswith("#") for link in links), links


def test_the_heatmap_colours_a_failing_cell_by_its_score(page: Any) -> None:
    failing = page.find_elements(By.CSS_SELECTOR, "svg.heatmap rect[stroke='#b91c1c']")
    fills = {page.execute_script("return getComputedStyle(arguments[0]).fill", rect) for rect in failing}
    assert len(failing) >= 2 and len(fills) == len(failing)  # one colour per score, not one for all
