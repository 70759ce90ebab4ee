"""``python -m jili`` is the ``jili`` command."""

from jili.cli.main import run

run()
