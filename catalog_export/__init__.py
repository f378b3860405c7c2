"""Cooperative product catalogues and their export to e-commerce platforms."""
