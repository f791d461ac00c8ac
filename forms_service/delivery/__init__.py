"""Getting packs to the LA: the outbox worker, the messages, and a local SMTP sink."""
