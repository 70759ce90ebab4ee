"""Start Django for a workspace (the ``jili`` command calls this before any action)."""

from __future__ import annotations

import os
from pathlib import Path

from jili.io.workspace import Workspace

_ready_for: str | None = None


def setup(ws: Workspace, migrate: bool = True, site: bool = False) -> None:
    """Start Django on the workspace's database. ``site``: also the web site's apps (admin, sessions, messages,
    static files, the pages), which only ``serve`` and what builds a site's workspace need; a command without them
    starts about a tenth of a second sooner. ``migrate``: apply the migrations of the apps started, if any is
    pending (a new database, an upgrade)."""
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
    os.environ["JILI_SITE"] = "1" if site else "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jili.web.settings")
    import django

    django.setup()
    if migrate and _pending():
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
    _ready_for = url


def _pending() -> bool:
    """Whether any app ships a migration the database has not applied. Reading the names of the migration files and
    the applied rows costs a few milliseconds; loading the migration graph (``migrate`` with nothing to do) costs
    every command about 80 ms, so it runs at ``init``, after an upgrade, and on a new database only."""
    import importlib.util

    from django.apps import apps
    from django.db import DatabaseError, connection
    from django.db.migrations.recorder import MigrationRecorder

    recorder = MigrationRecorder(connection)
    try:
        if not recorder.has_table():
            return True
        applied = set(recorder.applied_migrations())
    except DatabaseError:
        return True
    for app in apps.get_app_configs():
        spec = importlib.util.find_spec(f"{app.name}.migrations")
        if spec is None or not spec.submodule_search_locations:
            continue
        for folder in spec.submodule_search_locations:
            for path in Path(folder).glob("[0-9]*.py"):
                if (app.label, path.stem) not in applied:
                    return True
    return False
