"""Tracking providers: choose one from the settings."""

from collections.abc import Mapping

from jobs.providers.base import (
    PermanentError,
    Provider,
    ProviderError,
    Query,
    Result,
    TransientError,
)

__all__ = [
    "get_provider",
    "provider_class",
    "Provider",
    "ProviderError",
    "PermanentError",
    "TransientError",
    "Query",
    "Result",
    "PROVIDERS",
]

PROVIDERS = ("sandbox", "17track", "aftership")


def provider_class(name: str) -> type[Provider]:
    """The adapter class registered under `name` (the one registry of providers)."""
    from jobs.providers.aftership import AfterShip
    from jobs.providers.sandbox import SandboxProvider
    from jobs.providers.seventeentrack import SeventeenTrack

    classes = {"sandbox": SandboxProvider, "17track": SeventeenTrack, "aftership": AfterShip}
    if name not in classes:
        raise ValueError(f"unknown TRACKING_PROVIDER {name!r}; expected one of {PROVIDERS}")
    return classes[name]


def get_provider(settings: Mapping) -> Provider:
    """Build the provider named by settings["TRACKING_PROVIDER"] (default: the sandbox)."""
    name = (settings.get("TRACKING_PROVIDER") or "sandbox").strip().lower()
    adapter = provider_class(name)
    if name == "sandbox":
        return adapter(clock_speed=float(settings.get("SANDBOX_CLOCK_SPEED") or 1.0))
    key = settings.get("PROVIDER_API_KEY") or ""
    base_url = settings.get("PROVIDER_BASE_URL") or ""
    return adapter(key, base_url, float(settings.get("PROVIDER_TIMEOUT_SECONDS") or 20.0))
