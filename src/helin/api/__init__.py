"""helin's HTTP API (JSON under ``/api/v1``, OpenAPI at ``/api/v1/openapi.json``).

``create_app`` builds the FastAPI application from an ``ApiContext``: the store's sessions and
``Live``, the running switch's side (feed the engine, read live state). The API never touches
SIP or media itself.
"""
