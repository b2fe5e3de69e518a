"""helin's web app: server-rendered pages (Jinja2) with a little JavaScript, on the API."""
