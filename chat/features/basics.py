"""/start and /help: what the bot does, generated from the registry."""

from __future__ import annotations

from chat.core import Context
from chat.registry import Registry
from chat.replies import SUBSCRIBE_ACTION, Button, Reply, Text

ABOUT = (
    "TradeTheHype reads fresh financial news, scores it with a finance-tuned sentiment model, "
    "checks the live price and a few technicals, and turns the strongest stories into signals "
    "with entry, stop and target. It is not financial advice."
)


def register(registry: Registry) -> None:
    @registry.command("start", "what this bot does", in_menu=False)
    async def start(ctx: Context) -> Reply:
        return Reply(
            (
                Text("Welcome to TradeTheHype", "title"),
                Text(ABOUT),
                Text(
                    "Try /signal TSLA for one ticker, /digest for today's digest, "
                    "or subscribe this chat to get the morning digest. /help lists every command."
                ),
            ),
            buttons=(Button("Subscribe", SUBSCRIBE_ACTION),),
        )

    @registry.command("help", "list the commands")
    async def help_(ctx: Context) -> Reply:
        return Reply(
            (
                Text("Commands", "title"),
                Text(ctx.core.registry.help_text(), preformatted=True),
                Text(
                    "Tickers can be written TSLA, $TSLA, tsla or Tesla. "
                    f"Up to {ctx.core.settings.max_tickers} per /signal."
                ),
            )
        )
