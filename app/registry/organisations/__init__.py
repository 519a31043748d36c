"""Organisations (组织) in the grids and 十户联防 joint-defence groups of households."""
