"""The one error the deployer raises on purpose: it says what went wrong and what to do."""

from __future__ import annotations


class DeployError(Exception):
    """A problem the user can fix; ``hint`` says how."""

    def __init__(self, problem: str, hint: str = "") -> None:
        super().__init__(problem)
        self.problem = problem
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.problem}\n  What to do: {self.hint}" if self.hint else self.problem
