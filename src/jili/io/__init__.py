"""Reading the outside world: files, mappings, the workspace and its fact batches."""
