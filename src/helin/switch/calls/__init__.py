"""The call layer: every call helin carries, group and personal, and what a dialled number means.

``layer.py`` opens with the theory of operation.
"""

from helin.switch.calls.call import recording_made
from helin.switch.calls.layer import CallLayer

__all__ = ["CallLayer", "recording_made"]
