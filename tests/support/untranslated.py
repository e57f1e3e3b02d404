"""English left on a Dutch or French page: what tests/test_untranslated_text.py looks for.

Two detectors, over the text a person reads (text nodes, and the attributes ``title``, ``placeholder``,
``aria-label``, ``alt`` and the ``value`` of buttons):

(a) a message id of ``ila_sme/translations/messages.pot`` whose translation in the page's language differs from
    it, found as is: a single word (5 letters or more) as a whole text, a longer message (2 words or more) inside
    a text, its ``%(placeholders)s`` standing for any value. Left out, as they prove nothing: a message id that
    is also a translation in that language (French "Date", Dutch "Status"), and placeholders joined by words of
    one or two letters only ("of %(budget)s in %(year)s" matches a Dutch "... of ... in ...").
(b) English-only words: the marker words below, found as words. None of them is also a Dutch or a French word
    (so never "in", "is", "of", "a", "on", "per", and not "account", "download" or "job", which Flemish uses);
    "page" is French, so it marks English on Dutch pages only.
(c) a number written the English way before a unit or after a euro sign: "30.4 uur", "40.0 heures", "€ 6000.00"
    (Dutch and French write a decimal comma; "om 08.00 uur", a time, is Dutch).
(d) an event code shown as such ("leave.approved", "employee.created"), even inside ``<code>``: a person reads a
    sentence, not the code. Except where the page marks it ``translate="no"``: the audit log's recorded data,
    shown on demand under the event's sentence, holds the code as recorded (the record, not a text to read).

Not read: ``<script>``, ``<style>``, ``<code>``, ``<pre>``, ``<kbd>`` and ``<samp>`` (commands and identifiers,
not sentences), and elements marked with another language (``lang="en"`` on the EN button of the language
switch) or ``translate="no"``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import lxml.html
from babel.messages.pofile import read_po

from tests.browser._support import TRANSLATIONS

MARKERS = frozenset("""
the and with from this that these those your you our has have been were was will would should could
not but which what when where who there than then into about after before until since between
booked remaining done incomplete hours hour days day weeks months month years year
request requests approved rejected pending cancelled withdrawn waiting leave
employee employees people staff amount reason reasons settings skills credentials learning
approvals approval statement statements reconciliation refunds refund sent send save
delete edit show back next new none yes run runs ran started finished failed
january february march may june july august october
monday tuesday wednesday thursday friday saturday sunday
""".split())
MARKERS_ON_DUTCH_PAGES_ONLY = frozenset({"page", "pages"})  # French words too
MARKERS_ON = {"nl": MARKERS | MARKERS_ON_DUTCH_PAGES_ONLY, "fr": MARKERS}

SKIPPED_TAGS = {"script", "style", "code", "pre", "kbd", "samp", "template"}
READ_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
WORD = re.compile(r"[A-Za-zÀ-ÿ]+(?:'[a-z]+)?")
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]?\d*(?:\.\d+)?[a-zA-Z]|%[sd]")
SPACES = re.compile(r"\s+")
UNITS = r"uur|u|dagen|dag|d|heures|heure|h|jours|jour|j|%|EUR"
EVENT_CODE = re.compile(r"^[a-z][a-z_]*\.[a-z][a-z_]*$")
DUTCH_TIME = re.compile(r"^[0-2]\d\.[0-5]\d\s?uur$")
ENGLISH_NUMBER = re.compile(rf"(?<![\w.,])(?:€\s?\d[\d ]*\.\d{{2}}(?![\d,])|\d+\.\d+\s?(?:{UNITS})(?!\w))")
SENTENCE = 300  # characters: an element with more text is a container, not a sentence


@dataclass(frozen=True)
class Finding:
    kind: str  # "message" (a), "word" (b), "number" (c) or "code" (d)
    what: str  # the message id or the marker word
    text: str  # the text it was found in (shortened)

    def __str__(self) -> str:
        label = f"msgid {self.what!r}" if self.kind == "message" else f"{self.kind} {self.what!r}"
        return f"{label} in {self.text!r}"


# (a) the catalog -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    msgid: str
    literal: str  # the longest piece without placeholders: looked for in the page first (fast)
    pattern: re.Pattern
    single_word: bool


def _qualifies(text: str) -> bool:
    words = WORD.findall(text)
    return len(words) >= 2 or any(len(word) >= 5 for word in words)


def _message(msgid: str) -> Message | None:
    pieces = [SPACES.sub(" ", piece) for piece in PLACEHOLDER.split(msgid.replace("%%", "%"))]
    literal_text = " ".join(piece.strip() for piece in pieces)
    words = WORD.findall(literal_text)
    if not _qualifies(literal_text) or (len(pieces) > 1 and all(len(word) <= 2 for word in words)):
        return None  # placeholders joined by words of one or two letters ("of %(budget)s in %(year)s": "of"
        # and "in" are Dutch too) match a Dutch sentence as well: they prove nothing
    single = len(words) == 1 and len(pieces) == 1
    body = r"\S.{0,60}?".join(re.escape(piece) for piece in pieces)  # a placeholder: a value, not a page
    pattern = re.compile(rf"^\s*{body}\s*:?\s*$" if single else rf"(?<!\w){body}(?!\w)")
    return Message(msgid, max((piece.strip() for piece in pieces), key=len), pattern, single)


@cache
def catalog_messages(language: str) -> tuple[Message, ...]:
    """The message ids (singular and plural) whose ``language`` translation differs from them."""
    with (TRANSLATIONS / "messages.pot").open("rb") as handle:
        template = read_po(handle)
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        translated = read_po(handle, locale=language)
    translations: dict[str, str] = {}
    for message in translated:
        if not message.id or message.fuzzy:
            continue
        ids = message.id if isinstance(message.id, (tuple, list)) else (message.id,)
        strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
        for index, msgid in enumerate(ids):
            translations[msgid] = strings[min(index, len(strings) - 1)] or ""
    also_a_translation = {SPACES.sub(" ", value).strip() for value in translations.values()}
    found = []
    for message in template:
        for msgid in (message.id if isinstance(message.id, (tuple, list)) else (message.id,)):
            if not msgid or msgid in also_a_translation or translations.get(msgid, "") in ("", msgid):
                continue
            candidate = _message(msgid)
            if candidate is not None:
                found.append(candidate)
    return tuple(found)


# Reading a page --------------------------------------------------------------------------------------------------


def _skipped(element, language: str) -> bool:
    here = element
    while here is not None:
        if not isinstance(here.tag, str) or here.tag in SKIPPED_TAGS or here.get("translate") == "no":
            return True
        lang = here.get("lang")
        if lang:
            return lang.split("-")[0] != language
        here = here.getparent()
    return False


def readable_texts(html: str, language: str) -> list[str]:
    """Each text node, each element's whole text (a sentence split by <strong> is one text), and the read
    attributes, whitespace folded, of the parts of the page in ``language``."""
    root = lxml.html.document_fromstring(html)
    texts: list[str] = []
    for element in root.iter():
        if not isinstance(element.tag, str) or _skipped(element, language):
            continue
        for attribute in READ_ATTRIBUTES:
            if element.get(attribute):
                texts.append(element.get(attribute))
        if element.tag == "input" and element.get("type") in ("submit", "button") and element.get("value"):
            texts.append(element.get("value"))  # the label of an input button
        if element.text and element.text.strip():
            texts.append(element.text)
        if element.tail and element.tail.strip() and element.getparent() is not None \
                and not _skipped(element.getparent(), language):
            texts.append(element.tail)
        if len(element) and len(element.text_content()) <= SENTENCE:
            texts.append(_read_text(element, language))  # a sentence split by inline elements, as one text
    return [folded for text in texts if (folded := SPACES.sub(" ", text).strip())]


def _read_text(element, language: str) -> str:
    """The element's text without its skipped parts (code, another language)."""
    parts = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str) and not _skipped(child, language):
            parts.append(_read_text(child, language))
        parts.append(child.tail or "")
    return "".join(parts)


def english_in(html: str, language: str, allowed: frozenset[str] = frozenset()) -> list[Finding]:
    """The English of a page rendered in ``language`` ("nl" or "fr"); ``allowed``: texts that are data, in
    English on purpose (e.g. a training's title): left out wherever they stand."""
    texts = []
    for text in dict.fromkeys(readable_texts(html, language)):
        for data in allowed:
            text = text.replace(data, " ")
        if text.strip():
            texts.append(text)
    texts.sort(key=len)  # shortest first: a finding names the smallest text it is in
    whole = "\n".join(texts)
    findings: dict[tuple[str, str], Finding] = {}
    for message in catalog_messages(language):
        if message.literal not in whole:
            continue
        for text in texts:
            if message.literal in text and message.pattern.search(text):
                findings.setdefault(("message", message.msgid), Finding("message", message.msgid, _short(text)))
                break
    for code in event_codes(html):
        findings.setdefault(("code", code), Finding("code", code, code))
    markers = MARKERS_ON[language]
    for text in texts:
        for word in WORD.findall(text):
            if word.lower() in markers:
                findings.setdefault(("word", word.lower()), Finding("word", word.lower(), _short(text)))
        for number in ENGLISH_NUMBER.findall(text):
            if language == "nl" and DUTCH_TIME.match(number):
                continue
            findings.setdefault(("number", number), Finding("number", number, _short(text)))
    return list(findings.values())


def event_codes(html: str) -> list[str]:
    root = lxml.html.document_fromstring(html)
    return [text for element in root.iter() if isinstance(element.tag, str) and element.tag not in ("script", "style")
            and not _not_to_translate(element)  # the recorded code beside its sentence (audit log)
            and (text := (element.text or "").strip()) and EVENT_CODE.match(text)]


def _not_to_translate(element) -> bool:
    return any(here.get("translate") == "no" for here in (element, *element.iterancestors()))


def _short(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
