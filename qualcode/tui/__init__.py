"""The Textual workbench. Imported only by the ``tui`` and ``demo`` commands (Textual is slow
to import and the rest of qualcode never needs it)."""
