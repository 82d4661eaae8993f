from wagtail.models import Site

from .models import Agency


def agency(request):
    """The agency whose site serves this request, for the public templates' header and footer."""
    if request.path.startswith("/admin/"):
        return {}
    site = Site.find_for_request(request)
    if site is None:
        return {"current_agency": None}
    found = Agency.objects.filter(site=site).select_related("site__root_page").first()
    return {"current_agency": found, "current_site": site}
