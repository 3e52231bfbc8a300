"""Prefect adapters: flows wire the core stages of akhbar/ as tasks. Nothing here holds logic."""

import os

# Telemetry off before prefect is imported anywhere (it otherwise tries to reach the network).
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
