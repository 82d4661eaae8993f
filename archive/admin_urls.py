"""The archive's admin addresses, mounted at /admin/archive/ by archive.wagtail_hooks."""

from django.urls import path

from . import admin_views, s3_upload

urlpatterns = [
    path("", admin_views.index, name="archive_index"),
    path("upload/", admin_views.upload, name="archive_upload"),
    path("upload/file/", admin_views.upload_file, name="archive_upload_file"),
    path("upload/details/", admin_views.upload_details, name="archive_upload_details"),
    path("<str:kind>/<int:pk>/", admin_views.detail, name="archive_detail"),
    *s3_upload.urlpatterns,
]
