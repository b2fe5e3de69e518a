"""The only place with sockets and timers: thin asyncio adapters around the pure cores."""
