"""What leaves the system for people: the payout workbook, CSV and JSON; the data-formats page."""
