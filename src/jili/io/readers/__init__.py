"""Reading a centre's exports: files of every kind, mappings, conversion, staging a batch."""
