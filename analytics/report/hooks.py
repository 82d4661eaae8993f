"""Admin hooks (menu items, URLs) of this part of digital transformation: the yearly report's downloads,
offered on the province and ministry panel through `views.report_links`."""

from django.urls import path
from wagtail import hooks

from . import views


@hooks.register("register_admin_urls")
def register_report_urls():
    return [
        path(
            "transformation/report/<int:body_id>/<str:year>.<slug:fmt>",
            views.download,
            name=views.URL_NAME,
        )
    ]
