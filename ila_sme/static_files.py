"""Static files as a product serves them: fingerprinted names, cached for a year, gzip and brotli.

At start the app hashes every file under ``static/`` and writes, once per content, a copy named after its
hash (``app.css`` → ``app.3f2a9c1d7e4b.css``) with its gzip and brotli forms (``whitenoise.compress``)
into ``STATIC_BUILD_FOLDER`` (by default ``<instance>/static-build``, generated, never committed). Nothing is
built by hand: a fresh clone, ``make run``, the tests and every gunicorn worker do it themselves; each file is
written to a temporary name and renamed, so workers starting together agree. WhiteNoise serves that folder in
front of Flask with ``Cache-Control: max-age=31536000, public, immutable`` and the encoding the client accepts.

``url_for('static', filename=...)`` is the one helper templates use: it yields the fingerprinted URL. A name
that is not fingerprinted (``/static/app.css``) is still served by Flask's static route, revalidated each time;
an unknown fingerprint is a 404. A file edited while the app runs gets its new name at the next page.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

from ila_sme.security import security_headers

ONE_YEAR = 365 * 24 * 60 * 60


class FingerprintedFiles(WhiteNoise):
    """WhiteNoise for a folder whose every name holds its content's hash: each file is immutable."""

    FOREVER = ONE_YEAR  # WhiteNoise's default is ten years; a year is what HTTP caches are asked to honour

    def immutable_file_test(self, path, url):
        return True


class StaticFiles:
    """The fingerprinted name of each file under ``source``, built into ``target`` and served by ``server``."""

    def __init__(self, source: Path, target: Path, prefix: str, server: FingerprintedFiles):
        self.source, self.target, self.prefix, self.server = source, target, prefix.strip("/"), server
        self.compressor = Compressor(quiet=True)
        self._names: dict[str, tuple[tuple[int, int], str]] = {}  # filename → (its stat, fingerprinted name)
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            filename = path.relative_to(source).as_posix()
            self._names[filename] = (_stat_key(path), self._build(filename))

    def name(self, filename: str) -> str:
        """``filename``'s fingerprinted name, built (and served) first if the file changed since start."""
        known = self._names.get(filename)
        if known is None:
            return filename  # not a file of static/ at start: Flask's own route answers, or 404s
        try:
            key = _stat_key(self.source / filename)
        except OSError:
            return filename
        if known[0] != key:
            known = self._names[filename] = (key, self._build(filename))
        return known[1]

    def _build(self, filename: str) -> str:
        data = (self.source / filename).read_bytes()
        digest = hashlib.sha256(data).hexdigest()[:12]
        folder, _, base = filename.rpartition("/")
        stem, dot, suffix = base.rpartition(".")
        hashed = f"{stem}.{digest}.{suffix}" if dot and stem else f"{base}.{digest}"
        hashed = f"{folder}/{hashed}" if folder else hashed
        path = self.target / hashed
        if not path.exists():  # written last: when it exists, its compressed forms do too
            path.parent.mkdir(parents=True, exist_ok=True)
            for suffix_, compressed in self._compressed(filename, data):
                _write_atomically(path.with_name(path.name + suffix_), compressed)
            _write_atomically(path, data)
        self.server.add_file_to_dictionary(f"/{self.prefix}/{hashed}", str(path))
        return hashed

    def _compressed(self, filename: str, data: bytes):
        if not data or not self.compressor.should_compress(filename):
            return
        encoders = [(".gz", self.compressor.compress_gzip)]
        if self.compressor.use_brotli:  # brotli is installed (requirements.txt)
            encoders.append((".br", self.compressor.compress_brotli))
        for suffix, compress in encoders:
            compressed = compress(data)
            if len(compressed) <= 0.95 * len(data):  # WhiteNoise's own threshold
                yield suffix, compressed


def _stat_key(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


def _write_atomically(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would keep a front server (nginx) from reading it
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def init_app(app) -> None:
    target = Path(app.config.get("STATIC_BUILD_FOLDER") or Path(app.instance_path) / "static-build")
    server = FingerprintedFiles(
        app.wsgi_app,
        allow_all_origins=False,  # served from our own host, never a CDN
        add_headers_function=lambda headers, path, url: _add_security_headers(app, headers),
    )
    files = StaticFiles(Path(app.static_folder), target, app.static_url_path, server)
    app.wsgi_app = server
    app.extensions["static_files"] = files

    @app.url_defaults
    def _fingerprinted(endpoint, values):
        if endpoint == "static" and "filename" in values:
            values["filename"] = files.name(values["filename"])


def _add_security_headers(app, headers) -> None:
    for name, value in security_headers(app).items():
        headers[name] = value
