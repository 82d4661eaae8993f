"""Wagtail hooks of the filing view (imported by newsroom.wagtail_hooks)."""
