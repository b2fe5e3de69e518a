"""What helin does for the people who use it, shared by the API's routes and the web pages.

Plain functions, one module per resource, taking the ``ApiContext`` and the signed-in
``Principal`` (``security``) and returning the API's schemas. Each checks the rights it needs
itself, opens its own transaction, commits, and only then tells the running switch what
changed (``ctx.live``). A refusal is a ``ServiceError`` (``errors``): the API answers it with
its HTTP status, the web pages show a page for some. Nothing here knows about HTTP requests.
"""
