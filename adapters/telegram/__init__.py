"""Telegram: python-telegram-bot handlers generated from the command registry."""
