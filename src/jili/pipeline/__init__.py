"""The pipeline: one period under one policy, from the sources it is given to statements.

Django-free: the registry (or a snapshot file) hands it the facts, the roster and the ledger
before the period; it hands back statements and problems and stores nothing."""
