"""Start Django for a workspace (the ``jili`` command calls this before any action)."""

from __future__ import annotations

import os

from jili.io.workspace import Workspace

_ready_for: str | None = None


def setup(ws: Workspace, migrate: bool = True) -> None:
    global _ready_for
    url = ws.effective_database_url
    if _ready_for is not None:
        if _ready_for != url:
            raise RuntimeError("Django is already set up for another database in this process")
        return
    os.environ["JILI_DATABASE_URL"] = url
    os.environ["JILI_TIMEZONE"] = ws.timezone
    os.environ["JILI_WORKSPACE"] = str(ws.root)
    os.environ["JILI_SECRET_KEY"] = ws.secret_key()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jili.web.settings")
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
    _ready_for = url
