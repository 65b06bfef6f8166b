"""Version of the debris package."""

__version__ = "0.1.0"
