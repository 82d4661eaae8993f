"""The digital-transformation panels in a real browser on the demo: the province's officer reads the
oversight panel (agencies × indicators against the targets), drills down to an agency, and an agency's
manager reads their own panel on a phone."""

import pytest
from django.core.management import call_command

from newsroom.demo import cast
from tests.e2e.conftest import LAPTOP, PHONE
from tests.e2e.test_distribution_browser import screenshot_whole

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def demo(live_server):
    call_command("seed_demo", stories=40, verbosity=0)
    call_command("seed_readership", days=45, verbosity=0)
    call_command("seed_transformation", verbosity=0)


def login(page, base_url, username):
    page.goto(f"{base_url}/admin/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", cast.DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/admin/")


def test_the_province_officer_reads_the_oversight_panel_and_drills_down(live_server, demo, chromium):
    context = chromium.new_context(**LAPTOP)
    page = context.new_page()
    login(page, live_server.url, cast.OVERSIGHT_USERNAME)
    page.goto(f"{live_server.url}/admin/transformation/province/")

    # Every agency of the province, every indicator coloured, the shares set against both targets.
    matrix = page.locator("[data-matrix]")
    assert matrix.locator("tbody tr").count() == len(cast.AGENCIES)
    cells = matrix.locator("td[data-indicator]")
    assert cells.count() == 6 * len(cast.AGENCIES)
    met = {cell.get_attribute("data-met") for cell in cells.all()}
    assert {"yes", "no"} <= met  # one agency ahead of the strategy, the other behind
    assert matrix.locator("[data-basis=declared]").count() >= 1  # security is always declared
    shares = page.locator("[data-shares] tbody tr")
    assert shares.count() == 6
    assert page.locator(".tf-target").count() == 12  # the 2025 and 2030 ticks on each bar
    assert page.locator("[data-reports] a").count() == 3  # the yearly report as PDF, DOCX and CSV
    page.wait_for_load_state("networkidle")
    screenshot_whole(page, "transformation-oversight-laptop")

    matrix.locator("tbody tr th a").first.click()
    page.locator("[data-indicators]").wait_for()
    assert page.locator("[data-indicators] tbody tr").count() == 6
    assert page.locator("[data-maturity] .tf-pillars tbody tr").count() == 5  # a draft, five pillars
    screenshot_whole(page, "transformation-agency-laptop")
    context.close()


def test_an_agency_manager_reads_their_panel_on_a_phone(live_server, demo, chromium):
    context = chromium.new_context(**PHONE)
    page = context.new_page()
    manager = f"{cast.AGENCIES[0].short_name}.{cast.ROLE_LOGINS['manager']}"
    login(page, live_server.url, manager)
    page.goto(f"{live_server.url}/admin/transformation/")
    page.locator("[data-indicators]").wait_for()
    assert page.locator("[data-indicators] tbody tr").count() == 6
    assert page.locator("[data-revenue] dd").first.inner_text() != "—"
    # The manager's own agency only: no province panel, no other agency to choose.
    assert page.locator("select[name=agency]").count() == 0
    screenshot_whole(page, "transformation-agency-phone")
    context.close()
