"""qualcode: qualitative coding and thematic analysis for research teams, in the terminal."""

__version__ = "0.1.0"
