"""Hypothesis strategies shared by the parser tests of several packages."""

from __future__ import annotations

from hypothesis import strategies as st

# Fragments that reach deep into the grammars, mixed with arbitrary text.
_FRAGMENTS = [
    "2024",
    "9999",
    "0000",
    "-",
    "01",
    "12",
    "31",
    "99",
    "T",
    " ",
    ":",
    "00",
    "59",
    "60",
    ".",
    "...",
    ",",
    "5",
    "Z",
    "+",
    "+02:00",
    "-0530",
    "1" * 25,
    "true",
    "id",
    "!",
    "*",
]
tricky_text = st.one_of(
    st.text(),
    st.lists(st.sampled_from(_FRAGMENTS), max_size=12).map("".join),
)
