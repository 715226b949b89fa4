"""Codebooks shipped with qualcode (package data)."""
