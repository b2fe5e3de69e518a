"""helin: an open-source call-center server."""

__version__ = "0.1.0"
