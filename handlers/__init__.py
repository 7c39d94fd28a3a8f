"""Channel adapters: each turns one channel's events into `bot.conversation.Incoming` and renders replies."""
