"""Reading the fact store: one DuckDB view per fact, metric plans run on it, QA and auto-QA inputs."""
