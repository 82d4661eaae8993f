"""The evidence rules: what the system's own data proves about a criterion, for one agency and one year.

Each rule returns Evidence(share, text): the share of the criterion's points the data supports (0 to 1) and
the figures behind it, translated. A rule that finds nothing says so and suggests 0; the agency may still
give itself the points with a note. Every rule costs a fixed number of queries.
"""

from datetime import date

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from archive.models import ArchiveImage, ArchiveMedia
from distribution.models import Channel, Publication
from newsroom.models import StoryPage

from ..charts import number, percent
from ..models import Dimension, Period, PlatformFigure, Rollup
from ..panels import Range
from ..production import approved_through_workflow
from ..security import MIN_LEVEL, declaration_in_force
from ..training import trained_share
from .evidence import Evidence, rule

# A minute of attention per page view is what reading, rather than glancing, looks like. This yardstick is
# ours, not the decision's: the suggestion is graded against it and the agency judges the criterion.
ENGAGED_SECONDS_TARGET = 60
MULTI_CHANNEL = 2  # a story produced once and delivered to at least this many platform channels


def _year(year: int) -> Range:
    return Range(start=date(year, 1, 1), end=date(year, 12, 31))


def _days_so_far(year: int) -> int:
    """The days of `year` that have begun: all of a past year, up to today in the current one."""
    period = _year(year)
    today = timezone.localdate()
    if today < period.start:
        return 0
    return (min(today, period.end) - period.start).days + 1


def _ratio(part: float, whole: float) -> float:
    return min(part / whole, 1.0) if whole else 0.0


def _stories_published(agency, year: int):
    start, end = _year(year).bounds()
    return StoryPage.objects.filter(agency=agency, first_published_at__gte=start, first_published_at__lt=end)


@rule("readership_measured", gettext_lazy("Readership measured (days of the year with figures)"))
def readership_measured(agency, year: int) -> Evidence:
    start, end = _year(year).bounds()
    row = Rollup.objects.filter(
        agency=agency,
        period=Period.DAY,
        dimension=Dimension.TOTAL,
        start__gte=start,
        start__lt=end,
        pageviews__gt=0,
    ).aggregate(days=Count("start", distinct=True), views=Sum("pageviews"), visitors=Sum("visitors"))
    days, elapsed = row["days"], _days_so_far(year)
    if not days:
        return Evidence(0.0, _("No readership was measured in %(year)d.") % {"year": year})
    return Evidence(
        _ratio(days, elapsed),
        _(
            "Readership measured on %(days)s of the %(elapsed)s days of %(year)d so far: %(views)s page "
            "views and %(visitors)s daily visitors in all."
        )
        % {
            "days": number(days),
            "elapsed": number(elapsed),
            "year": year,
            "views": number(row["views"]),
            "visitors": number(row["visitors"]),
        },
    )


@rule("audience_engagement", gettext_lazy("Audience engagement (engaged time per page view)"))
def audience_engagement(agency, year: int) -> Evidence:
    start, end = _year(year).bounds()
    row = Rollup.objects.filter(
        agency=agency, period=Period.DAY, dimension=Dimension.TOTAL, start__gte=start, start__lt=end
    ).aggregate(views=Sum("pageviews"), seconds=Sum("engaged_seconds"), engagements=Sum("engagements"))
    views = row["views"] or 0
    if not views:
        return Evidence(0.0, _("No page view was measured in %(year)d.") % {"year": year})
    per_view = (row["seconds"] or 0) / views
    return Evidence(
        _ratio(per_view, ENGAGED_SECONDS_TARGET),
        _(
            "%(seconds)s engaged seconds per page view in %(year)d over %(views)s page views "
            "(%(engagements)s engagement reports); the suggestion counts %(target)d seconds as full marks."
        )
        % {
            "seconds": number(per_view, 1),
            "year": year,
            "views": number(views),
            "engagements": number(row["engagements"] or 0),
            "target": ENGAGED_SECONDS_TARGET,
        },
    )


@rule("platform_audience", gettext_lazy("Audience measured on the platforms delivered to"))
def platform_audience(agency, year: int) -> Evidence:
    channels = Channel.objects.filter(agency=agency).count()
    row = PlatformFigure.objects.filter(channel__agency=agency, day__year=year).aggregate(
        rows=Count("pk"), measured=Count("channel", distinct=True), views=Sum("views")
    )
    if not row["rows"]:
        return Evidence(
            0.0,
            _("No audience figure came from the agency's %(channels)s platform channels in %(year)d.")
            % {"channels": number(channels), "year": year},
        )
    return Evidence(
        _ratio(row["measured"], channels),
        _(
            "%(views)s views on the platforms in %(year)d (%(rows)s daily figures) from %(measured)s of the "
            "agency's %(channels)s platform channels."
        )
        % {
            "views": number(row["views"]),
            "year": year,
            "rows": number(row["rows"]),
            "measured": number(row["measured"]),
            "channels": number(channels),
        },
    )


@rule("platform_delivery", gettext_lazy("Content delivered to digital platforms, domestic ones first"))
def platform_delivery(agency, year: int) -> Evidence:
    start, end = _year(year).bounds()
    row = Publication.objects.filter(
        channel__agency=agency, first_delivered_at__gte=start, first_delivered_at__lt=end
    ).aggregate(
        items=Count("pk"),
        domestic=Count("pk", filter=Q(channel__domestic=True)),
        platforms=Count("channel", distinct=True),
        domestic_platforms=Count("channel", distinct=True, filter=Q(channel__domestic=True)),
    )
    if not row["items"]:
        return Evidence(0.0, _("Nothing was delivered to a digital platform in %(year)d.") % {"year": year})
    share = row["domestic"] / row["items"]
    # The strategy puts domestic platforms first: the suggestion is the domestic share of what was delivered.
    return Evidence(
        share,
        _(
            "%(items)s stories delivered in %(year)d to %(platforms)s platform channels; %(share)s of them "
            "to the %(domestic_platforms)s domestic ones."
        )
        % {
            "items": number(row["items"]),
            "year": year,
            "platforms": number(row["platforms"]),
            "share": percent(share * 100),
            "domestic_platforms": number(row["domestic_platforms"]),
        },
    )


@rule("multichannel_publishing", gettext_lazy("Stories produced once for several channels"))
def multichannel_publishing(agency, year: int) -> Evidence:
    stories = _stories_published(agency, year).annotate(
        channels=Count("publications__channel", distinct=True)
    )
    row = stories.aggregate(total=Count("pk"), multi=Count("pk", filter=Q(channels__gte=MULTI_CHANNEL)))
    if not row["total"]:
        return Evidence(0.0, _("No story was published in %(year)d.") % {"year": year})
    return Evidence(
        row["multi"] / row["total"],
        _(
            "%(multi)s of the %(total)s stories published in %(year)d went to %(channels)d or more platform "
            "channels."
        )
        % {
            "multi": number(row["multi"]),
            "total": number(row["total"]),
            "year": year,
            "channels": MULTI_CHANNEL,
        },
    )


@rule("shared_archive", gettext_lazy("Shared media archive in use"))
def shared_archive(agency, year: int) -> Evidence:
    images = ArchiveImage.objects.filter(agency=agency, created_at__year=year)
    media = ArchiveMedia.objects.filter(agency=agency, created_at__year=year)
    added = images.count() + media.count()
    if not added:
        return Evidence(0.0, _("No asset was added to the media archive in %(year)d.") % {"year": year})
    return Evidence(
        1.0,
        _(
            "%(images)s images and %(media)s video or audio files were added to the shared archive in "
            "%(year)d."
        )
        % {"images": number(images.count()), "media": number(media.count()), "year": year},
    )


@rule("remote_filing", gettext_lazy("Stories filed remotely from the field"))
def remote_filing(agency, year: int) -> Evidence:
    row = _stories_published(agency, year).aggregate(
        total=Count("pk"), filed=Count("pk", filter=Q(filing_id__isnull=False))
    )
    if not row["filed"]:
        return Evidence(
            0.0,
            _("None of the %(total)s stories published in %(year)d was filed from the field.")
            % {"total": number(row["total"]), "year": year},
        )
    # Not every story should come from the field: filing in use at all earns the criterion.
    return Evidence(
        1.0,
        _("%(filed)s of the %(total)s stories published in %(year)d were filed from the field.")
        % {"filed": number(row["filed"]), "total": number(row["total"]), "year": year},
    )


@rule("editorial_workflow", gettext_lazy("Editorial review workflow in use"))
def editorial_workflow(agency, year: int) -> Evidence:
    stories = _stories_published(agency, year)
    total = stories.count()
    if not total:
        return Evidence(0.0, _("No story was published in %(year)d.") % {"year": year})
    reviewed = approved_through_workflow(stories).count()
    return Evidence(
        reviewed / total,
        _(
            "%(reviewed)s of the %(total)s stories published in %(year)d were approved through the review "
            "workflow."
        )
        % {"reviewed": number(reviewed), "total": number(total), "year": year},
    )


@rule("staff_trained", gettext_lazy("Staff trained in digital transformation"))
def staff_trained(agency, year: int) -> Evidence:
    share = trained_share([agency.pk], year)[agency.pk]
    trained, count = share.trained, share.staff
    if not count:
        return Evidence(0.0, _("The agency has no staff accounts."))
    return Evidence(
        trained / count,
        _("%(trained)s of the agency's %(staff)s current staff had a training record by the end of %(year)d.")
        % {"trained": number(trained), "staff": number(count), "year": year},
    )


@rule("security_level3", gettext_lazy("Information security approved at level 3 or above"))
def security_level3(agency, year: int) -> Evidence:
    declaration = declaration_in_force([agency.pk], year).get(agency.pk)
    if declaration is None:
        return Evidence(
            0.0, _("No information-security approval is declared up to %(year)d.") % {"year": year}
        )
    return Evidence(
        1.0 if declaration.level >= MIN_LEVEL else 0.0,
        _("%(system)s approved at level %(level)d by %(document)s of %(date)s (declared by the agency).")
        % {
            "system": declaration.system_name,
            "level": declaration.level,
            "document": declaration.document_number,
            "date": declaration.document_date.strftime("%d/%m/%Y"),
        },
    )
