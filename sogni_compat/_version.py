"""The package version, kept in one place for the package and its build metadata."""

__version__ = "0.1.0"
