"""Fetching against a local HTTP server started here (no network), and the archive.

The server serves real element files from tle/ and tests/data/ and misbehaves on request:
too slow (timeout), HTTP errors, a truncated body, broken checksums. In every failure the
previous file stays as it was and the message says what happened.
"""

import http.server
import os
import threading
import time
import urllib.parse
from pathlib import Path

import pytest

from debris import Catalog
from debris.archive import Archive, ArchiveError
from debris.cli import main
from debris.fetch import FetchError, celestrak_url, fetch_celestrak, fetch_spacetrack

ROOT = Path(__file__).parent.parent
IRIDIUM = (ROOT / "tle" / "iridium33_cosmos2251_2009-02-10_original_elset.3le").read_bytes()
OMM_CSV = (Path(__file__).parent / "data" / "celestrak_sample.omm.csv").read_bytes()


class _Handler(http.server.BaseHTTPRequestHandler):
    mode = "ok"
    requests = []

    def log_message(self, *args):  # quiet
        pass

    def _send(self, code, body, length=None, headers=()):
        self.send_response(code)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        for key, value in headers:
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):  # Space-Track login
        length = int(self.headers.get("Content-Length", 0))
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        type(self).requests.append(("POST", self.path, self.headers.get("User-Agent")))
        ok = form.get("identity") == ["user"] and form.get("password") == ["secret"]
        self._send(200, b'""' if ok else b'{"Login":"Failed"}',
                   headers=[("Set-Cookie", "chocolatechip=1; Path=/")] if ok else [])

    def do_GET(self):
        type(self).requests.append(("GET", self.path, self.headers.get("User-Agent")))
        query = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        mode = type(self).mode
        body = OMM_CSV if query.get("FORMAT") == ["CSV"] else IRIDIUM
        if self.path.startswith("/basicspacedata"):
            if "chocolatechip=1" not in (self.headers.get("Cookie") or ""):
                return self._send(401, b"not logged in")
        if mode == "slow":
            time.sleep(1.5)
            return self._send(200, body)
        if mode == "500":
            return self._send(500, b"server error")
        if mode == "404":
            return self._send(404, b"not found")
        if mode == "truncated":
            return self._send(200, body[: len(body) // 2], length=len(body))
        if mode == "cut-line":  # a complete response holding a cut-off file
            return self._send(200, body[:-40])
        if mode == "checksum":
            text = body.decode()
            line = next(ln for ln in text.splitlines() if ln.startswith("1 "))
            broken = line[:-1] + str((int(line[-1]) + 1) % 10)
            return self._send(200, text.replace(line, broken).encode())
        if mode == "html":
            return self._send(200, b"<html><body>No GP data found</body></html>")
        return self._send(200, body)


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    _Handler.mode = "ok"
    _Handler.requests = []
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def _fetch(server, path, **kw):
    kw.setdefault("group", "test")
    return fetch_celestrak(path, base=f"{server}/gp.php", force=True, timeout=0.5, retries=2,
                           backoff_s=0.01, **kw)


def test_fetch_validates_writes_and_archives(server, tmp_path):
    out = tmp_path / "elements.tle"
    with Archive(tmp_path / "archive.sqlite") as archive:
        result = _fetch(server, out, archive=archive)
        assert result.objects == 2 and out.read_bytes() == IRIDIUM
        assert archive.fetches()[0]["objects"] == 2
        assert len(archive.catalog_for("2009-02-10T00:00:00Z")) == 2
    method, path, agent = _Handler.requests[0]
    assert path == "/gp.php?FORMAT=TLE&GROUP=test" and agent.startswith("debris/")
    csv = _fetch(server, tmp_path / "sample.csv", fmt="csv")
    assert csv.objects == len(Catalog.from_file(tmp_path / "sample.csv")) > 0


@pytest.mark.parametrize("mode, message", [
    ("slow", "timed out after 0.5 s (2 attempts)"),
    ("500", "HTTP 500"),
    ("404", "HTTP 404"),
    ("truncated", "truncated download"),
    ("cut-line", "record(s) rejected"),
    ("checksum", "checksum"),
    ("html", "error page or no data"),
])
def test_failed_downloads_keep_the_previous_data(server, tmp_path, mode, message):
    out = tmp_path / "elements.tle"
    out.write_bytes(IRIDIUM)
    before = out.stat().st_mtime_ns
    _Handler.mode = mode
    with pytest.raises(FetchError, match=message.replace("(", r"\(").replace(")", r"\)")):
        _fetch(server, out)
    assert out.read_bytes() == IRIDIUM and out.stat().st_mtime_ns == before
    assert sorted(os.listdir(tmp_path)) == ["elements.tle"]  # no temporary left behind


def test_retries_then_gives_up_on_server_errors_only(server, tmp_path):
    _Handler.mode = "500"
    with pytest.raises(FetchError):
        _fetch(server, tmp_path / "x.tle")
    assert len(_Handler.requests) == 2  # retried
    _Handler.requests = []
    _Handler.mode = "404"
    with pytest.raises(FetchError):
        _fetch(server, tmp_path / "x.tle")
    assert len(_Handler.requests) == 1  # a client error is not retried


def test_implausible_count_is_refused(server, tmp_path):
    out = tmp_path / "elements.csv"
    out.write_bytes(OMM_CSV)
    with pytest.raises(FetchError, match="implausible drop"):
        _fetch(server, out)  # the 2-object TLE file against the larger previous copy
    assert out.read_bytes() == OMM_CSV


def test_recent_copy_is_reused_without_a_request(server, tmp_path):
    out = tmp_path / "elements.tle"
    out.write_bytes(IRIDIUM)
    result = fetch_celestrak(out, group="test", base=f"{server}/gp.php")
    assert result.reused and _Handler.requests == []


def test_spacetrack_login_and_query(server, tmp_path, monkeypatch):
    out = tmp_path / "st.3le"
    result = fetch_spacetrack(out, base=server, credentials=("user", "secret"), retries=1,
                              backoff_s=0.01)
    assert result.objects == 2
    assert [r[0] for r in _Handler.requests] == ["POST", "GET"]
    with pytest.raises(FetchError, match="login refused"):
        fetch_spacetrack(out, base=server, credentials=("user", "wrong"), retries=1)
    monkeypatch.delenv("SPACETRACK_USER", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.netrc
    with pytest.raises(FetchError, match="SPACETRACK_USER"):
        fetch_spacetrack(out, base=server)
    (tmp_path / ".netrc").write_text("machine www.space-track.org login user password secret\n")
    os.chmod(tmp_path / ".netrc", 0o600)
    assert fetch_spacetrack(out, base=server, retries=1).objects == 2  # from ~/.netrc


def test_celestrak_url():
    assert celestrak_url(catnr=[25544, 20580], fmt="json").endswith(
        "gp.php?FORMAT=JSON&CATNR=25544%2C20580")
    with pytest.raises(ValueError, match="either a group"):
        celestrak_url(fmt="tle")


def test_archive_history_flags_manoeuvres_and_decay(tmp_path, bundled):
    from sgp4.api import WGS72, Satrec

    iss = bundled.satrecs[bundled.index_of(25544)]
    sats = []
    for day, n in enumerate([15.50, 15.5002, 15.5004, 15.46, 15.4602, 16.30]):
        s = Satrec()
        s.sgp4init(WGS72, "i", 25544, iss.jdsatepoch - 2433281.5 + day, iss.bstar, 0.0, 0.0,
                   0.0005 if n < 16 else 0.01, iss.argpo, iss.inclo, iss.mo,
                   n / 720.0 * 3.141592653589793, iss.nodeo)
        sats.append(s)
    with Archive(tmp_path / "a.sqlite") as archive:
        for k, s in enumerate(sats):
            archive.add(Catalog.from_satrecs([s], names=["ISS"]), source="test",
                        fetched_utc=f"2024-11-0{k + 1}T00:00:00Z")
        archive.add(Catalog.from_satrecs([sats[0]], names=["ISS"]), source="again")
        history = archive.history(25544)
        assert len(history) == 6  # the repeated set is stored once
        assert history["manoeuvre"].tolist() == [False, False, False, True, False, True]
        assert history["decaying"].tolist() == [False] * 5 + [True]
        with pytest.raises(ArchiveError, match="NORAD 5"):
            archive.history(5)


def test_cli_fetch_and_history(server, tmp_path, capsys):
    out = tmp_path / "e.tle"
    db = tmp_path / "a.sqlite"
    code = main(["fetch", "--group", "test", "--output", str(out), "--archive", str(db),
                 "--base-url", f"{server}/gp.php", "--retries", "1"])
    err = capsys.readouterr().err
    assert code == 0 and "2 objects from" in err
    code = main(["catalog", "history", "24946", "--archive", str(db), "--format", "json"])
    assert code == 0 and '"epoch_utc": "2009-02-09T18:49:39' in capsys.readouterr().out
    code = main(["catalog", "info", "--archive", str(db), "--date", "2009-02-10"])
    assert code == 0 and "objects:          2" in capsys.readouterr().out
    _Handler.mode = "404"
    code = main(["fetch", "--group", "test", "--output", str(out), "--archive", str(db),
                 "--base-url", f"{server}/gp.php", "--force", "--retries", "1"])
    assert code == 2 and "HTTP 404" in capsys.readouterr().err
