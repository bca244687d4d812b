"""A config's `distribution` name resolved to its data: a reference toy, or a user's file (`file:PATH`)."""

from __future__ import annotations

from .datafiles import load_points
from .distributions import DISTRIBUTIONS, Distribution
from .errors import DataError

FILE_PREFIX = "file:"


def distribution_names() -> list[str]:
    return list(DISTRIBUTIONS)


def is_known_distribution(name: str) -> bool:
    return name in DISTRIBUTIONS or (name.startswith(FILE_PREFIX) and len(name) > len(FILE_PREFIX))


def builtin_dimension(name: str) -> int | None:
    """The dimension of a built-in distribution without loading anything; None for a data file."""
    d = DISTRIBUTIONS.get(name)
    return d.dim if d is not None else None


def get_distribution(name: str) -> Distribution:
    """The named reference distribution, or the points of a `file:PATH` data file."""
    if name.startswith(FILE_PREFIX):
        return load_points(name[len(FILE_PREFIX):])
    try:
        return DISTRIBUTIONS[name]
    except KeyError:
        raise DataError(f"unknown distribution {name!r}; known: {', '.join(DISTRIBUTIONS)}") from None
