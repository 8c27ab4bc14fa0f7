"""What the quality page shows: the per-provider scores of pracha.exchange.quality (the providers'
data-quality checks), read through one function so the page does not depend on how they are made."""

from __future__ import annotations


def provider_scores():
    """The quality module's report, or None while it is not installed."""
    try:
        from . import quality
    except ImportError:
        return None
    return quality
