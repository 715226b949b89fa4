"""Importers and exporters: pure functions of data and a path. No sessions, no screen."""
