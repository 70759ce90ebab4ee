"""The ``jili`` command."""
