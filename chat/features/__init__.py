"""One module per chat feature; each registers its commands (see chat/__init__.py)."""
