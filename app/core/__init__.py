"""Framework-light helpers shared by every feature package."""
