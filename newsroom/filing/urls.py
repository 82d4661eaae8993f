"""URLs of the filing view, included under /admin/filing/ by newsroom.filing.hooks."""

from django.urls import path

from . import views

app_name = "newsroom_filing"

urlpatterns = [
    path("", views.filing_page, name="page"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("api/desk/", views.desk, name="desk"),
    path("api/stories/", views.file_draft, name="file"),
    path("api/stories/<int:story_id>/", views.story, name="story"),
    path("api/stories/<int:story_id>/submit/", views.submit, name="submit"),
]
