"""Test support: a bot world, fake Telegram and Discord servers, tiny models."""
