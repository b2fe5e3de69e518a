"""helin: an open-source call-center server."""

from helin import compiled

__version__ = "0.1.0"

# before anything imports the hot path: its compiled extensions, or its sources
compiled.select()
