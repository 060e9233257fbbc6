"""The sentences of the documents are QWeb terms with {placeholders} filled
by str.format (report/*_templates.xml), and Python messages use %(name)s:
a translation that renames or adds a placeholder would break the document
or the message in that language."""

import re
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
BRACES = re.compile(r"\{(\w+)\}")
PERCENT = re.compile(r"%\((\w+)\)s")


def entries(lang):
    for entry in polib.pofile(str(ROOT / "i18n" / f"{lang}.po")):
        if entry.msgstr and not entry.obsolete and not entry.msgid.lstrip().startswith("<"):
            yield entry


@pytest.mark.parametrize("lang", ["fr", "nl"])
def test_document_sentences_keep_their_placeholders(lang):
    wrong = [
        (entry.msgid, entry.msgstr)
        for entry in entries(lang)
        if set(BRACES.findall(entry.msgid)) != set(BRACES.findall(entry.msgstr))
    ]
    assert not wrong, f"{lang}.po: placeholders differ: {wrong[:5]}"


@pytest.mark.parametrize("lang", ["fr", "nl"])
def test_messages_use_no_unknown_placeholder(lang):
    """A translation may leave a value out ("Dear %(name)s," is "Madame,
    Monsieur," in French), never name one the message does not give."""
    wrong = [
        (entry.msgid, entry.msgstr)
        for entry in entries(lang)
        if set(PERCENT.findall(entry.msgstr)) - set(PERCENT.findall(entry.msgid))
    ]
    assert not wrong, f"{lang}.po: unknown placeholders: {wrong[:5]}"


def test_the_sentence_terms_exist():
    """The check above sees the document sentences (not an empty set)."""
    assert sum(1 for entry in entries("fr") if BRACES.search(entry.msgid)) >= 10
