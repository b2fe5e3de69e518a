"""The API's endpoints, one module per resource. A route only parses the request (its path,
query and body, through ``helin.api.deps`` and ``helin.api.schemas``), calls the service that
does the work (``helin.api.services``) and shapes the HTTP answer (status, cookie, file)."""
