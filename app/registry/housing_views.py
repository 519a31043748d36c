"""Being built (placeholder so the blueprint can import it)."""
