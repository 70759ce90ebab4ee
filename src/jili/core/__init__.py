"""Pure core: records, fact schemas, periods and (later) the policy engine. No Django, no I/O."""
