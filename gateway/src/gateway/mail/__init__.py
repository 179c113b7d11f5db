"""Outgoing mail: composed by `mailer`, delivered by a `transport`, read back by `mailbox`."""
