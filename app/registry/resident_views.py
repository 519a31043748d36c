"""Residents (实有人口) — being built."""
