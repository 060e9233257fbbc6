"""Numbers as members type them, in their language (engine/numbers.py)."""

from decimal import Decimal

import pytest
from babel.numbers import format_decimal
from hypothesis import given
from hypothesis import strategies as st

from engine.numbers import (
    MAX_INTEGER_DIGITS,
    AmbiguousNumber,
    EmptyNumber,
    InvalidNumber,
    NumberError,
    NumberTooLarge,
    OtherConvention,
    OtherScriptDigits,
    convention,
    format_for_typing,
    format_number,
    locale_of,
    parse_number,
)

COMMA_LANGS = ("fr_BE", "nl_BE", "fr_FR", "nl_NL", "de_DE")
DOT_LANGS = ("en_US", "en_GB")
LANGS = COMMA_LANGS + DOT_LANGS
NBSP, NNBSP, THIN = "\u00a0", "\u202f", "\u2009"


def langs(which):
    return COMMA_LANGS if which == "comma" else DOT_LANGS if which == "dot" else LANGS


# (typed, languages: "comma", "dot" or "all", value)
READ = [
    # whole numbers, no separator
    ("0", "all", "0"),
    ("7", "all", "7"),
    ("120000", "all", "120000"),
    ("0001", "all", "1"),
    # thousands with spaces of every kind: every language
    ("12 345", "all", "12345"),
    ("1 250 000", "all", "1250000"),
    (f"1{NBSP}250{NBSP}000", "all", "1250000"),
    (f"1{NNBSP}250", "all", "1250"),
    (f"1{THIN}250", "all", "1250"),
    ("1'250", "all", "1250"),
    ("1\u2019250", "all", "1250"),
    ("  42  ", "all", "42"),
    # thousands with the other mark
    ("120.000", "comma", "120000"),
    ("50.000", "comma", "50000"),
    ("1.234.567", "comma", "1234567"),
    ("120,000", "dot", "120000"),
    ("1,234", "dot", "1234"),
    ("1,234,567", "dot", "1234567"),
    # decimals
    ("1,5", "comma", "1.5"),
    ("12,50", "comma", "12.5"),
    ("1.234,56", "comma", "1234.56"),
    ("1 234,56", "comma", "1234.56"),
    (f"1{NNBSP}250{NNBSP}000,50", "comma", "1250000.5"),
    ("0,250", "comma", "0.25"),  # a leading 0 is no thousands group
    ("1,2345", "comma", "1.2345"),
    (",5", "comma", "0.5"),
    ("5,", "comma", "5"),
    ("1.5", "dot", "1.5"),
    ("12.50", "dot", "12.5"),
    ("1,234.56", "dot", "1234.56"),
    ("1 234.56", "dot", "1234.56"),
    ("0.500", "dot", "0.5"),
    (".5", "dot", "0.5"),
    ("5.", "dot", "5"),
    # signs
    ("-5", "all", "-5"),
    ("+12", "all", "12"),
    ("\u22125", "all", "-5"),
    ("-0", "all", "0"),
    ("-1.234,5", "comma", "-1234.5"),
    ("-1,234.5", "dot", "-1234.5"),
    # the largest: 13 digits before the decimal mark
    ("9999999999999", "all", "9999999999999"),
    ("9 999 999 999 999,99", "comma", "9999999999999.99"),
    ("9,999,999,999,999.99", "dot", "9999999999999.99"),
]


@pytest.mark.parametrize(("typed", "which", "value"), READ)
def test_read(typed, which, value):
    for lang in langs(which):
        assert parse_number(typed, lang) == Decimal(value), lang


# (typed, languages, error, readings)
REFUSED = [
    ("", "all", EmptyNumber, ()),
    ("   ", "all", EmptyNumber, ()),
    (NBSP, "all", EmptyNumber, ()),
    # not numbers
    ("12a", "all", InvalidNumber, ()),
    ("abc", "all", InvalidNumber, ()),
    ("1e5", "all", InvalidNumber, ()),
    ("1E5", "all", InvalidNumber, ()),
    ("1e-999", "all", InvalidNumber, ()),
    ("nan", "all", InvalidNumber, ()),
    ("-inf", "all", InvalidNumber, ()),
    ("Infinity", "all", InvalidNumber, ()),
    ("0x1F", "all", InvalidNumber, ()),
    ("1_000", "all", InvalidNumber, ()),
    ("12€", "all", InvalidNumber, ()),
    ("12\x00", "all", InvalidNumber, ()),
    ("-", "all", InvalidNumber, ()),
    ("+-5", "all", InvalidNumber, ()),
    ("--5", "all", InvalidNumber, ()),
    ("5-", "all", InvalidNumber, ()),
    (".", "all", InvalidNumber, ()),
    (",", "all", InvalidNumber, ()),
    ("1.2.3", "all", InvalidNumber, ()),
    ("1,2,3", "all", InvalidNumber, ()),
    ("1.23.4", "all", InvalidNumber, ()),
    ("1,23,4", "all", InvalidNumber, ()),
    ("12 34", "all", InvalidNumber, ()),  # a space group of two digits
    ("1234 567", "all", InvalidNumber, ()),  # a first group of four
    ("1  234", "all", InvalidNumber, ()),  # two spaces in a row
    ("1\t234", "all", InvalidNumber, ()),
    ("1 234.567 8", "all", InvalidNumber, ()),
    ("1.234 567", "all", InvalidNumber, ()),  # mixed kinds of thousands separators
    ("😀", "all", InvalidNumber, ()),
    # digits of other scripts: refused, never converted
    ("١٢٣", "all", OtherScriptDigits, ()),  # Arabic-Indic
    ("۱۲۳", "all", OtherScriptDigits, ()),  # extended Arabic-Indic (Persian)
    ("１２３", "all", OtherScriptDigits, ()),  # fullwidth
    ("१२३", "all", OtherScriptDigits, ()),  # Devanagari
    ("12²", "all", OtherScriptDigits, ()),  # superscript
    ("1２3", "all", OtherScriptDigits, ()),
    # too large
    ("10000000000000", "all", NumberTooLarge, ()),
    ("99999999999999", "all", NumberTooLarge, ()),
    ("-" + "9" * 400, "all", NumberTooLarge, ()),
    ("1" * 10240, "all", NumberTooLarge, ()),
    ("10 000 000 000 000", "all", NumberTooLarge, ()),
    # ambiguous: the language's decimal mark and three digits
    ("120.000", "dot", AmbiguousNumber, ("120", "120000")),
    ("50.000", "dot", AmbiguousNumber, ("50", "50000")),
    ("1.234", "dot", AmbiguousNumber, ("1.234", "1234")),
    ("-120.000", "dot", AmbiguousNumber, ("-120", "-120000")),
    ("1,234", "comma", AmbiguousNumber, ("1.234", "1234")),
    ("120,000", "comma", AmbiguousNumber, ("120", "120000")),
    # the other convention's separators: refused with their reading
    ("1.5", "comma", OtherConvention, ("1.5",)),
    ("12.50", "comma", OtherConvention, ("12.5",)),
    ("0.500", "comma", OtherConvention, ("0.5",)),
    ("1,234.56", "comma", OtherConvention, ("1234.56",)),
    ("1,234,567", "comma", OtherConvention, ("1234567",)),
    ("1 234.5", "comma", OtherConvention, ("1234.5",)),
    ("1,5", "dot", OtherConvention, ("1.5",)),
    ("1.234,56", "dot", OtherConvention, ("1234.56",)),
    ("1.234.567", "dot", OtherConvention, ("1234567",)),
    ("99.999.999.999.999", "dot", NumberTooLarge, ("99999999999999",)),
]


@pytest.mark.parametrize(("typed", "which", "error", "readings"), REFUSED)
def test_refused(typed, which, error, readings):
    for lang in langs(which):
        with pytest.raises(error) as caught:
            parse_number(typed, lang)
        assert type(caught.value) is error, lang
        assert caught.value.text == typed
        assert caught.value.readings == tuple(Decimal(reading) for reading in readings), lang


def test_errors_are_value_errors_with_the_text():
    with pytest.raises(ValueError, match="12a"):
        parse_number("12a", "en_US")
    assert issubclass(OtherConvention, InvalidNumber)
    assert parse_number(" 12 ", "fr_BE") == 12
    with pytest.raises(InvalidNumber):
        parse_number(None, "en_US")


@pytest.mark.parametrize(
    ("lang", "decimal"),
    [
        ("fr_BE", ","),
        ("nl_BE", ","),
        ("fr_FR", ","),
        ("de_DE", ","),
        ("en_US", "."),
        ("en_GB", "."),
        ("de_CH", "."),
        ("sr@latin", ","),  # Odoo's code, not Babel's
        ("xx_XX", "."),  # unknown: English
        (None, "."),
        ("", "."),
    ],
)
def test_convention_follows_babel(lang, decimal):
    conv = convention(lang)
    assert conv.decimal == decimal
    assert conv.other == ("." if decimal == "," else ",")
    assert conv.other in conv.groups and decimal not in conv.groups


def test_swiss_apostrophes():
    assert parse_number("1\u2019234.50", "de_CH") == Decimal("1234.5")
    assert parse_number("1'234.50", "de_CH") == Decimal("1234.5")


@pytest.mark.parametrize(
    ("value", "lang", "shown"),
    [
        (1186000, "fr_FR", f"1{NNBSP}186{NNBSP}000"),
        (118600.0, "en_US", "118,600"),
        (Decimal("1234.5"), "nl_BE", "1.234,5"),
        (-1.0, "en_US", "-1"),
        (2.5, "fr_BE", "2,5"),
        (0.1 + 0.2, "en_US", "0.3"),
        (1e24, "en_US", "1,000,000,000,000,000,000,000,000"),
        (Decimal(100000000000), "fr_FR", f"100{NNBSP}000{NNBSP}000{NNBSP}000"),
    ],
)
def test_format_number(value, lang, shown):
    assert format_number(value, lang) == shown


@pytest.mark.parametrize(
    ("value", "lang", "typed"),
    [
        (120, "en_US", "120"),
        (120000, "en_US", "120 000"),
        (Decimal("1.234"), "fr_FR", "1,2340"),  # never "1,234": that is ambiguous
        (Decimal("1.234"), "en_US", "1.2340"),
        (Decimal("0.125"), "en_US", "0.125"),
        (Decimal("1234.567"), "fr_FR", "1 234,567"),
        (1234, "fr_FR", "1 234"),
        (Decimal("1250000.50"), "fr_BE", "1 250 000,50"),
        (1250000.5, "en_US", "1 250 000.5"),
        (-1.5, "nl_BE", "-1,5"),
    ],
)
def test_format_for_typing(value, lang, typed):
    assert format_for_typing(value, lang) == typed
    assert parse_number(typed, lang) == Decimal(str(value))


amounts = st.decimals(
    min_value=-(10**MAX_INTEGER_DIGITS) + 1, max_value=10**MAX_INTEGER_DIGITS - 1, places=3, allow_nan=False
)
property_langs = st.sampled_from(LANGS + ("de_CH", "sv_SE", "it_IT", "es_ES"))


@given(amounts, property_langs)
def test_babel_formatting_reads_back(value, lang):
    """What Babel writes in a language is read back as the same value; when
    it is ambiguous (1,234 in French), the value is one of the readings."""
    typed = format_decimal(value, locale=locale_of(lang))
    try:
        assert parse_number(typed, lang) == value
    except AmbiguousNumber as error:
        assert value in error.readings
        assert abs(value) < 1000


@given(st.decimals(min_value=-(10**13) + 1, max_value=10**13 - 1, places=6, allow_nan=False), property_langs)
def test_typing_form_reads_back_exactly(value, lang):
    assert parse_number(format_for_typing(value, lang), lang) == value
    assert parse_number(format_for_typing(value, lang, group="\u00a0"), lang) == value


@given(st.text(max_size=30), property_langs)
def test_anything_typed_is_a_number_or_a_number_error(text, lang):
    try:
        value = parse_number(text, lang)
    except NumberError:
        return
    assert isinstance(value, Decimal) and value.is_finite()
    assert abs(value) < 10**MAX_INTEGER_DIGITS


@given(st.integers(min_value=1, max_value=999), st.integers(min_value=0, max_value=999))
def test_three_decimals_are_ambiguous_only_where_the_mark_groups_elsewhere(head, tail):
    typed = f"{head}.{tail:03d}"
    with pytest.raises(AmbiguousNumber) as caught:
        parse_number(typed, "en_US")
    assert caught.value.readings == (Decimal(f"{head}.{tail:03d}"), Decimal(head * 1000 + tail))
    assert parse_number(typed, "fr_BE") == head * 1000 + tail
