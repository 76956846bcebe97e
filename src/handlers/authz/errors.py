"""The one exception the token checks raise."""


class TokenRejected(Exception):
    """A token was refused; `reason` is safe to log (it never contains the token)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
