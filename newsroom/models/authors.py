from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.images import get_image_model_string
from wagtail.search import index

from .agencies import Agency


class Author(index.Indexed, models.Model):
    """A byline: a staff writer, a contributor or a wire, owned by one agency."""

    agency = models.ForeignKey(
        Agency, on_delete=models.CASCADE, related_name="authors", verbose_name=_("agency")
    )
    name = models.CharField(_("name"), max_length=255)
    slug = models.SlugField(_("slug"), max_length=255, allow_unicode=False)
    job_title = models.CharField(_("job title"), max_length=255, blank=True)
    bio = models.TextField(_("biography"), blank=True)
    photo = models.ForeignKey(
        get_image_model_string(),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("photo"),
    )
    user = models.ForeignKey(
        "auth.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="author_profiles",
        verbose_name=_("staff account"),
    )

    search_fields = [index.SearchField("name"), index.AutocompleteField("name"), index.FilterField("agency")]

    class Meta:
        verbose_name = _("author")
        verbose_name_plural = _("authors")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["agency", "slug"], name="author_slug_per_agency")]

    def __str__(self):
        return self.name
