from django.urls import path

from . import api, collect, platform_views

urlpatterns = [
    path("_r/e", collect.collect, name="analytics_collect"),
    path("_r/platform/<int:channel_id>/", platform_views.receive, name="analytics_platform_figures"),
    path("api/readership/v1/<slug:name>/", api.panel, name="analytics_api"),
]
