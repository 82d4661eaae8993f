from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.models import Collection, Site


class AgencyKind(models.TextChoices):
    NEWSPAPER = "newspaper", _("Newspaper")
    E_NEWSPAPER = "e-newspaper", _("E-newspaper")
    MAGAZINE = "magazine", _("Magazine")
    RADIO = "radio", _("Radio")
    TELEVISION = "television", _("Television")


class Role(models.TextChoices):
    """A staff role inside one agency; each is one Django group per agency."""

    REPORTER = "reporter", _("Reporter")
    EDITOR = "editor", _("Editor")
    EDITOR_IN_CHIEF = "editor_in_chief", _("Editor-in-chief")
    MANAGER = "manager", _("Agency manager")


class AgencyQuerySet(models.QuerySet):
    def for_user(self, user):
        """Agencies whose staff `user` belongs to (every agency for a superuser)."""
        if not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(staff_groups__group__user=user).distinct()

    def for_page(self, page):
        """The agency whose tree holds `page` (None for the root or an orphan)."""
        if not page.path or page.depth < 2:
            return None
        return self.filter(site__root_page__path=page.path[: 2 * page.steplen]).first()

    def overseen_by(self, user):
        """Agencies `user` may read panels of: their own plus those their oversight bodies oversee."""
        if not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(
            models.Q(staff_groups__group__user=user) | models.Q(oversight_bodies__group__user=user)
        ).distinct()


class Agency(models.Model):
    """A press agency: one Wagtail Site, one page tree, one collection, its own staff groups."""

    name = models.CharField(_("name"), max_length=255, unique=True)
    short_name = models.SlugField(
        _("short name"),
        max_length=40,
        unique=True,
        help_text=_("Letters, digits and hyphens; used in group and collection names."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=AgencyKind.choices)
    licence_number = models.CharField(_("licence number"), max_length=100, blank=True)
    governing_body = models.CharField(_("governing body"), max_length=255, blank=True)
    province = models.CharField(_("province"), max_length=100, blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    site = models.OneToOneField(Site, on_delete=models.PROTECT, related_name="agency", verbose_name=_("site"))
    collection = models.OneToOneField(
        Collection, on_delete=models.PROTECT, related_name="agency", verbose_name=_("collection")
    )
    require_two_factor = models.BooleanField(
        _("require two-factor sign-in"),
        default=False,
        help_text=_(
            "Staff of this agency must confirm each sign-in with a code from an authenticator app (TOTP)."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AgencyQuerySet.as_manager()

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def root_page(self):
        return self.site.root_page

    def group_for(self, role: str) -> Group:
        return self.staff_groups.select_related("group").get(role=role).group


class AgencyGroup(models.Model):
    """Binds a staff role of an agency to the Django group that carries its permissions."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="staff_groups")
    role = models.CharField(max_length=20, choices=Role.choices)
    group = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="agency_role")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "role"], name="one_group_per_agency_role")]

    def __str__(self):
        return f"{self.agency.short_name}: {self.get_role_display()}"


class OversightKind(models.TextChoices):
    PROVINCE = "province", _("Provincial department")
    MINISTRY = "ministry", _("Ministry")


class OversightBody(models.Model):
    """A province's department or a ministry that reads the panels of the agencies it oversees."""

    name = models.CharField(_("name"), max_length=255, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OversightKind.choices)
    agencies = models.ManyToManyField(Agency, related_name="oversight_bodies", verbose_name=_("agencies"))
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="oversight_body")

    class Meta:
        verbose_name = _("oversight body")
        verbose_name_plural = _("oversight bodies")

    def __str__(self):
        return self.name
