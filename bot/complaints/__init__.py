"""Conduct complaints: intake, storage, routing, the ward's handling and the outbox."""
