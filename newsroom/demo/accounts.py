"""Demo accounts for every role and their logins."""

import unicodedata
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from ..models import Agency, OversightBody, Role
from ..services import add_staff
from . import cast


def staff_username(agency_short_name: str, role: str) -> str:
    return f"{agency_short_name}.{cast.ROLE_LOGINS[role]}"


def ensure_user(*, username: str, last_name: str, first_name: str, superuser: bool = False):
    """The user called `username`, created with the demo password if missing; returns (user, created)."""
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user, False
    email = f"{username}@{cast.EMAIL_DOMAIN}"
    make = User.objects.create_superuser if superuser else User.objects.create_user
    user = make(
        username=username,
        email=email,
        password=cast.DEMO_PASSWORD,
        first_name=first_name,
        last_name=last_name,
    )
    return user, True


def ensure_staff(agency: Agency) -> tuple[dict[str, object], int]:
    """One staff account per role of `agency`, by role; and how many were created."""
    people = cast.STAFF[agency.short_name]
    staff, created = {}, 0
    for role in Role:
        last_name, first_name = people[role]
        user, new = ensure_user(
            username=staff_username(agency.short_name, role), last_name=last_name, first_name=first_name
        )
        if new:
            add_staff(agency=agency, user=user, role=role)
        staff[role] = user
        created += new
    return staff, created


def ensure_oversight_officer(body: OversightBody) -> bool:
    last_name, first_name = cast.OVERSIGHT_PERSON
    user, created = ensure_user(username=cast.OVERSIGHT_USERNAME, last_name=last_name, first_name=first_name)
    if created:
        # The oversight body's group carries its read-only rights; services has no helper for membership.
        user.groups.add(body.group)
    return created


@dataclass(frozen=True)
class Login:
    username: str
    role: str
    where: str


def demo_logins() -> list[Login]:
    """The demo accounts that exist in the database, superuser first."""
    User = get_user_model()
    agencies = list(Agency.objects.filter(short_name__in=[data.short_name for data in cast.AGENCIES]))
    wanted = [Login(cast.ADMIN_USERNAME, _("Superuser"), _("All agencies"))]
    for agency in agencies:
        wanted += [
            Login(staff_username(agency.short_name, role), str(role.label), agency.name) for role in Role
        ]
    body = OversightBody.objects.filter(name=cast.OVERSIGHT_NAME).first()
    if body is not None:
        wanted.append(Login(cast.OVERSIGHT_USERNAME, _("Oversight"), body.name))
    existing = set(
        User.objects.filter(username__in=[login.username for login in wanted]).values_list(
            "username", flat=True
        )
    )
    return [login for login in wanted if login.username in existing]


def logins_table() -> str:
    """The demo sites and logins as plain text for a terminal; empty when there is no demo data."""
    logins = demo_logins()
    if not logins:
        return ""
    agencies = Agency.objects.filter(
        short_name__in=[data.short_name for data in cast.AGENCIES]
    ).select_related("site")
    sites = [(agency.name, _site_url(agency)) for agency in agencies]
    admin_url = f"{sites[0][1]}admin/" if sites else "/admin/"
    sites.append((_("Admin"), admin_url))
    lines = ["", _("Demo sites")]
    name_width = max(_width(name) for name, _url in sites)
    lines += [f"  {_pad(name, name_width)}  {url}" for name, url in sites]
    lines += [
        "",
        _("Demo logins (the password for all of them is: %(password)s)") % {"password": cast.DEMO_PASSWORD},
    ]
    rows = [(_("Username"), _("Role"), _("Agency")), *[(x.username, x.role, x.where) for x in logins]]
    widths = [max(_width(row[column]) for row in rows) for column in range(2)]
    for index, (username, role, where) in enumerate(rows):
        lines.append(f"  {_pad(username, widths[0])}  {_pad(role, widths[1])}  {where}")
        if index == 0:
            lines.append(f"  {'-' * widths[0]}  {'-' * widths[1]}  {'-' * _width(where)}")
    return "\n".join(lines) + "\n"


def _site_url(agency: Agency) -> str:
    site = agency.site
    port = "" if site.port in (80, 443) else f":{site.port}"
    scheme = "https" if site.port == 443 else "http"
    return f"{scheme}://{site.hostname}{port}/"


def _width(text: str) -> int:
    # Vietnamese text may arrive decomposed (a letter and its marks); a terminal shows one cell per letter.
    return sum(not unicodedata.combining(char) for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
