"""The Django layer: the registry (people, batches, periods, audit), actions and, later, the site."""
