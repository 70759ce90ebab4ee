"""Rule kinds, one module each (see ``base`` for what a kind holds)."""
