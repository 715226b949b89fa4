"""Pure rules and value types: no database sessions, no screen."""
