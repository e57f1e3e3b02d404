"""Nothing is fetched: contexts come from the bundle, which matches its README, and every path through import
and verification that points at a URL runs with the network cut (the folder's ``no_network`` fixture)."""

from __future__ import annotations

import hashlib
import json
import re
import socket
from datetime import date

import pytest

from ila_sme.credentials import issuing, jsonld
from ila_sme.credentials.formats import parse
from ila_sme.credentials.verification import verify
from tests.credentials.verification.conftest import NetworkUsed
from tests.support.credentials import (
    EDUBADGES_OB3,
    OB2_WITH_BADGE_URL,
    dumps,
    elm_document,
    sample_elements,
    signed_ob3,
)


def test_the_guard_catches_a_connection(no_network):
    with pytest.raises(NetworkUsed):
        socket.create_connection(("127.0.0.1", 9))
    assert len(no_network) == 1
    no_network.clear()


def test_import_and_verification_of_url_laden_credentials_stay_offline(issuer_key, no_network):
    status = {"id": "https://status.example.org/1#5", "type": "BitstringStatusListEntry",
              "statusPurpose": "revocation", "statusListIndex": "5",
              "statusListCredential": "https://status.example.org/1"}
    https_key = signed_ob3(issuer_key, credential_status=status)
    https_key["proof"]["verificationMethod"] = "https://issuer.example.org/keys/1"
    unbundled = signed_ob3(issuer_key)
    unbundled["@context"].append("https://contexts.example.org/extra.json")
    uploads = [dumps(EDUBADGES_OB3), dumps(OB2_WITH_BADGE_URL), dumps(elm_document()), dumps(https_key),
               dumps(unbundled),
               issuing.sign_vc_jwt(issuing.build_ob3(sample_elements(issuer_id="did:web:issuer.example.org")),
                                   issuer_key, kid="did:web:issuer.example.org#key-1").encode()]

    states = [verify(parse(upload), today=date(2026, 5, 4)).state for upload in uploads]

    assert states == ["unverified"] * 6
    assert no_network == []


def test_the_loader_refuses_every_url_it_does_not_bundle():
    with pytest.raises(jsonld.ContextNotBundled) as caught:
        jsonld.load_document("https://www.w3.org/ns/did/v1")

    assert caught.value.url == "https://www.w3.org/ns/did/v1"


def test_every_bundled_context_is_a_json_ld_context():
    for url, filename in jsonld.BUNDLED.items():
        document = jsonld.load_document(url)["document"]
        assert isinstance(document.get("@context"), dict), filename


def test_the_bundled_files_are_the_ones_the_readme_lists():
    readme = (jsonld.CONTEXTS_DIR / "README.md").read_text(encoding="utf-8")
    listed = {name: digest for digest, name in re.findall(r"^([0-9a-f]{64})  (\S+)$", readme, flags=re.MULTILINE)}
    on_disk = {path.name: hashlib.sha256(path.read_bytes()).hexdigest()
               for path in jsonld.CONTEXTS_DIR.iterdir() if path.suffix in (".json", ".jsonld")}

    assert listed == on_disk
    assert set(jsonld.BUNDLED.values()) == set(on_disk)
    for url, filename in jsonld.BUNDLED.items():
        assert f"| {filename} | {url} |" in readme


def test_the_open_badges_contexts_keep_the_package_content():
    """Spot-check of the JS-to-JSON conversion: OB 3.0.3 maps the terms the mapper reads."""
    context = json.loads((jsonld.CONTEXTS_DIR / "ob-v3p0-context-3.0.3.json").read_text())["@context"]
    achievement = context["Achievement"]["@context"]

    assert context["OpenBadgeCredential"]["@id"] == "https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential"
    assert achievement["alignment"]["@id"] == "https://purl.imsglobal.org/spec/vc/ob/vocab.html#alignment"
    assert context["awardedDate"]["@id"] == "https://purl.imsglobal.org/spec/vc/ob/vocab.html#awardedDate"
