"""Pure quality-monitoring code: scorecards, scoring, sampling, calibration (issue 5)."""
