"""Numbers as members type them, read in their language.

``parse_number("120.000", "fr_BE")`` is 120000, ``parse_number("1 234,56",
"fr_FR")`` is 1234.56, ``parse_number("1,234.56", "en_US")`` is 1234.56.
Anything else is refused with a typed error (:class:`NumberError` and its
subclasses) the caller turns into a message: empty, not a number, digits of
another script, more than 13 digits before the decimal mark, written with the
other convention's separators (with the reading it would have), or ambiguous
(with its readings: ``120.000`` typed by an English speaker may be 120 or
120,000).

Conventions: the language's decimal mark is Babel's (a comma for French,
Dutch, German...; a dot for English); the other mark of the pair groups
thousands, and so do spaces (regular, no-break, narrow no-break, thin),
apostrophes (Swiss) and Babel's own group symbol of the language. Groups
after the first have three digits; the first has one to three and does not
start with 0. Only the ASCII digits 0-9 are read.

Nothing here imports Odoo: Babel only (an Odoo dependency).
"""

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, localcontext
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.numbers import format_decimal, get_decimal_symbol, get_group_symbol

# More digits than this before the decimal mark is no figure of a member:
# 13 digits and the cents are 15 significant digits, what a float keeps.
MAX_INTEGER_DIGITS = 13
SPACES = " \u00a0\u202f\u2009"
APOSTROPHES = "'\u2019"
MINUS_SIGNS = "-\u2212"
DIGITS = "0123456789"
MARKS = ".,"


class NumberError(ValueError):
    """``text`` is not a number this language reads; ``readings`` are the
    values it could have been meant as (the caller shows them)."""

    def __init__(self, text, readings=()):
        super().__init__(text)
        self.text = text
        self.readings = tuple(readings)


class EmptyNumber(NumberError):
    """Nothing typed (or only spaces)."""


class InvalidNumber(NumberError):
    """Not a number: letters, an exponent, "nan", several decimal marks,
    groups of the wrong size (``1.23.4``)..."""


class OtherConvention(InvalidNumber):
    """A number written with the other convention's separators: ``1.5`` or
    ``1,234.56`` for a French speaker, ``1,5`` for an English speaker.
    ``readings`` holds the one value it has in that convention."""


class OtherScriptDigits(NumberError):
    """Digits other than ASCII 0-9 (Arabic-Indic, fullwidth, superscript...)."""


class NumberTooLarge(NumberError):
    """More than :data:`MAX_INTEGER_DIGITS` digits before the decimal mark."""


class AmbiguousNumber(NumberError):
    """The language's decimal mark followed by exactly three digits, that
    mark being the other convention's thousands separator: ``120.000`` for
    an English speaker. ``readings`` is (the language's reading, the other
    one)."""


@dataclass(frozen=True)
class Convention:
    """How a language writes numbers: its decimal mark (``.`` or ``,``),
    the other mark, and every character it accepts between thousands."""

    decimal: str
    other: str
    groups: str


@lru_cache(maxsize=64)
def locale_of(lang):
    """Babel's locale of an Odoo language code (``fr_BE``, ``sr@latin``),
    falling back on the language alone, then on English."""
    for code in (lang, (lang or "").split("@")[0], (lang or "").split("_")[0]):
        try:
            return Locale.parse(code or "en_US")
        except (ValueError, TypeError, LookupError, UnknownLocaleError):
            continue
    return Locale.parse("en_US")


@lru_cache(maxsize=64)
def convention(lang):
    """The :class:`Convention` of ``lang``: Babel's decimal mark when it is
    a comma, else a dot."""
    locale = locale_of(lang)
    decimal = "," if get_decimal_symbol(locale) == "," else "."
    other = "." if decimal == "," else ","
    extra = get_group_symbol(locale)
    extra = extra if len(extra) == 1 and extra not in MARKS + DIGITS and not extra.isalnum() else ""
    return Convention(decimal=decimal, other=other, groups=other + SPACES + APOSTROPHES + extra)


def _group_kind(char):
    """Spaces are one kind of separator, apostrophes another."""
    if char in SPACES:
        return " "
    if char in APOSTROPHES:
        return "'"
    return char


def _read(body, decimal, groups):
    """The value of ``body`` (no sign) with ``decimal`` as decimal mark and
    ``groups`` between thousands, or None if it is not written so."""
    if body.count(decimal) > 1:
        return None
    integer, _mark, fraction = body.partition(decimal)
    if not integer and not fraction:
        return None
    if fraction and not all(char in DIGITS for char in fraction):
        return None
    runs = re.split(f"([{re.escape(groups)}])", integer) if integer else [""]
    digits, separators = runs[0::2], runs[1::2]
    if not all(all(char in DIGITS for char in run) for run in digits):
        return None
    if separators:
        if len({_group_kind(char) for char in separators}) > 1:
            return None
        first, rest = digits[0], digits[1:]
        if not 1 <= len(first) <= 3 or first.startswith("0") or any(len(run) != 3 for run in rest):
            return None
    return Decimal("".join(digits) + ("." + fraction if fraction else ""))


def _too_large(value):
    return abs(value) >= 10**MAX_INTEGER_DIGITS


def parse_number(text, lang):
    """The :class:`~decimal.Decimal` a member of language ``lang`` means by
    ``text``; raises a :class:`NumberError` subclass otherwise."""
    if not isinstance(text, str):
        raise InvalidNumber(str(text))
    stripped = text.strip()
    if not stripped:
        raise EmptyNumber(text)
    if any(not char.isascii() and (char.isdigit() or unicodedata.category(char) == "Nd") for char in stripped):
        raise OtherScriptDigits(text)
    conv = convention(lang)
    negative = stripped[0] in MINUS_SIGNS
    body = stripped[1:] if stripped[0] in MINUS_SIGNS + "+" else stripped
    allowed = DIGITS + MARKS + conv.groups
    if not body or any(char not in allowed for char in body):
        raise InvalidNumber(text)
    native = _read(body, conv.decimal, conv.groups)
    foreign = _read(body, conv.other, conv.decimal + SPACES + APOSTROPHES)
    if negative:
        native = -native if native is not None else None
        foreign = -foreign if foreign is not None else None
    if native is None:
        if foreign is None:
            raise InvalidNumber(text)
        if _too_large(foreign):
            raise NumberTooLarge(text, (foreign,))
        raise OtherConvention(text, (foreign + 0,))
    if _too_large(native):
        raise NumberTooLarge(text)
    if foreign is not None and foreign != native and conv.decimal in body:
        raise AmbiguousNumber(text, (native + 0, foreign + 0))
    return native + 0  # never -0


def _to_decimal(value):
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def _plain(value, places, trailing_zeros=False):
    """``value`` rounded to at most ``places`` decimals, never in exponent
    notation; a whole value without decimals, else without trailing zeros
    unless ``trailing_zeros``."""
    value = _to_decimal(value)
    with localcontext() as context:
        context.prec = max(28, value.adjusted() + places + 2)
        if value.as_tuple().exponent < -places:
            value = value.quantize(Decimal(1).scaleb(-places))
        if value == value.to_integral_value():
            return value.quantize(Decimal(1))
        return value if trailing_zeros else value.normalize()


def format_number(value, lang, places=6):
    """``value`` as the language writes it (Babel): 118 600 in French,
    118,600 in English, 1.234,5 in Dutch; as many decimals as it has, up to
    ``places``."""
    return format_decimal(_plain(value, places), locale=locale_of(lang), decimal_quantization=False)


def format_for_typing(value, lang, group=" ", places=6):
    """``value`` as a member of ``lang`` can type it and have it read back
    exactly, never ambiguously: thousands separated by ``group`` (a space),
    the language's decimal mark (1 250 000,5 in French, 1 250 000.5 in
    English), the decimals of ``value`` (1 250 000,50 for
    ``Decimal("1250000.50")``). Three decimals after fewer than four digits
    get a fourth (0) so that they cannot be taken for thousands."""
    value = _plain(value, places, trailing_zeros=True)
    sign = "-" if value < 0 else ""
    integer, _dot, fraction = f"{abs(value):f}".partition(".")
    grouped = []
    while len(integer) > 3:
        integer, tail = integer[:-3], integer[-3:]
        grouped.insert(0, tail)
    grouped.insert(0, integer)
    text = sign + group.join(grouped)
    if fraction:
        if len(fraction) == 3 and len(grouped) == 1 and grouped[0] != "0":
            fraction += "0"
        text += convention(lang).decimal + fraction
    return text
