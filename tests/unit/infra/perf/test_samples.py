"""Samples: the CSV round trip, incremental reads that never take half a line, percentiles."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.perf.samples import (
    Sample,
    SampleTail,
    format_sample,
    header_line,
    parse_row,
    percentile,
    percentile_lower_bound,
    read_samples,
)

ONE = Sample(1.5, "GET /sites/{id}", 200, True, 12.34, 3)


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([], 95, None),
        ([7.0], 95, 7.0),
        ([7.0], 50, 7.0),
        (list(range(1, 101)), 95, 95),  # nearest rank: ceil(0.95 * 100) = 95th value
        (list(range(1, 101)), 96, 96),
        (list(range(1, 21)), 95, 19),  # ceil(19.0) = 19
        (list(range(1, 22)), 95, 20),  # ceil(19.95) = 20
        ([5.0, 1.0, 3.0], 50, 3.0),  # unsorted input
        ([1.0, 2.0], 100, 2.0),
    ],
)
def test_nearest_rank_percentile(values: list[float], q: float, expected: float | None) -> None:
    assert percentile(values, q) == expected


@pytest.mark.parametrize("q", [0, -1, 100.5])
def test_percentile_outside_the_range_is_refused(q: float) -> None:
    with pytest.raises(ValueError, match="outside"):
        percentile([1.0], q)


def test_a_sample_survives_the_csv_round_trip_even_with_commas_in_the_name(
    tmp_path: Path,
) -> None:
    odd = Sample(2.0, 'POST /x, "quoted"', 0, False, 30000.0, 100)
    path = tmp_path / "samples.csv"
    path.write_text(header_line() + format_sample(ONE) + format_sample(odd))
    assert read_samples(path) == [
        Sample(1.5, "GET /sites/{id}", 200, True, 12.3, 3),  # latency kept to 0.1 ms
        odd,
    ]


@pytest.mark.parametrize(
    "row",
    [
        ["start", "name", "status", "ok", "ms", "users"],
        ["1.0", "x"],
        ["a", "x", "200", "1", "1", "1"],
    ],
)
def test_header_short_and_garbled_rows_are_not_samples(row: list[str]) -> None:
    assert parse_row(row) is None


def test_the_tail_reads_only_whole_new_lines(tmp_path: Path) -> None:
    path = tmp_path / "samples.csv"
    tail = SampleTail(path)
    assert tail.read_new() == []  # not written yet
    line = format_sample(ONE)
    path.write_text(header_line() + line + line[:5])  # the writer is mid-line
    assert len(tail.read_new()) == 1
    with path.open("a") as handle:
        handle.write(line[5:])
    assert tail.read_new() == [Sample(1.5, "GET /sites/{id}", 200, True, 12.3, 3)]
    assert tail.read_new() == []


@pytest.mark.parametrize(
    ("n", "expected_rank"),
    [
        (20, 17),  # P(Bin(20, .95) >= 17) = .984; >= 18 only .925
        (40, 36),  # P(Bin(40, .95) >= 36) = .952; >= 37 only .862
    ],
)
def test_the_p95_lower_bound_is_the_order_statistic_the_binomial_allows(
    n: int, expected_rank: int
) -> None:
    values = [float(v) for v in range(1, n + 1)]
    assert percentile_lower_bound(values, 95, 0.95) == expected_rank


def test_the_p95_lower_bound_with_many_samples_sits_just_below_the_p95() -> None:
    values = [float(v) for v in range(1, 10_001)]
    bound = percentile_lower_bound(values, 95, 0.95)
    assert bound is not None
    assert 9_460 <= bound < 9_500  # normal approximation: 9500 - 1.645 * sqrt(475) ~ 9464


def test_too_few_samples_have_no_lower_bound() -> None:
    assert percentile_lower_bound([], 95, 0.95) is None
    assert percentile_lower_bound([5.0], 95, 0.99) is None  # P(the one sample <= p95) = .95
    assert percentile_lower_bound([1.0, 2.0, 3.0], 95, 0.99) == 2.0  # P(Bin(3, .95) >= 2) = .993
    assert percentile_lower_bound([1.0, 2.0], 100, 0.95) == 2.0
