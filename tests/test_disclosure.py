"""Small-count suppression (bot/disclosure.py): primary and complementary suppression, checked by
brute force against what a reader could work out from the published cells."""

from __future__ import annotations

import itertools
import random

from bot.disclosure import HIDDEN_LABEL, PRIMARY, SECONDARY, Group, public_share, show_count, suppress

K = 5


def solutions(values: dict, groups: list[Group], hidden: dict, cap: int = 40) -> dict:
    """Every value each hidden cell can take, given the shown cells, the labels and every group's sum."""
    cells = sorted(hidden, key=str)
    ranges = [range(0, K) if hidden[c] == PRIMARY else range(K, cap) for c in cells]
    possible: dict = {c: set() for c in cells}
    for combo in itertools.product(*ranges):
        trial = {**values, **dict(zip(cells, combo, strict=True))}
        if all(sum(trial[p] for p in g.parts) == trial[g.total] for g in groups):
            for c, v in zip(cells, combo, strict=True):
                possible[c].add(v)
    return possible


def assert_safe(values: dict, groups: list[Group]) -> dict:
    hidden = suppress(values, groups, K)
    assert all(hidden.get(c) == PRIMARY for c, v in values.items() if v < K)  # every small count is hidden
    for cell, options in solutions(values, groups, hidden).items():
        assert values[cell] in options
        assert len(options) > 1 or options == {0}, (cell, options)  # never pinned to a non-zero value
    return hidden


def test_one_small_cell_gets_a_partner():
    values = {"a": 3, "b": 10, "c": 20, "t": 33}
    hidden = assert_safe(values, [Group(("a", "b", "c"), "t")])
    assert hidden == {"a": PRIMARY, "b": SECONDARY}  # b is the smallest shown part
    assert show_count("a", values, hidden, K) == "<5"
    assert show_count("b", values, hidden, K) == HIDDEN_LABEL
    assert show_count("c", values, hidden, K) == "20"


def test_two_small_cells_that_sum_to_their_maximum_are_protected():
    values = {"a": 4, "b": 4, "c": 20, "t": 28}  # "<5" + "<5" = 8 would pin both to 4
    hidden = assert_safe(values, [Group(("a", "b", "c"), "t")])
    assert hidden["c"] == SECONDARY


def test_zeros_need_no_protection():
    values = {"a": 0, "b": 0, "c": 20, "t": 20}
    assert suppress(values, [Group(("a", "b", "c"), "t")], K) == {"a": PRIMARY, "b": PRIMARY}


def test_linked_tables_ward_categories_and_city_total():
    # Two wards' categories add up to the ward totals, the wards to the city: hiding a small ward's
    # total must not leave it derivable from the city total, nor its categories from its total.
    values = {
        ("cases", "A"): 3,
        ("cases", "B"): 40,
        ("cases", "C"): 12,
        ("cases", "city"): 55,
        ("cat", "A", 1): 3,
        ("cat", "A", 2): 0,
        ("cat", "B", 1): 30,
        ("cat", "B", 2): 10,
        ("cat", "C", 1): 6,
        ("cat", "C", 2): 6,
    }
    groups = [
        Group((("cases", "A"), ("cases", "B"), ("cases", "C")), ("cases", "city")),
        *(Group((("cat", w, 1), ("cat", w, 2)), ("cases", w)) for w in "ABC"),
    ]
    hidden = assert_safe(values, groups)
    assert ("cases", "C") in hidden  # the partner of the small ward in the city total
    assert hidden.get(("cat", "C", 1)) or hidden.get(("cat", "C", 2))  # and then in C's own categories


def test_random_tables_are_never_disclosive():
    rng = random.Random(5)
    for _ in range(60):
        parts = [rng.choice([0, 1, 2, 3, 4, 5, 6, 9, 14]) for _ in range(rng.randint(2, 4))]
        values = {i: v for i, v in enumerate(parts)} | {"t": sum(parts)}
        assert_safe(values, [Group(tuple(range(len(parts))), "t")])


def test_public_share():
    assert public_share(8, 9, K, 10) is None  # under min_n: "chưa đủ số liệu"
    assert public_share(30, 40, K, 10) == "75,0%"
    assert public_share(38, 40, K, 10) == "≥ 90%"  # 2 late cases would be a small count
    assert public_share(2, 40, K, 10) == "≤ 10%"
    assert public_share(40, 40, K, 10) == "≥ 90%"  # never "100%" that reveals there is no exception
