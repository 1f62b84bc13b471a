"""Bounds shared by every year a profile holds."""

YEAR_MIN = 1900
YEAR_MAX = 2100
