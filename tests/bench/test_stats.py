"""Percentiles and medians of measured samples."""

import pytest

from bench.stats import latency_summary, median, percentile, ratio


def test_p50_of_an_odd_count_is_the_middle_sample() -> None:
    assert percentile([5.0, 1.0, 3.0], 0.5) == 3.0


def test_p99_of_a_hundred_samples_is_the_99th() -> None:
    samples = [float(i) for i in range(1, 101)]
    assert percentile(samples, 0.99) == 99.0


def test_percentile_of_no_samples_is_refused() -> None:
    with pytest.raises(ValueError, match="no samples"):
        percentile([], 0.5)


def test_median_of_an_even_count_is_the_mean_of_the_middle_two() -> None:
    assert median([4.0, 1.0, 2.0, 3.0]) == 2.5


def test_summary_is_in_milliseconds() -> None:
    summary = latency_summary([0.002, 0.002, 0.002])
    assert (summary["p50_ms"], summary["samples"]) == (2.0, 3)


def test_ratio_to_a_zero_floor_is_none() -> None:
    assert ratio(3.0, 0.0) is None
