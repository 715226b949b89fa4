"""One function per user action, each inside one unit of work, returning frozen dataclasses."""
