"""Demo data: a generated call centre, and adapters for public dialogue corpora."""
