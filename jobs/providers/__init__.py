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
    "Provider",
    "ProviderError",
    "PermanentError",
    "TransientError",
    "Query",
    "Result",
    "PROVIDERS",
]

PROVIDERS = ("sandbox", "17track", "aftership")


def get_provider(settings: Mapping) -> Provider:
    """Build the provider named by settings["TRACKING_PROVIDER"] (default: the sandbox)."""
    name = (settings.get("TRACKING_PROVIDER") or "sandbox").strip().lower()
    key = settings.get("PROVIDER_API_KEY") or ""
    base_url = settings.get("PROVIDER_BASE_URL") or ""
    timeout = float(settings.get("PROVIDER_TIMEOUT_SECONDS") or 20.0)
    if name == "sandbox":
        from jobs.providers.sandbox import SandboxProvider

        return SandboxProvider(clock_speed=float(settings.get("SANDBOX_CLOCK_SPEED") or 1.0))
    if name == "17track":
        from jobs.providers.seventeentrack import SeventeenTrack

        return SeventeenTrack(key, base_url, timeout)
    if name == "aftership":
        from jobs.providers.aftership import AfterShip

        return AfterShip(key, base_url, timeout)
    raise ValueError(f"unknown TRACKING_PROVIDER {name!r}; expected one of {PROVIDERS}")
