#!/usr/bin/env bash
# Translation catalogs of ILA-SME (Dutch "nl" and French "fr"; English is the source language).
#
#   scripts/translations.sh extract   re-extract messages.pot from ila_sme/ and templates/,
#                                     then add new strings to (or init) the nl and fr catalogs
#   scripts/translations.sh compile   build the .mo files that Flask-Babel reads (git-ignored)
#
# After `extract`, translate every new or "#, fuzzy" entry in ila_sme/translations/*/LC_MESSAGES/
# messages.po, remove the fuzzy flag, then run `compile`. tests/test_translations.py fails while
# a string is untranslated or fuzzy.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

LOCALES=(nl fr)
TRANSLATIONS=ila_sme/translations
POT="$TRANSLATIONS/messages.pot"

if [[ -x .venv/bin/pybabel ]]; then
    PYBABEL=.venv/bin/pybabel
elif command -v pybabel >/dev/null 2>&1; then
    PYBABEL=pybabel
else
    echo "pybabel not found: create .venv (pip install -r requirements-dev.txt) or put pybabel on PATH" >&2
    exit 1
fi

extract() {
    # Walk "." with the patterns of babel.cfg; never into .venv, other dot folders or __pycache__
    # (not "_*": templates/_macros and templates/_partials must be searched).
    # File-only locations (no line numbers) and entries sorted by msgid keep the diffs small:
    # moving code or a string inside a file changes nothing in the catalogs.
    "$PYBABEL" --quiet extract \
        -F babel.cfg -k _l -k lazy_gettext \
        --ignore-dirs '.* __pycache__ venv node_modules instance' \
        --add-location=file --sort-output --add-comments=TRANSLATORS: \
        --project=ILA-SME --copyright-holder=ILA-SME \
        -o "$POT.new" .
    # Keep the old template when only its creation date would change: no diff without a change.
    if [[ -f "$POT" ]] && cmp -s <(grep -v '^"POT-Creation-Date:' "$POT") <(grep -v '^"POT-Creation-Date:' "$POT.new"); then
        rm "$POT.new"
    else
        mv "$POT.new" "$POT"
    fi
    for locale in "${LOCALES[@]}"; do
        if [[ -f "$TRANSLATIONS/$locale/LC_MESSAGES/messages.po" ]]; then
            "$PYBABEL" --quiet update -i "$POT" -d "$TRANSLATIONS" -l "$locale" \
                --ignore-obsolete --ignore-pot-creation-date
        else
            "$PYBABEL" init -i "$POT" -d "$TRANSLATIONS" -l "$locale"
        fi
    done
    echo "Catalogs updated. Translate new and fuzzy entries in $TRANSLATIONS/<locale>/LC_MESSAGES/messages.po"
    echo "(locales: ${LOCALES[*]}), remove their fuzzy flags,"
    echo "then run: $0 compile"
}

compile() {
    "$PYBABEL" compile --statistics -d "$TRANSLATIONS"
}

case "${1:-}" in
    extract) extract ;;
    compile) compile ;;
    *)
        echo "usage: $0 {extract|compile}" >&2
        exit 2
        ;;
esac
