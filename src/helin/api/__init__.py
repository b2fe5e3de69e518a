"""helin's HTTP API (JSON under ``/api/v1``, OpenAPI at ``/api/v1/openapi.json``).

``app.create_api`` builds the FastAPI application from an ``ApiContext`` (``context``): the
store's sessions and ``Live``, the running switch's side (feed the engine, read live state).
``routes`` are the endpoints, one module per resource, declaring what they need through
``deps``; they call ``services``, which do the work and return ``schemas``. The web pages call
the same services. The API never touches SIP or media itself.
"""
