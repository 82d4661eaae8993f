"""The registry of platform adapters: one module per platform kind, found by `kind`."""

from __future__ import annotations

from importlib import import_module

from .base import Adapter, AuthError, DeliveryError, PermanentError, Result, TemporaryError

ADAPTER_MODULES = ("zalo", "webhook", "facebook", "telegram", "mastodon")
_registry: dict[str, type[Adapter]] = {}


def register(cls: type[Adapter]) -> type[Adapter]:
    _registry[cls.kind] = cls
    return cls


def _load():
    if not _registry:
        for name in ADAPTER_MODULES:
            import_module(f"{__name__}.{name}")


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
