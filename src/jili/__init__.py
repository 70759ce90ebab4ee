"""Jili (激励): call-centre quality monitoring and incentives, exact and explained."""

__version__ = "0.1.0"
