"""Figures for the weekly digest and published reports, computed in SQL (no rows loaded)."""
