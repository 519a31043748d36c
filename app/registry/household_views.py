"""Households (住户) — being built."""
