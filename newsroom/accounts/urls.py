"""URLs of the two-factor pages, included under /admin/two-factor/ by newsroom.accounts.hooks."""

from django.urls import path

from . import views

app_name = "newsroom_accounts"

urlpatterns = [
    path("", views.manage, name="manage"),
    path("verify/", views.verify, name="verify"),
    path("setup/", views.setup, name="setup"),
    path("recovery-codes/", views.renew_recovery_codes, name="recovery_codes"),
    path("remove/", views.remove, name="remove"),
    path("reset/<int:user_id>/", views.reset, name="reset"),
]
