"""Every bad upload gets a clear message (and a code for the caller); nothing is returned to store."""

from __future__ import annotations

import pytest

from ila_sme.credentials import issuing
from ila_sme.credentials.errors import CredentialError
from ila_sme.credentials.formats import MAX_BYTES, parse
from ila_sme.credentials.proofs import jws
from tests.support.credentials import EDUBADGES_OB3, b64url_json, dumps, sample_elements

NOT_JSON = "The file is not a credential: it is neither JSON nor a VC-JWT token."
NOT_CREDENTIAL = ("The file is JSON, but not a credential the app can read: it should be an Open Badges 2.0 "
                  "assertion, an Open Badges 3.0 credential or a European Digital Credential.")
MALFORMED_JWT = ("The file looks like a VC-JWT (a signed token) but cannot be read: it needs three parts separated "
                 "by dots, a header and a payload that are base64url-encoded JSON objects, and a signature.")


def refused(data: bytes) -> CredentialError:
    with pytest.raises(CredentialError) as caught:
        parse(data)
    return caught.value


def test_too_large_names_the_limit():
    error = refused(b"{" + b" " * MAX_BYTES + b"}")

    assert error.code == "too_large"
    assert str(error) == "The file is too large: a credential may be at most 512 KiB."


def test_a_credential_of_exactly_the_limit_is_read():
    data = dumps(EDUBADGES_OB3)
    padded = data + b" " * (MAX_BYTES - len(data))

    assert len(padded) == MAX_BYTES
    assert parse(padded).format == "ob3-json"


@pytest.mark.parametrize("data", [
    b"hello there", b'{"type": ', b"\xff\xfe\x00\x01binary", b"<xml/>", b"%PDF-1.7", b'{"ECTS": NaN}',
], ids=["text", "broken-json", "binary", "xml", "pdf", "nan"])
def test_not_json(data):
    error = refused(data)

    assert (error.code, error.message) == ("not_json", NOT_JSON)


def test_an_empty_file():
    error = refused(b"  \n ")

    assert (error.code, error.message) == ("not_json", "The file is empty.")


@pytest.mark.parametrize("document", [
    [],
    42,
    "just a string",
    {"name": "My diploma"},
    {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential", "UniversityDegree"]},
    {"type": "VerifiablePresentation", "verifiableCredential": []},
], ids=["array", "number", "string", "object", "other-vc", "presentation"])
def test_json_that_is_not_a_credential(document):
    error = refused(dumps(document))

    assert (error.code, error.message) == ("not_credential", NOT_CREDENTIAL)


@pytest.mark.parametrize("token", [
    "eyJhbGciOiJFZERTQSJ9.eyJ2YyI6",  # two parts
    "eyJhbGciOiJFZERTQSJ9.eyJub3QganNvbg.c2ln",  # payload is not JSON
    f"{b64url_json({'typ': 'JWT'})}.{b64url_json({'vc': {}})}.c2ln",  # no alg
    f"{b64url_json({'alg': 'EdDSA'})}.{b64url_json([1, 2])}.c2ln",  # payload is not an object
    f"{b64url_json({'alg': 'EdDSA'})}.{b64url_json({'vc': 'text'})}.c2ln",  # vc is not an object
    f"{b64url_json({'alg': 'EdDSA'})}.{b64url_json({'vc': {}})}.",  # no signature
    f"{b64url_json({'alg': 'EdDSA'})}.{b64url_json({'vc': {}})}.c2ln.ZXh0cmE.bW9yZQ",  # five parts (JWE-like)
    "eyJhbGciOiJFZERTQSJ9.e$$$.c2ln",  # not base64url
], ids=["two-parts", "payload-not-json", "no-alg", "payload-array", "vc-text", "no-signature", "five-parts",
        "not-base64url"])
def test_a_malformed_jwt(token):
    error = refused(token.encode())

    assert (error.code, error.message) == ("malformed_jwt", MALFORMED_JWT)


def test_a_readable_token_without_a_credential(issuer_key):
    token = jws().encode(b'{"sub": "emma", "name": "not a credential"}', issuer_key, algorithm="EdDSA")

    error = refused(token.encode())

    assert error.code == "not_credential"
    assert error.message == ("The token can be read, but it carries no credential the app can read: it should be "
                             "an Open Badges 3.0 credential or a European Digital Credential.")


def test_a_credential_without_any_eu_element_is_read_and_lists_what_is_missing():
    """Missing elements never refuse a credential: they are listed."""
    bare = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential",
                                                                           "OpenBadgeCredential"]}

    missing = parse(dumps(bare)).elements.missing_mandatory()

    assert [str(item.label) for item in missing] == [
        "Identification of the learner", "Title", "Country or region of the issuer", "Awarding body",
        "Date of issuing", "Learning outcomes", "Notional workload (ECTS where possible)",
        "Level (EQF/NQF), if applicable", "Type of assessment", "Form of participation", "Type of quality assurance",
    ]
    assert parse(dumps(issuing.build_ob3(sample_elements()))).elements.missing_mandatory() == []
