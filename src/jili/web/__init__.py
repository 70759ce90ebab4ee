"""The web site: Django settings, URLs, views, templates and static files (the ``jili.web`` app)."""
