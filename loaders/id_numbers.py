"""Resident ID numbers (GB 11643): the ISO 7064 MOD 11-2 check character, in one place.

The loaders check it on every person row; the demo generator computes it for the
fictitious people it writes.
"""

from __future__ import annotations

import numpy as np

#: weight of each of the first 17 digits
WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
#: the check character for each remainder of the weighted sum modulo 11
CHECK_CHARS = "10X98765432"
_CHECK_ARRAY = np.array(list(CHECK_CHARS), dtype=object)


def check_char(first17: str) -> str:
    """The 18th character of an ID number whose first 17 digits are ``first17``."""
    total = sum(int(c) * int(w) for c, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def check_chars_of_digits(digits: np.ndarray) -> np.ndarray:
    """Check characters (object array) for an (n, 17) array of digit values."""
    return _CHECK_ARRAY[(digits * WEIGHTS).sum(axis=1) % 11]


def check_chars_of_numbers(first17: np.ndarray) -> np.ndarray:
    """Check characters (object array) for an int64 array of 17-digit numbers."""
    n = np.asarray(first17, dtype=np.int64)
    total = np.zeros(len(n), dtype=np.int64)
    for k in range(17):
        total += (n // np.int64(10) ** (16 - k)) % 10 * WEIGHTS[k]
    return _CHECK_ARRAY[total % 11]
