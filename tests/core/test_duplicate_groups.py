"""The grouping of near-duplicate hashes finds what comparing every pair finds (banded search)."""

from __future__ import annotations

from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from darkroom.core.duplicates import _near_components
from darkroom.media import perceptual_distance
from darkroom.media._dhash import signed


def _every_pair(hashes: dict[str, int], distance: int) -> list[set[str]]:
    parent = {sha: sha for sha in hashes}

    def root(sha: str) -> str:
        return sha if parent[sha] == sha else root(parent[sha])

    for a, b in combinations(hashes, 2):
        if perceptual_distance(hashes[a], hashes[b]) <= distance:
            parent[root(a)] = root(b)
    groups: dict[str, set[str]] = {}
    for sha in hashes:
        groups.setdefault(root(sha), set()).add(sha)
    return [group for group in groups.values() if len(group) > 1]


def _flips(value: int, bits: list[int]) -> int:
    for bit in bits:
        value ^= 1 << bit
    return value


@settings(max_examples=60, deadline=None)
@given(
    originals=st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=12),
    copies=st.lists(
        st.tuples(st.integers(0, 11), st.lists(st.integers(0, 63), max_size=8)), max_size=12
    ),
    distance=st.integers(0, 20),
)
def test_banded_groups_equal_the_groups_of_every_pair(
    originals: list[int], copies: list[tuple[int, list[int]]], distance: int
) -> None:
    hashes = {f"o{i}": signed(value) for i, value in enumerate(originals)}
    for n, (of, bits) in enumerate(copies):
        base = originals[of % len(originals)]
        hashes[f"c{n}"] = signed(_flips(base, bits))
    found = [set(group) for group in _near_components(hashes, distance)]
    expected = _every_pair(hashes, distance)
    assert sorted(map(sorted, found)) == sorted(map(sorted, expected))
