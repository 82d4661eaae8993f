"""The readership overview in a real browser, served over ASGI with demo readership: its charts are drawn, it
reads well on a laptop and a phone, and the real-time box follows new readers without a reload."""

import random
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.utils import timezone
from wagtail.models import Site

from analytics.demo import seed_readership
from analytics.models import PlatformFigure
from analytics.store import get_store
from distribution.models import Channel
from newsroom.models import Role, StoryFormat, StoryPage
from tests.analytics.conftest import story_records
from tests.e2e.conftest import off_the_browser_thread
from tests.e2e.test_distribution_browser import screenshot_whole
from tests.factories import PASSWORD, make_agency, make_author, make_story, make_user, section_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
WAIT = 15_000  # ms: the socket sends every few seconds
DAYS = 60  # as the demo seeds: a month to show and the month before to compare with
TITLES = [
    ("Hải Dương khởi công cầu vượt sông Thái Bình", StoryFormat.NEWS),
    ("Vải thiều Thanh Hà vào vụ, giá cao hơn năm ngoái", StoryFormat.NEWS),
    ("Phóng sự ảnh: Mùa lúa chín trên cánh đồng Gia Lộc", StoryFormat.PHOTO),
    ("Người giữ nghề gốm Cậy cuối cùng", StoryFormat.LONGFORM),
    ("Video: Lễ hội Côn Sơn - Kiếp Bạc mùa thu", StoryFormat.VIDEO),
    ("Tuyển sinh lớp 10: lịch thi và chỉ tiêu từng trường", StoryFormat.NEWS),
    ("Podcast: Chuyện làng nghề bánh đa Kẻ Sặt", StoryFormat.PODCAST),
    ("Số liệu: Thu ngân sách 9 tháng vượt dự toán", StoryFormat.DATA),
    ("Trực tiếp: Kỳ họp thứ 20 HĐND tỉnh", StoryFormat.LIVE),
    ("Bóng đá: Hải Dương thắng trận mở màn giải hạng Nhì", StoryFormat.NEWS),
    ("Cảnh báo lừa đảo qua mạng xã hội dịp cuối năm", StoryFormat.NEWS),
    ("Chợ phiên vùng cao giữa lòng thành phố", StoryFormat.PHOTO),
]
LIVE_TITLE = "Nóng: Cháy kho hàng ở khu công nghiệp Đại An"


@pytest.fixture
def readership(asgi_live_server):
    url = urlparse(asgi_live_server.url)
    agency = make_agency(short_name="baohaiduong", name="Báo Hải Dương", hostname=url.hostname, port=url.port)
    Site.objects.filter(pk=agency.site.pk).update(is_default_site=True)
    manager = make_user(username="hd-quanly", agency=agency, role=Role.MANAGER)
    authors = [make_author(agency=agency, name=name) for name in ("Nguyễn Thu Hà", "Trần Văn Minh", "Lê Hoa")]
    now = timezone.now()
    for n, (title, story_format) in enumerate(TITLES):
        story = make_story(section=section_of(agency, n % 4), title=title, format=story_format)
        story.authors.add(authors[n % len(authors)])
        story.save()
        # Spread over the month, so readers find fresh stories every few days.
        StoryPage.objects.filter(pk=story.pk).update(first_published_at=now - timedelta(days=DAYS - 4.9 * n))
    zalo = Channel.objects.create(agency=agency, kind="zalo", name="Zalo OA Báo Hải Dương", domestic=True)
    rng = random.Random(3)
    today = timezone.localdate()
    PlatformFigure.objects.bulk_create(
        PlatformFigure(
            channel=zalo,
            day=today - timedelta(days=d),
            remote_id=f"zalo-{d}",
            views=rng.randint(15, 60),
            visitors=rng.randint(10, 15),
            source="zalo",
        )
        for d in range(1, DAYS)
    )
    assert seed_readership(days=DAYS, now=now) > 1000
    live_story = make_story(section=section_of(agency), title=LIVE_TITLE)
    return {"agency": agency, "manager": manager, "live_story": live_story}


def login(page, base_url, user):
    page.goto(f"{base_url}/admin/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/admin/")


def new_readers(story, count: int) -> None:
    get_store().insert(story_records(story, at=timezone.now() - timedelta(seconds=20), views=count))


def check_charts(page) -> None:
    line = page.locator('svg[data-chart="line"]')
    assert line.count() == 1 and line.get_attribute("role") == "img"
    assert len(line.locator(".rd-line__views").get_attribute("points").split(" ")) == 30
    assert line.bounding_box()["height"] > 200
    bars = page.locator('svg[data-chart="bars"]')
    assert bars.count() == 4
    for n in range(4):
        assert bars.nth(n).locator(".rd-bars__bar").count() >= 2
        assert bars.nth(n).locator(".rd-bars__bar").first.bounding_box()["width"] > 40
    # The channels chart shows the website and the Zalo account's own figures.
    channels = page.locator('[data-panel="channels"] .rd-bars__label').all_text_contents()
    assert "Zalo OA Báo Hải Dương" in channels
    assert page.locator('[data-panel="stories"] tbody tr').count() == 10
    assert page.locator("[data-tile-value]").first.inner_text() not in ("0", "—")


def test_overview_with_demo_readership_and_live_readers(asgi_live_server, readership, laptop, phone):
    base = asgi_live_server.url
    login(laptop, base, readership["manager"])
    laptop.goto(f"{base}/admin/readership/")
    laptop.wait_for_selector('[data-live-state="live"]', timeout=WAIT)
    laptop.wait_for_selector("[data-readership-live][data-updates]", timeout=WAIT)
    # Sixty days of readers: this month is compared with the one before.
    assert "%" in laptop.locator(".rd-tile__change .rd-change").first.inner_text()
    check_charts(laptop)
    # Nothing spills out of the page sideways.
    assert laptop.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot_whole(laptop, "readership-overview-laptop")

    # New readers arrive: the box shows them without a reload.
    laptop.evaluate("window.sameDocument = true")
    off_the_browser_thread(new_readers, readership["live_story"], 7)
    row = laptop.locator("[data-live-stories] li", has_text=LIVE_TITLE)
    row.wait_for(timeout=WAIT)
    assert row.locator(".rd-live__readers").inner_text() == "7"
    assert row.locator("a").get_attribute("href") == f"/admin/pages/{readership['live_story'].pk}/edit/"
    total = int(laptop.locator("[data-live-total]").inner_text().replace(".", ""))
    assert total >= 7 and laptop.locator("[data-live-empty]").is_hidden()
    assert laptop.evaluate("window.sameDocument") is True

    login(phone, base, readership["manager"])
    phone.goto(f"{base}/admin/readership/?range=30")
    phone.wait_for_selector('[data-live-state="live"]', timeout=WAIT)
    check_charts(phone)
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot_whole(phone, "readership-overview-phone")


def test_a_bad_range_is_explained_in_the_page(asgi_live_server, readership, laptop):
    base = asgi_live_server.url
    login(laptop, base, readership["manager"])
    laptop.goto(f"{base}/admin/readership/")
    laptop.fill("input[name=from]", "2026-03-10")
    laptop.fill("input[name=to]", "2026-03-01")
    laptop.click(".rd-filters button[type=submit]")
    laptop.wait_for_selector("[data-range-error]")
    assert laptop.locator('svg[data-chart="line"]').count() == 1
    laptop.locator(".rd-filters__presets a").first.click()
    laptop.wait_for_url("**/admin/readership/?range=7")
    assert laptop.locator("[data-range-error]").count() == 0
    assert len(laptop.locator(".rd-line__views").get_attribute("points").split(" ")) == 7
