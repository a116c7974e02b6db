"""Check-digit algorithms used by the carrier rule table (config/carriers.json).

Each algorithm is built once from its parameters into a function `body -> bool`, where `body` is the
part of the normalized number the rule's pattern captured (payload followed by the check character,
unless the parameters say otherwise). Building once keeps detection fast.
"""

from collections.abc import Callable
from itertools import cycle
from operator import mul
from string import ascii_uppercase

Checker = Callable[[str], bool]

_ALNUM36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


class CheckDigitError(ValueError):
    """Unknown algorithm or bad parameters in the rule table."""


# UPS folds letters onto digits: A=2, B=3, ... (ASCII code minus 3, mod 10).
_UPS_LETTERS = str.maketrans({c: str((ord(c) - 3) % 10) for c in ascii_uppercase})
# Sum of the digits of each possible product (weights and digits below 10), for Luhn-style sums.
_DIGIT_SUMS = tuple(p // 10 + p % 10 for p in range(100))


def _weights_for(length: int, weights: list[int], from_right: bool) -> tuple[int, ...]:
    seq = [w for w, _ in zip(cycle(weights), range(length), strict=False)]
    return tuple(reversed(seq)) if from_right else tuple(seq)


def weighted_sum(payload: str, weights: tuple[int, ...], digit_sum: bool, letters: str) -> int:
    """Sum of the payload's digit values times their weights (Luhn-style digit sums optional)."""
    if letters == "ups":
        payload = payload.translate(_UPS_LETTERS)
    products = map(mul, map(int, payload), weights)
    return sum(map(_DIGIT_SUMS.__getitem__, products)) if digit_sum else sum(products)


def mod10(
    weights: list[int],
    from_right: bool = False,
    digit_sum: bool = False,
    offset: int = 0,
    prepend: str = "",
    letters: str = "digits",
) -> Checker:
    """Weighted modulo 10: check = (10 - (sum + offset) mod 10) mod 10, last char is the check."""
    cache: dict[int, tuple[int, ...]] = {}

    def check(body: str) -> bool:
        payload = prepend + body[:-1]
        w = cache.get(len(payload))
        if w is None:
            w = cache[len(payload)] = _weights_for(len(payload), weights, from_right)
        total = weighted_sum(payload, w, digit_sum, letters) + offset
        return body[-1] == str((10 - total % 10) % 10)

    return check


def mod11_mod10(weights: list[int]) -> Checker:
    """FedEx style: check = (sum of weighted digits mod 11) mod 10."""
    w = tuple(weights)

    def check(body: str) -> bool:
        payload = body[:-1]
        if len(payload) != len(w):
            return False
        return body[-1] == str(sum(map(mul, map(int, payload), w)) % 11 % 10)

    return check


def mod7() -> Checker:
    """DHL Express: the check digit is the serial number modulo 7."""
    return lambda body: body[-1] == str(int(body[:-1]) % 7)


def s10_check_digit(serial: str) -> int:
    """UPU S10 check digit of an 8-digit serial number."""
    remainder = 11 - sum(map(mul, map(int, serial), S10_WEIGHTS)) % 11
    return {10: 0, 11: 5}.get(remainder, remainder)


def s10() -> Checker:
    """UPU S10: weights 8,6,4,2,3,5,9,7, eleven minus the sum modulo 11 (10 gives 0, 11 gives 5)."""
    return lambda body: len(body) == 9 and body[-1] == str(s10_check_digit(body[:-1]))


def iso7064_mod37_36_char(payload: str) -> str:
    """ISO/IEC 7064 MOD 37,36 check character of an alphanumeric payload."""
    product = 36
    for char in payload:
        total = (product + _ALNUM36.index(char)) % 36 or 36
        product = (total * 2) % 37
    return _ALNUM36[(37 - product) % 36]


def mod37_36() -> Checker:
    """DPD: ISO/IEC 7064 MOD 37,36 hybrid system over the parcel number."""
    return lambda body: body[-1] == iso7064_mod37_36_char(body[:-1])


ALGORITHMS: dict[str, Callable[..., Checker]] = {
    "mod10": mod10,
    "mod11_mod10": mod11_mod10,
    "mod7": mod7,
    "s10": s10,
    "mod37_36": mod37_36,
}


def build_checker(spec: dict) -> Checker:
    """Return the check function the rule table's `check` entry describes."""
    params = {k: v for k, v in spec.items() if k not in ("algorithm", "group")}
    factory = ALGORITHMS.get(spec.get("algorithm", ""))
    if factory is None:
        raise CheckDigitError(f"unknown check-digit algorithm {spec.get('algorithm')!r}")
    try:
        return factory(**params)
    except TypeError as exc:
        raise CheckDigitError(f"bad parameters for {spec['algorithm']}: {exc}") from None
