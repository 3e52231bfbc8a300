"""akhbar: Persian news ETL — the pure core (no orchestrator imports here)."""

__version__ = "0.1.0"
