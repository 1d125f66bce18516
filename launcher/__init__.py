"""curvelens: see and compare ML training runs from a terminal."""

__version__ = "0.1.0"
