"""The relay: protocol rules (pure), storage, the management API and the service
that joins them. Entry points live in ``connect``, ``disconnect`` and ``message``."""
