"""The maturity framework as data: validation, the loader and its command, the bundled 1827/QĐ-BTTTT file,
and the framework editor in the admin (superusers edit; staff view; revisions and history)."""

import copy
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import translation

from analytics.maturity.evidence import RULES, get_rule
from analytics.maturity.loader import LoaderError, bundled_files, content, load_framework
from analytics.maturity.scoring import criteria
from analytics.maturity.validation import FrameworkError, problems
from analytics.models import MaturityFramework

DECISION = "99/QĐ-TEST"


def small_framework(**changes) -> dict:
    """A framework of 20 points: pillar 1 (10) and pillar 2 (10), levels Low 0, Mid 8, High 15."""
    data = {
        "title": "Bộ chỉ số thử nghiệm",
        "decision": DECISION,
        "issued_on": "2024-10-24",
        "issued_by": "Bộ thử nghiệm",
        "first_year": 2023,
        "pillars": [
            {
                "code": "1",
                "name": "Chiến lược",
                "points": "10",
                "components": [
                    {
                        "code": "1.1",
                        "name": "Kế hoạch",
                        "points": "6",
                        "criteria": [
                            {
                                "code": "1.1.1",
                                "text": "Có kế hoạch",
                                "guidance": "",
                                "points": "4",
                                "scoring": "met",
                                "evidence_rule": "",
                            },
                            {
                                "code": "1.1.2",
                                "text": "Có kinh phí",
                                "guidance": "",
                                "points": "2",
                                "scoring": "graded",
                                "evidence_rule": "",
                            },
                        ],
                    },
                    {
                        "code": "1.2",
                        "name": "Nhân lực",
                        "points": "4",
                        "criteria": [
                            {
                                "code": "1.2.1",
                                "text": "Được đào tạo",
                                "guidance": "",
                                "points": "4",
                                "scoring": "graded",
                                "evidence_rule": "staff_trained",
                            },
                        ],
                    },
                ],
            },
            {
                "code": "2",
                "name": "Hạ tầng",
                "points": "10",
                "components": [
                    {
                        "code": "2.1",
                        "name": "An toàn và phân phối",
                        "points": "10",
                        "criteria": [
                            {
                                "code": "2.1.1",
                                "text": "Cấp độ 3",
                                "guidance": "",
                                "points": "5",
                                "scoring": "met",
                                "evidence_rule": "security_level3",
                            },
                            {
                                "code": "2.1.2",
                                "text": "Nền tảng trong nước",
                                "guidance": "",
                                "points": "5",
                                "scoring": "graded",
                                "evidence_rule": "platform_delivery",
                            },
                        ],
                    }
                ],
            },
        ],
        "levels": [
            {"name": "Low", "min_points": "0", "description": ""},
            {"name": "Mid", "min_points": "8", "description": ""},
            {"name": "High", "min_points": "15", "description": ""},
        ],
    }
    data.update(changes)
    return copy.deepcopy(data)


def messages(data) -> list[str]:
    return [p.message for p in problems(data["pillars"], data["levels"])]


# --- validation ----------------------------------------------------------------------------------------
def test_a_sound_framework_has_no_problem():
    assert messages(small_framework()) == []


def test_criteria_must_add_up_to_their_component():
    data = small_framework()
    data["pillars"][0]["components"][0]["criteria"][1]["points"] = "1.5"
    with translation.override("en"):
        assert messages(data) == ["Component index 1.1 is worth 6 points but its criteria add up to 5.5."]


def test_components_must_add_up_to_their_pillar():
    data = small_framework()
    data["pillars"][1]["points"] = "12"
    with translation.override("en"):
        found = messages(data)
    assert "Pillar 2 is worth 12 points but its component indices add up to 10." in found


def test_criterion_codes_are_unique_across_pillars():
    data = small_framework()
    data["pillars"][1]["components"][0]["criteria"][0]["code"] = "1.1.1"
    with translation.override("en"):
        assert messages(data) == ["Criterion code 1.1.1 is used twice (in component index 2.1)."]


@pytest.mark.parametrize(
    ("floors", "expected"),
    [
        (["1", "8", "15"], "The first level, Low, must start at 0 points, not 1."),
        (["0", "8", "8"], "Level High starts at 8 points, not above Mid (8)."),
        (["0", "9", "8"], "Level High starts at 8 points, not above Mid (9)."),
        (["0", "8", "21"], "Level High starts at 21 points, above the framework's total of 20."),
    ],
)
def test_levels_climb_from_zero_to_the_total(floors, expected):
    data = small_framework()
    for level, floor in zip(data["levels"], floors, strict=True):
        level["min_points"] = floor
    with translation.override("en"):
        assert messages(data) == [expected]


# --- the loader -------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_loading_creates_a_published_framework_with_one_revision():
    framework = load_framework(small_framework())
    assert framework.live and not framework.has_unpublished_changes
    assert framework.revisions.count() == 1
    assert framework.live_revision == framework.latest_revision
    assert [c.code for c in criteria(framework)] == ["1.1.1", "1.1.2", "1.2.1", "2.1.1", "2.1.2"]


@pytest.mark.django_db
def test_loading_an_unchanged_file_changes_nothing():
    first = load_framework(small_framework())
    again = load_framework(small_framework())
    assert again.pk == first.pk
    assert again.revisions.count() == 1
    assert MaturityFramework.objects.count() == 1


@pytest.mark.django_db
def test_a_changed_file_makes_a_new_published_revision():
    first = load_framework(small_framework())
    changed = small_framework()
    changed["levels"][1]["min_points"] = "9"
    framework = load_framework(changed)
    assert framework.pk == first.pk
    assert framework.revisions.count() == 2
    assert framework.live_revision_id != first.live_revision_id
    assert content(framework)["levels"][1]["min_points"] == "9"
    assert content(first.live_revision.as_object())["levels"][1]["min_points"] == "8"


@pytest.mark.django_db
def test_a_draft_load_leaves_the_live_framework_alone():
    load_framework(small_framework())
    changed = small_framework(title="Bản dự thảo")
    framework = load_framework(changed, publish=False)
    framework.refresh_from_db()
    assert framework.title == "Bộ chỉ số thử nghiệm"  # the live row is untouched
    assert framework.has_unpublished_changes
    assert framework.get_latest_revision().as_object().title == "Bản dự thảo"
    assert load_framework(changed, publish=False).revisions.count() == 2  # the same draft again: nothing


@pytest.mark.django_db
def test_a_framework_that_does_not_add_up_is_refused_and_nothing_is_saved():
    data = small_framework()
    data["pillars"][0]["points"] = "11"
    with translation.override("en"), pytest.raises(FrameworkError) as raised:
        load_framework(data)
    assert [p.message for p in raised.value.problems] == [
        "Pillar 1 is worth 11 points but its component indices add up to 10."
    ]
    assert not MaturityFramework.objects.exists()


@pytest.mark.django_db
def test_an_unknown_evidence_rule_or_scoring_is_refused():
    data = small_framework()
    data["pillars"][0]["components"][0]["criteria"][0]["evidence_rule"] = "mind_reading"
    data["pillars"][0]["components"][0]["criteria"][1]["scoring"] = "vibes"
    with translation.override("en"), pytest.raises(FrameworkError) as raised:
        load_framework(data)
    assert [p.message for p in raised.value.problems] == [
        "Criterion 1.1.1 names the unknown evidence rule “mind_reading”.",
        "Criterion 1.1.2: scoring must be “met” or “graded”.",
    ]


@pytest.mark.django_db
def test_an_unreadable_file_is_refused_with_its_line(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"title": "x",\n "decision": }', encoding="utf-8")
    with translation.override("en"), pytest.raises(LoaderError) as raised:
        load_framework(bad)
    assert "bad.json is not JSON (line 2)" in raised.value.message


# --- the bundled 1827/QĐ-BTTTT framework ------------------------------------------------------------
@pytest.mark.django_db
def test_the_bundled_1827_framework_has_the_decisions_shape():
    (path,) = [p for p in bundled_files() if p.name == "1827-qd-btttt.json"]
    framework = load_framework(path)
    data = content(framework)
    assert framework.decision == "1827/QĐ-BTTTT"
    assert [(p["name"], p["points"]) for p in data["pillars"]] == [
        ("Chiến lược", "18"),
        ("Hạ tầng số, nền tảng số và an toàn thông tin", "24"),
        ("Sự đồng nhất về tổ chức và chuyên môn", "20"),
        ("Độc giả, khán giả, thính giả", "23"),
        ("Mức độ ứng dụng công nghệ số", "15"),
    ]
    assert sum(len(p["components"]) for p in data["pillars"]) == 10
    found = criteria(framework)
    assert len(found) == 43
    assert sum((c.max for c in found), Decimal(0)) == 100
    assert [(lv["name"], lv["min_points"]) for lv in data["levels"]] == [
        ("Yếu", "0"),
        ("Trung bình", "50"),
        ("Khá", "65"),
        ("Tốt", "80"),
        ("Xuất sắc", "90"),
    ]
    # Every evidence rule the system has proves at least one criterion of the bundled framework.
    used = {c.evidence_rule for c in found if c.evidence_rule}
    assert all(get_rule(key) for key in used)
    assert used == set(RULES)


@pytest.mark.django_db
def test_the_command_loads_every_bundled_file_once(capsys):
    call_command("load_maturity_framework")
    call_command("load_maturity_framework")
    out = capsys.readouterr().out
    assert "1827/QĐ-BTTTT: new revision" in out
    assert "1827/QĐ-BTTTT: unchanged" in out
    assert MaturityFramework.objects.get(decision="1827/QĐ-BTTTT").revisions.count() == 1


@pytest.mark.django_db
def test_the_command_reports_a_bad_file(tmp_path):
    from django.core.management.base import CommandError

    data = small_framework()
    data["levels"][0]["min_points"] = "3"
    path = tmp_path / "f.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with translation.override("en"), pytest.raises(CommandError, match="must start at 0 points"):
        call_command("load_maturity_framework", str(path))
