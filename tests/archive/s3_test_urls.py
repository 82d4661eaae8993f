"""The project's URLs plus the direct-upload views, mounted where the archive's Wagtail hook puts them."""

from django.urls import include, path

from newsroom.urls import urlpatterns as base

urlpatterns = [path("admin/archive/", include("archive.s3_upload")), *base]
