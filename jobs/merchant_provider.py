"""Which provider (and key) serves each merchant: the merchant's choice, else the global one."""

from dataclasses import dataclass, field

from jobs.provider_keys import decrypt_key, fingerprint
from jobs.providers import PermanentError, Provider, get_provider, provider_class
from jobs.store.models import Merchant


@dataclass(frozen=True)
class ProviderChoice:
    """A provider name and its API key; equal choices can share one batch and one rate limit."""

    name: str
    api_key: str = field(default="", repr=False)  # never in logs or tracebacks

    def settings(self, settings: dict) -> dict:
        """The global settings with this provider and key in place of the global ones."""
        return {**settings, "TRACKING_PROVIDER": self.name, "PROVIDER_API_KEY": self.api_key}

    def provider(self, settings: dict) -> Provider:
        """The provider adapter for this choice (PROVIDER_BASE_URL stays global)."""
        return get_provider(self.settings(settings))

    def rate_key(self, settings: dict) -> str:
        """The RQ rate-limit key: one per provider and API key."""
        if not self.api_key:
            return f"provider:{self.name}"
        return f"provider:{self.name}:{fingerprint(self.api_key, settings['SECRET_KEY'])}"

    @property
    def max_batch(self) -> int:
        """The provider's largest batch per call."""
        return provider_class(self.name).max_batch


def default_choice(settings: dict) -> ProviderChoice:
    """The global TRACKING_PROVIDER with the global PROVIDER_API_KEY."""
    name = (settings.get("TRACKING_PROVIDER") or "sandbox").strip().lower()
    return ProviderChoice(name, settings.get("PROVIDER_API_KEY") or "")


def choice_for(merchant: Merchant, settings: dict) -> ProviderChoice:
    """The provider serving `merchant`: its own choice with its decrypted key, else the default."""
    if not merchant.provider:
        return default_choice(settings)
    if not merchant.provider_key:
        return ProviderChoice(merchant.provider)
    key = decrypt_key(merchant.provider_key, settings["SECRET_KEY"])
    return ProviderChoice(merchant.provider, key)


def choices_for(merchant_ids, settings: dict) -> dict[int, ProviderChoice]:
    """choice_for of several merchants at once, keyed by merchant id."""
    fields = (Merchant.id, Merchant.provider, Merchant.provider_key)
    merchants = Merchant.select(*fields).where(Merchant.id.in_(list(set(merchant_ids))))
    return {m.id: _readable_choice(m, settings) for m in merchants}


def _readable_choice(merchant: Merchant, settings: dict) -> ProviderChoice:
    # An unreadable key fails that merchant's jobs (PermanentError), never the whole sweep.
    try:
        return choice_for(merchant, settings)
    except PermanentError:
        return ProviderChoice(merchant.provider, "")
