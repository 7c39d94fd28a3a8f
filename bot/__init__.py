"""Trợ lý Một cửa: the channel-agnostic assistant core."""
