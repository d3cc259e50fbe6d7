"""TradeTheHype signal engine: news -> tickers -> sentiment -> prices -> signals.

The engine knows no chat platform; adapters render what it returns.
"""
