"""The audit log: our own entries (newsroom.models.AuditEntry) beside Wagtail's log entries, per agency.

Write with `record()`; the viewer (newsroom/audit/views.py) reads both, walled by agency."""

from .services import ACTIONS, record

__all__ = ["ACTIONS", "record"]
