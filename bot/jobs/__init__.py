"""Scheduled jobs: declared once (registry), each slot run exactly once (runner, claims)."""
