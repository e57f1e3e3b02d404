"""JSON-LD without the network: a document loader that serves only the contexts bundled in ``contexts/``
(provenance in its README) and refuses every other URL, and RDF canonicalisation (RDFC-1.0, the same
algorithm as URDNA2015) through pyld.

pyld keeps a process-wide cache of resolved contexts; each call here passes its own resolver over a cache of
its own, so a context can only ever come from this loader.

pyld (and requests and lxml, which it imports) loads with the first document canonicalised or expanded
(``_pyld``), not when the app starts.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from types import SimpleNamespace

CONTEXTS_DIR = Path(__file__).parent / "contexts"
UNDEFINED_TERMS_V2 = "https://www.w3.org/ns/credentials/undefined-terms/v2"

BUNDLED = {
    "https://www.w3.org/2018/credentials/v1": "credentials-v1.jsonld",
    "https://www.w3.org/ns/credentials/v2": "credentials-v2.jsonld",
    UNDEFINED_TERMS_V2: "credentials-undefined-terms-v2.jsonld",
    "https://w3id.org/security/data-integrity/v1": "data-integrity-v1.jsonld",
    "https://w3id.org/security/data-integrity/v2": "data-integrity-v2.jsonld",
    "https://purl.imsglobal.org/spec/ob/v3p0/context.json": "ob-v3p0-context-3.0.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json": "ob-v3p0-context-3.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json": "ob-v3p0-context-3.0.2.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "ob-v3p0-context-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json": "ob-v3p0-context-extensions.json",
}

# Any IRI of an undefined term expands under this vocabulary in ``undefined_terms``.
_PROBE_VOCAB = "urn:ila-sme:undefined-term:"


class ContextNotBundled(Exception):
    def __init__(self, url: str):
        super().__init__(url)
        self.url = url


class LinkedDataError(Exception):
    """The document is not valid JSON-LD (a protected term redefined, a bad IRI …)."""


@cache
def _bundled(url: str) -> dict:
    return json.loads((CONTEXTS_DIR / BUNDLED[url]).read_text(encoding="utf-8"))


def load_document(url: str, options=None) -> dict:
    """pyld document loader: a bundled context, or ContextNotBundled. Never opens a connection."""
    if url not in BUNDLED:
        raise ContextNotBundled(url)
    return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url,
            "document": copy.deepcopy(_bundled(url))}


@cache
def _pyld() -> SimpleNamespace:
    """pyld's processor, its resolver and the bounded canonicaliser, imported on first use."""
    from pyld import jsonld
    from pyld.canon import URDNA2015
    from pyld.context_resolver import ContextResolver

    return SimpleNamespace(jsonld=jsonld, ContextResolver=ContextResolver,
                           URDNA2015=type("_BoundedURDNA2015", (_Bounded, URDNA2015), {}))


def _options() -> dict:
    return {
        "documentLoader": load_document,
        "contextResolver": _pyld().ContextResolver({}, load_document),  # a cache for this call only
    }


def _run(function, document, options: dict):
    try:
        return function(document, options)
    except ContextNotBundled:
        raise
    except _pyld().jsonld.JsonLdError as error:
        cause = error
        while cause is not None:
            if isinstance(cause, ContextNotBundled):
                raise cause from error
            cause = cause.__cause__ or cause.__context__ or _details_cause(cause)
        raise LinkedDataError(str(getattr(error, "type", "jsonld"))) from error
    except (TypeError, ValueError, KeyError, AttributeError, RecursionError) as error:
        raise LinkedDataError(type(error).__name__) from error


def _details_cause(error):
    details = getattr(error, "details", None)
    if isinstance(details, dict):
        return details.get("cause")
    return None


class _Bounded:
    """Mixed into pyld's URDNA2015 (``_pyld``): RDFC-1.0 that gives up on "poison" graphs: highly symmetric
    blank nodes make the algorithm try every permutation. Real credentials need a handful of steps; an upload
    needing more is refused, not run."""

    MAX_STEPS = 2000
    MAX_GROUP = 6  # 6! = 720 permutations per group of related blank nodes

    def __init__(self):
        super().__init__()
        self._steps = 0

    def hash_n_degree_quads(self, id_, issuer):
        self._steps += 1
        if self._steps > self.MAX_STEPS:
            raise LinkedDataError("too complex to canonicalise")
        return super().hash_n_degree_quads(id_, issuer)

    def create_hash_to_related(self, id_, issuer):
        related = super().create_hash_to_related(id_, issuer)
        if any(len(nodes) > self.MAX_GROUP for nodes in related.values()):
            raise LinkedDataError("too complex to canonicalise")
        return related


def canonicalize(document: dict) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document, with only bundled contexts."""
    pyld = _pyld()
    dataset = _run(pyld.jsonld.JsonLdProcessor().to_rdf, document, _options())
    try:
        return pyld.URDNA2015().main(dataset, {"format": "application/n-quads"})
    except RecursionError as error:
        raise LinkedDataError("too complex to canonicalise") from error


def undefined_terms(document: dict) -> list[str]:
    """Properties and types of ``document`` that its contexts do not define. JSON-LD drops them silently, so
    a signature over the canonical form would not cover them. Empty when the document maps every term (also
    when it brings a catch-all ``@vocab``, like the undefined-terms context)."""
    contexts = document.get("@context")
    contexts = contexts if isinstance(contexts, list) else [contexts]
    if any(c == UNDEFINED_TERMS_V2 or (isinstance(c, dict) and "@vocab" in c) for c in contexts):
        return []
    probe = {**document, "@context": [*contexts, {"@vocab": _PROBE_VOCAB}]}
    expanded = _run(_pyld().jsonld.expand, probe, _options())
    found: set[str] = set()
    _collect(expanded, found)
    return sorted(found)


def _collect(value, found: set[str]) -> None:
    if isinstance(value, list):
        for item in value:
            _collect(item, found)
    elif isinstance(value, dict):
        for key, inner in value.items():
            if key.startswith(_PROBE_VOCAB):
                found.add(key.removeprefix(_PROBE_VOCAB))
            if key == "@type":
                found.update(t.removeprefix(_PROBE_VOCAB) for t in _strings(inner) if t.startswith(_PROBE_VOCAB))
            if key != "@value":
                _collect(inner, found)


def _strings(value) -> list[str]:
    return [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str)]
