"""Demo digital transformation: what the demo province's two agencies would have recorded, so the agency
and province panels, and the yearly report, are full after `make run`.

For each agency overseen by a body: the platform channels it delivers to (Zalo, a domestic platform, and
Facebook; not connected, since the demo reaches no platform) with the stories delivered there this year and
last; the stories waiting in review approved through the workflow, as the desk would; revenue by source
for the two years before this one and this year's months so far; its staff's training; its security
approval; and its maturity self-assessment, submitted for last year and in draft for this one. One agency
is ahead of the strategy, the other behind it, so the province panel has both colours. Run once: an agency
that has revenue is left alone.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from distribution.models import Channel, ChannelKind, Publication
from newsroom.models import Agency, OversightBody, Role, StoryPage

from .maturity import services as maturity
from .maturity.loader import ensure_bundled_frameworks
from .models import RevenueEntry, RevenueSource, SecurityDeclaration, TrainingRecord
from .training import agency_staff

# Monthly revenue by source two years ago, in millions of đồng; each year since grows by the profile's growth.
MONTHLY_MILLIONS = {
    RevenueSource.PRINT_SALES: 420,
    RevenueSource.DIGITAL_SUBSCRIPTIONS: 35,
    RevenueSource.ADVERTISING_DIRECT: 610,
    RevenueSource.ADVERTISING_PROGRAMMATIC: 140,
    RevenueSource.PLATFORM_SHARE: 45,
    RevenueSource.EVENTS_SERVICES: 120,
    RevenueSource.STATE_COMMISSIONED: 380,
}


@dataclass(frozen=True)
class Profile:
    growth: float  # each year's revenue against the year before
    trained_share: float  # of the staff
    security_level: int
    platform_share: float  # of the year's stories delivered to the Zalo channel
    maturity_share: float  # of each criterion's points the agency gives itself


AHEAD = Profile(growth=0.26, trained_share=1.0, security_level=3, platform_share=0.6, maturity_share=0.72)
BEHIND = Profile(growth=0.08, trained_share=0.5, security_level=2, platform_share=0.25, maturity_share=0.48)

COURSES = [
    ("Chuyển đổi số trong cơ quan báo chí", "Cục Báo chí, Bộ Thông tin và Truyền thông", Decimal("16")),
    ("Sản xuất nội dung đa nền tảng", "Học viện Báo chí và Tuyên truyền", Decimal("24")),
    ("An toàn thông tin cho người làm báo", "Sở Thông tin và Truyền thông", Decimal("8")),
]


@dataclass
class TransformationReport:
    agencies: int = 0
    revenue_entries: int = 0
    training_records: int = 0
    publications: int = 0
    approved: int = 0
    assessments: int = 0


def seed_transformation(*, today: date | None = None) -> TransformationReport:
    """Seed every agency of every oversight body that has no revenue yet; returns what was added."""
    today = today or timezone.localdate()
    report = TransformationReport()
    ensure_bundled_frameworks()
    agencies = (
        Agency.objects.filter(oversight_bodies__in=OversightBody.objects.all()).distinct().order_by("name")
    )
    for index, agency in enumerate(agencies):
        if agency.revenue_entries.exists():
            continue
        profile = AHEAD if index % 2 == 0 else BEHIND
        with transaction.atomic():
            report.publications += _platforms(agency, profile, today)
            report.approved += _approve_reviews(agency, keep=0 if profile is AHEAD else 1)
            report.revenue_entries += _revenue(agency, profile, today)
            report.training_records += _training(agency, profile, today)
            _security(agency, profile)
        report.assessments += _assessments(agency, profile, today)
        report.agencies += 1
    return report


def _staff(agency: Agency, role: str | None = None):
    users = agency_staff([agency.pk])
    if role:
        users = users.filter(groups__agency_role__agency=agency, groups__agency_role__role=role)
    return users.order_by("username")


def _platforms(agency: Agency, profile: Profile, today: date) -> int:
    """The agency's Zalo and Facebook channels (disabled: the demo cannot reach them) and the stories
    delivered to them since the start of last year."""
    rng = random.Random(f"platforms/{agency.short_name}")
    zalo, _created = Channel.objects.get_or_create(
        agency=agency,
        kind=ChannelKind.ZALO,
        defaults={"name": f"Zalo OA {agency.name}", "enabled": False, "domestic": True},
    )
    facebook, _created = Channel.objects.get_or_create(
        agency=agency,
        kind=ChannelKind.FACEBOOK,
        defaults={"name": f"Facebook {agency.name}", "enabled": False, "domestic": False},
    )
    since = timezone.make_aware(datetime(today.year - 1, 1, 1))
    stories = StoryPage.objects.live().filter(agency=agency, first_published_at__gte=since).order_by("pk")
    made = []
    for story in stories.only("pk", "title", "first_published_at"):
        for channel, share in ((zalo, profile.platform_share), (facebook, profile.platform_share / 2)):
            if rng.random() < share:
                remote_id = f"demo-{channel.kind}-{story.pk}"
                made.append(
                    Publication(
                        story=story,
                        story_title=story.title,
                        channel=channel,
                        remote_id=remote_id,
                        first_delivered_at=story.first_published_at + timedelta(minutes=rng.uniform(2, 40)),
                    )
                )
    Publication.objects.bulk_create(made, ignore_conflicts=True)
    return len(made)


def _approve_reviews(agency: Agency, *, keep: int) -> int:
    """Approve, through the workflow's own tasks and by the staff each task names, the agency's stories
    waiting in review but the last `keep`."""
    waiting = [
        story
        for story in StoryPage.objects.filter(agency=agency).order_by("pk")
        if story.workflow_in_progress
    ]
    approved = 0
    for story in waiting[: len(waiting) - keep]:
        state = story.current_workflow_state
        while state is not None and state.status == state.STATUS_IN_PROGRESS:
            task_state = state.current_task_state
            task = task_state.task.specific
            reviewer = _staff(agency).filter(groups__in=task.groups.all()).first()
            task.on_action(task_state, reviewer, "approve")
            state.refresh_from_db()
        approved += 1
    return approved


def _revenue(agency: Agency, profile: Profile, today: date) -> int:
    """Revenue by source for every month of the two years before this one, and this year's months before
    the current one."""
    rng = random.Random(f"revenue/{agency.short_name}")
    scale = rng.uniform(0.6, 1.4)
    entries = []
    years = (today.year - 2, today.year - 1, today.year)
    for year, factor in zip(years, (1.0, 1 + profile.growth, (1 + profile.growth) ** 2), strict=True):
        last_month = 12 if year < today.year else today.month - 1
        for month in range(1, last_month + 1):
            season = 1.15 if month in (1, 12) else 0.9 if month in (2, 7) else 1.0  # Tết and the summer
            for source, millions in MONTHLY_MILLIONS.items():
                amount = millions * scale * factor * season * rng.uniform(0.92, 1.08) * 1_000_000
                entries.append(
                    RevenueEntry(
                        agency=agency, source=source, month=date(year, month, 1), amount=round(amount, -3)
                    )
                )
    RevenueEntry.objects.bulk_create(entries)
    return len(entries)


def _training(agency: Agency, profile: Profile, today: date) -> int:
    rng = random.Random(f"training/{agency.short_name}")
    staff = list(_staff(agency))
    trained = staff[: round(len(staff) * profile.trained_share)]
    records = []
    for number, person in enumerate(trained):
        course, provider, hours = COURSES[number % len(COURSES)]
        taken = date(today.year - 1, 1, 1) + timedelta(days=rng.randrange(0, 300 + today.timetuple().tm_yday))
        records.append(
            TrainingRecord(
                agency=agency,
                staff=person,
                course=course,
                provider=provider,
                date=min(taken, today),
                hours=hours,
                certificate=f"CC-{today.year % 100}-{rng.randrange(1000, 9999)}",
            )
        )
    TrainingRecord.objects.bulk_create(records)
    return len(records)


def _security(agency: Agency, profile: Profile) -> None:
    SecurityDeclaration.objects.get_or_create(
        agency=agency,
        document_number=f"{agency.pk * 17 + 102}/QĐ-{agency.short_name.upper()}",
        defaults={
            "system_name": f"Trang thông tin điện tử {agency.name}",
            "level": profile.security_level,
            "document_date": date(2024, 9, 12),
            "approved_by": "Sở Thông tin và Truyền thông",
        },
    )


def _assessments(agency: Agency, profile: Profile, today: date) -> int:
    """Last year's self-assessment, answered and submitted; this year's started, with the system's
    suggestions, not yet submitted."""
    manager = _staff(agency, Role.MANAGER).first()
    rng = random.Random(f"maturity/{agency.short_name}")
    made = 0
    for year, submit in ((today.year - 1, True), (today.year, False)):
        assessment = maturity.start_assessment(agency=agency, year=year, user=manager)
        made += 1
        if not submit:
            continue
        answers = {}
        for criterion in maturity.criteria_of(assessment):
            share = min(1.0, max(0.0, rng.gauss(profile.maturity_share, 0.2)))
            if criterion.graded:
                points = (criterion.max * Decimal(str(round(share, 2)))).quantize(Decimal("0.01"))
            else:
                points = criterion.max if share >= 0.5 else Decimal(0)
            answers[criterion.code] = (points, "")
        maturity.save_answers(assessment=assessment, answers=answers, user=manager)
        maturity.submit(assessment=assessment, user=manager)
    return made
