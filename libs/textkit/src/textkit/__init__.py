"""Text tools for operations copy in Chinese and English (being written)."""
