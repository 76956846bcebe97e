"""Counting envelopes that overtook one another."""

from bench.ordering import overtaken


def test_in_order_arrivals_overtake_nothing() -> None:
    assert overtaken([1, 2, 3, 4]) == 0


def test_one_late_envelope_is_counted_once() -> None:
    assert overtaken([1, 3, 2, 4]) == 1


def test_every_envelope_behind_a_later_one_is_counted() -> None:
    assert overtaken([5, 1, 2, 3, 4]) == 4


def test_no_arrivals_overtake_nothing() -> None:
    assert overtaken([]) == 0
