"""Discord: discord.py slash commands generated from the command registry, digests as embeds."""
