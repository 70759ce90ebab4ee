"""Pure auto-QA code: rule packs over transcripts (issue 6)."""
