"""The archive's addresses outside the admin, mounted at /archive/ (newsroom/urls.py)."""

from django.urls import path

from .tus import views as tus

urlpatterns = [
    path("tus/", tus.endpoint, name="archive_tus_endpoint"),
    path("tus/<uuid:upload_id>", tus.upload, name="archive_tus_upload"),
    path("tus/<uuid:upload_id>/asset", tus.asset, name="archive_tus_asset"),
]
