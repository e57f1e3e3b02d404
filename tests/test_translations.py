"""The Dutch and French catalogs: complete, consistent with the sources, and used by the pages.

When a test here fails after you added or changed a user-facing string, run
``scripts/translations.sh extract``, translate the new or fuzzy entries in
``ila_sme/translations/{nl,fr}/LC_MESSAGES/messages.po`` and run ``scripts/translations.sh compile``.
"""

from __future__ import annotations

import fnmatch
import os
import re
import tempfile
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from ila_sme.extensions import db
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "ila_sme" / "translations"
LOCALES = ("nl", "fr")
# The same keywords as scripts/translations.sh (pybabel extract -k _l -k lazy_gettext).
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
# The same folders as `--ignore-dirs` in scripts/translations.sh. Not "_*": templates/_macros counts.
IGNORED_DIRS = (".*", "__pycache__", "venv", "node_modules", "instance")
# %(name)s placeholders, "%%", and a lone "%" (which Jinja's newstyle gettext would choke on).
PERCENT_TOKEN = re.compile(r"%\(\w+\)[-#0 +]?\d*(?:\.\d+)?[a-zA-Z]|%%|%")


def _po_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def _catalog(locale: str):
    with _po_path(locale).open("rb") as fileobj:
        return read_po(fileobj, locale=locale)


def _messages(catalog):
    return [message for message in catalog if message.id]


def _forms(message) -> list[str]:
    string = message.string
    return list(string) if isinstance(string, (tuple, list)) else [string]


def _tokens(text: str) -> set[str]:
    return set(PERCENT_TOKEN.findall(text or ""))


def _describe(message) -> str:
    return repr(message.id if isinstance(message.id, str) else message.id[0])


def compile_catalogs() -> None:
    """Build every .mo next to its .po, atomically (another test run may be reading them)."""
    for locale in LOCALES:
        catalog = _catalog(locale)
        target = _po_path(locale).with_suffix(".mo")
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".messages-", suffix=".mo")
        try:
            with os.fdopen(handle, "wb") as fileobj:
                write_mo(fileobj, catalog, use_fuzzy=False)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


@pytest.fixture(scope="session")
def compiled_translations():
    """Flask-Babel reads the compiled .mo files (git-ignored): build them from the .po files."""
    compile_catalogs()


@pytest.fixture
def translated_app(compiled_translations, app):
    """The ``app`` fixture, with Flask-Babel's translation cache emptied.

    The cache lives on the process-wide Babel instance: a test that ran before the .mo files
    existed may have cached an empty catalog.
    """
    from ila_sme.extensions import babel

    babel.domain_instance.cache.clear()
    yield app
    babel.domain_instance.cache.clear()


def _extracted_messages() -> dict[str, tuple[str, str | None, str]]:
    """Every message in the sources, extracted with babel.cfg: {msgid: (file, plural, where)}."""
    from babel.messages.frontend import parse_mapping_cfg

    with (ROOT / "babel.cfg").open() as fileobj:
        method_map, options_map = parse_mapping_cfg(fileobj, "babel.cfg")

    def directory_filter(path: str) -> bool:
        name = os.path.basename(path)
        return not any(fnmatch.fnmatch(name, pattern) for pattern in IGNORED_DIRS)

    found = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS, directory_filter=directory_filter
    ):
        if isinstance(message, (tuple, list)):
            msgid, plural = message[0], message[1] if len(message) > 1 else None
        else:
            msgid, plural = message, None
        if msgid:
            found.setdefault(msgid, (filename, plural, f"{filename}:{lineno}"))
    return found


# (a) Each catalog on its own ---------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_is_complete_and_not_fuzzy(locale):
    catalog = _catalog(locale)
    assert not catalog.fuzzy, f"{locale}: the catalog header is marked fuzzy (pybabel compile would skip it)"
    fuzzy = [_describe(m) for m in _messages(catalog) if m.fuzzy]
    empty = [_describe(m) for m in _messages(catalog) if not all(form.strip() for form in _forms(m))]
    assert not fuzzy, f"{locale}: fuzzy entries, review them and remove the flag: {fuzzy}"
    assert not empty, f"{locale}: untranslated entries: {empty}"


@pytest.mark.parametrize("locale", LOCALES)
def test_plural_entries_have_every_form(locale):
    catalog = _catalog(locale)
    wrong = [
        (_describe(m), len(_forms(m)))
        for m in _messages(catalog)
        if m.pluralizable and len(_forms(m)) != catalog.num_plurals
    ]
    assert not wrong, f"{locale}: plural entries need {catalog.num_plurals} forms: {wrong}"


@pytest.mark.parametrize("locale", LOCALES)
def test_placeholders_are_kept(locale):
    """%(name)s in the msgid appears identically in every msgstr form, and nothing else does."""
    problems = []
    for message in _messages(catalog := _catalog(locale)):
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        expected = set().union(*(_tokens(msgid) for msgid in ids))
        for index, form in enumerate(_forms(message)):
            if _tokens(form) != expected:
                problems.append(f"{_describe(message)}[{index}]: {sorted(_tokens(form))} != {sorted(expected)}")
    # Babel's own checks too (python-format consistency, plural count), as pybabel compile runs them.
    problems += [f"{_describe(message)}: {error}" for message, errors in catalog.check() for error in errors]
    assert not problems, f"{locale}: placeholder problems:\n" + "\n".join(problems)


# (b) Catalogs against the sources ---------------------------------------------------------------


def test_extraction_finds_the_sources():
    extracted = _extracted_messages()
    files = {filename for filename, _plural, _where in extracted.values()}
    assert "Sign in" in extracted and "Use at least 10 characters." in extracted
    assert any(name.startswith("templates/") for name in files)
    assert any(name.startswith("ila_sme/") for name in files)
    assert not any(".venv" in name or name.startswith("tests/") for name in files)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_source_string_is_in_the_catalog(locale):
    catalog = _catalog(locale)
    missing = []
    not_plural = []
    for msgid, (_filename, plural, where) in sorted(_extracted_messages().items()):
        message = catalog.get(msgid)
        if message is None:
            missing.append(f"{msgid!r} ({where})")
        elif plural and not message.pluralizable:
            not_plural.append(f"{msgid!r} ({where})")
    hint = "run scripts/translations.sh extract, then translate the new entries"
    assert not missing, f"{locale}: {len(missing)} string(s) not in the catalog ({hint}):\n" + "\n".join(missing)
    assert not not_plural, f"{locale}: now ngettext, still singular in the catalog ({hint}):\n" + "\n".join(not_plural)


# (c) Real pages ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "expected", "absent"),
    [("nl", "Aanmelden", "Sign in"), ("fr", "Se connecter", "Sign in"), ("en", "Sign in", "Aanmelden")],
)
def test_login_page_in_the_browser_language(translated_app, client, language, expected, absent):
    response = client.get("/login", headers={"Accept-Language": language})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<html lang="{language}">' in page
    assert expected in page
    assert absent not in page


def test_login_page_defaults_to_dutch(translated_app, client):
    page = client.get("/login").get_data(as_text=True)
    assert "Aanmelden" in page
    assert "Wachtwoord vergeten?" in page


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        ("nl", ["Welkom, Mia", "Personeel", "Afmelden", "Je keurt aanvragen goed voor 1 persoon."]),
        ("fr", ["Bienvenue, Mia", "Personnel", "Se déconnecter", "Vous approuvez les demandes de 1 personne."]),
    ],
)
def test_manager_home_is_translated(translated_app, auth, client, language, texts):
    employer = factories.employer("Bakkerij Test")
    manager = factories.user("mia@example.be", roles={employer: ["manager", "employee"]}, name="Mia")
    factories.employee(employer, approver_id=manager.id)
    db.session.commit()
    assert auth.login("mia@example.be").status_code == 302
    page = client.get("/", headers={"Accept-Language": language}).get_data(as_text=True)
    for text in texts:
        assert text in page
