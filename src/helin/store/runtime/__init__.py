"""What a running helin loads from the store and saves back: ``engine`` (the ACD engine's
configuration as events), ``phones`` (devices, realms, trunk peers, registrations) and
``routing`` (groups and users with their numbers, for the call layer's directory)."""

from helin.store.runtime import engine, phones, routing

__all__ = ["engine", "phones", "routing"]
