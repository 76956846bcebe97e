"""Runs a plan's steps in order, saying what each does; prints a plan without
running it for the dry run."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from deployer.steps import Context, Step


def describe_plan(steps: Sequence[Step]) -> list[str]:
    return [f"{number}. {step.describe()}" for number, step in enumerate(steps, 1)]


def execute(steps: Sequence[Step], ctx: Context) -> None:
    """Runs the steps; each is announced by its title (the part of its
    description before ": "), and sam steps print their resolved command."""
    for number, step in enumerate(steps, 1):
        title = step.describe().partition(": ")[0]
        ctx.echo(f"\n==> {number}/{len(steps)} {title}")
        step.run(ctx)


def print_plan(steps: Sequence[Step], echo: Callable[[str], None] = print) -> None:
    for line in describe_plan(steps):
        echo(line)
