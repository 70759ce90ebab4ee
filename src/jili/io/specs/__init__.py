"""Loading the files people write (policies, scorecards, rule packs) into checked records, with file:line."""
