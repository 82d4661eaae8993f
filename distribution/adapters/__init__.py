"""The registry of platform adapters: one module per platform kind, found by `kind`."""

from __future__ import annotations

import threading
from importlib import import_module

from .base import Adapter, AuthError, DeliveryError, PermanentError, Result, TemporaryError

ADAPTER_MODULES = ("zalo", "webhook", "facebook", "telegram", "mastodon")
_registry: dict[str, type[Adapter]] = {}
_loaded = threading.Event()
_loading = threading.Lock()


def register(cls: type[Adapter]) -> type[Adapter]:
    _registry[cls.kind] = cls
    return cls


def _load():
    # Worker threads ask at once: none may see a half-filled registry.
    if _loaded.is_set():
        return
    with _loading:
        if not _loaded.is_set():
            for name in ADAPTER_MODULES:
                import_module(f"{__name__}.{name}")
            _loaded.set()


def adapter_class(kind: str) -> type[Adapter]:
    _load()
    try:
        return _registry[kind]
    except KeyError:
        raise LookupError(f"No adapter for channel kind {kind!r}") from None


def adapter_classes() -> dict[str, type[Adapter]]:
    _load()
    return dict(_registry)


def adapter_for(channel, **kwargs) -> Adapter:
    return adapter_class(channel.kind)(channel, **kwargs)


__all__ = [
    "Adapter",
    "AuthError",
    "DeliveryError",
    "PermanentError",
    "Result",
    "TemporaryError",
    "adapter_class",
    "adapter_classes",
    "adapter_for",
    "register",
]
