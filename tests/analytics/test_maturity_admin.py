"""The framework editor in the admin: superusers create, edit and publish (with revisions and history), the
form refuses a framework that does not hold together, and staff only view."""

import pytest
from django.urls import reverse

from analytics.maturity.loader import load_framework
from analytics.models import MaturityFramework
from newsroom.models import Role
from tests.analytics.test_maturity_framework import DECISION, small_framework
from tests.factories import make_user

pytestmark = pytest.mark.django_db


# --- the framework editor in the admin ----------------------------------------------------------------------
def _list(items, build) -> dict:
    data = {"count": str(len(items))}
    for n, item in enumerate(items):
        data.update({f"{n}-value-{k}": v for k, v in build(item).items()})
        data.update({f"{n}-deleted": "", f"{n}-order": str(n), f"{n}-id": ""})
    return data


def _nest(prefix: str, data: dict) -> dict:
    return {f"{prefix}-{key}": value for key, value in data.items()}


def _criterion(c):
    return {k: c[k] for k in ("code", "text", "guidance", "points", "scoring", "evidence_rule")}


def _component(c):
    return {
        "code": c["code"],
        "name": c["name"],
        "points": c["points"],
        **_nest("criteria", _list(c["criteria"], _criterion)),
    }


def _pillar(p):
    return {
        "code": p["code"],
        "name": p["name"],
        "points": p["points"],
        **_nest("components", _list(p["components"], _component)),
    }


def form_data(data: dict) -> dict:
    """The POST of the framework editor for `data` (a framework dict as in the JSON files)."""
    post = {name: str(data[name]) for name in ("title", "decision", "issued_on", "issued_by", "first_year")}
    for field, kind, build, items in (
        ("pillars", "pillar", _pillar, data["pillars"]),
        ("levels", "level", lambda lv: lv, data["levels"]),
    ):
        post[f"{field}-count"] = str(len(items))
        for n, item in enumerate(items):
            post.update(
                {
                    f"{field}-{n}-type": kind,
                    f"{field}-{n}-deleted": "",
                    f"{field}-{n}-order": str(n),
                    f"{field}-{n}-id": "",
                }
            )
            post.update({f"{field}-{n}-value-{k}": v for k, v in build(item).items()})
    return post


@pytest.fixture
def superuser(db):
    return make_user(username="quantri", is_superuser=True, is_staff=True)


def _urls(framework=None):
    base = "wagtailsnippets_analytics_maturityframework"
    if framework is None:
        return reverse(f"{base}:add")
    return reverse(f"{base}:edit", args=[framework.pk]), reverse(f"{base}:history", args=[framework.pk])


def test_a_superuser_creates_edits_and_publishes_a_framework_with_history(client, superuser):
    client.force_login(superuser)
    post = form_data(small_framework())
    response = client.post(_urls(), {**post, "action-publish": "publish"})
    assert response.status_code == 302, response.content.decode()[:2000]
    framework = MaturityFramework.objects.get(decision=DECISION)
    assert framework.live
    edit, history = _urls(framework)
    changed = small_framework(title="Bộ chỉ số sửa đổi")
    response = client.post(edit, {**form_data(changed), "action-publish": "publish"})
    assert response.status_code == 302
    framework.refresh_from_db()
    assert framework.title == "Bộ chỉ số sửa đổi"
    assert framework.revisions.count() == 2
    page = client.get(history, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert page.content.decode().count("Published") >= 2


def test_the_editor_shows_a_sum_error_beside_the_component(client, superuser):
    client.force_login(superuser)
    data = small_framework()
    data["pillars"][0]["components"][0]["criteria"][1]["points"] = "3"  # 1.1 becomes 7 of 6
    response = client.post(
        _urls(), {**form_data(data), "action-publish": "publish"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert not MaturityFramework.objects.exists()
    assert "Component index 1.1 is worth 6 points but its criteria add up to 7." in response.content.decode()


def test_the_editor_checks_codes_and_levels_across_the_framework(client, superuser):
    client.force_login(superuser)
    data = small_framework()
    data["pillars"][1]["components"][0]["criteria"][0]["code"] = "1.1.2"
    data["levels"][2]["min_points"] = "25"
    response = client.post(
        _urls(), {**form_data(data), "action-publish": "publish"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert not MaturityFramework.objects.exists()
    body = response.content.decode()
    assert "Criterion code 1.1.2 is used twice (in component index 2.1)." in body
    assert "Level High starts at 25 points, above the framework" in body


def test_staff_view_frameworks_but_only_superusers_edit(client, agency, staff):
    framework = load_framework(small_framework())
    edit, _history = _urls(framework)
    manager = staff[Role.MANAGER]
    client.force_login(manager)
    index = client.get(reverse("wagtailsnippets_analytics_maturityframework:list"))
    assert index.status_code == 200
    assert DECISION in index.content.decode()
    assert client.get(edit).status_code in (302, 403)
    assert client.post(_urls(), form_data(small_framework(decision="1/X"))).status_code in (302, 403)
    assert not MaturityFramework.objects.filter(decision="1/X").exists()
