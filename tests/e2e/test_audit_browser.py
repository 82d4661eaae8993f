"""An agency manager reads the agency's audit log in a real browser: the timeline, its search, its pages."""

from urllib.parse import urlparse

import pytest
from wagtail.models import Site

from newsroom.audit import record
from newsroom.audit.views import AuditLogView
from newsroom.models import AuditEntry, Role
from tests.e2e.conftest import screenshot
from tests.e2e.test_newsroom_browser import login
from tests.factories import make_agency, make_story, make_user, section_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def newsroom(live_server):
    url = urlparse(live_server.url)
    agency = make_agency(short_name="baohaiduong", name="Báo Hải Dương", hostname=url.hostname, port=url.port)
    Site.objects.filter(pk=agency.site.pk).update(is_default_site=True)
    manager = make_user(username="hd-quanly", agency=agency, role=Role.MANAGER)
    reporter = make_user(username="hd-phongvien", agency=agency, role=Role.REPORTER)
    make_story(section=section_of(agency), owner=reporter, title="Lũ sông Thái Bình dâng cao")
    record("auth.login", user=reporter, agency=agency)
    record("auth.login_failed", username="hd-phongvien", agency=agency)
    record(
        "export.downloaded",
        user=manager,
        agency=agency,
        data={
            "export": "readership",
            "panel": "stories",
            "format": "csv",
            "from": "2026-04-01",
            "to": "2026-04-30",
        },
    )
    return {"agency": agency, "manager": manager}


def test_a_manager_reads_searches_and_pages_the_audit_log(live_server, newsroom, laptop, monkeypatch):
    base = live_server.url
    login(laptop, base, newsroom["manager"].username)
    laptop.goto(f"{base}/admin/audit/")
    rows = laptop.locator("#listing-results table.listing tbody tr")
    assert rows.count() >= 5
    assert laptop.get_by_text("Lũ sông Thái Bình dâng cao").first.is_visible()
    assert AuditEntry.objects.filter(action="permissions.membership", agency=newsroom["agency"]).exists()
    screenshot(laptop, "audit-log")

    # The search box narrows the timeline in place, as Wagtail's listings do.
    laptop.fill(".w-slim-header__search-form input[name=q]", "phongvien")
    laptop.wait_for_url("**q=phongvien**")
    laptop.wait_for_function(
        "() => [...document.querySelectorAll('#listing-results tbody tr')]"
        ".every(row => row.textContent.includes('phongvien'))"
    )
    assert rows.count() >= 2

    # And the pages follow one another by cursor.
    monkeypatch.setattr(AuditLogView, "page_size", 3)
    laptop.goto(f"{base}/admin/audit/")
    laptop.click("a[rel=next]")
    laptop.wait_for_selector("a[rel=prev]")
    assert rows.count() == 3
