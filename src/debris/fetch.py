"""Download current element sets (CelesTrak GP, Space-Track) safely.

The only part of debris that touches the network, and only when asked (``debris fetch``).

* Requests identify the tool (User-Agent), time out, and are retried with exponential
  backoff on timeouts, connection errors, HTTP 429 and 5xx (``Retry-After`` is honoured);
  other HTTP errors are reported at once.
* Rate limits: CelesTrak updates GP data about every 2 hours and asks clients not to
  download the same data more often; a fresh-enough local copy is reused unless ``force``.
  Space-Track allows 30 requests per minute and 300 per hour; debris makes two (login, query).
* A download is validated before it replaces anything: it must parse with no rejected record
  (broken checksums, truncated lines), hold at least ``min_objects`` objects and, when a
  previous copy exists, at least ``min_fraction`` of its count. The file is then written
  atomically; a failed, truncated or implausible download never destroys the last good data.
"""

from __future__ import annotations

import datetime as dt
import http.client
import http.cookiejar
import netrc
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ._version import __version__
from .catalog import Catalog
from .errors import DebrisError, FetchError, InputError
from .io.files import atomic_write

__all__ = ["FetchError", "FetchResult", "celestrak_url", "download", "fetch_celestrak",
           "fetch_spacetrack", "spacetrack_credentials", "USER_AGENT", "CELESTRAK_GP"]

CELESTRAK_GP = "https://celestrak.org/NORAD/elements/gp.php"
SPACETRACK = "https://www.space-track.org"
USER_AGENT = (f"debris/{__version__} (space-debris toolkit; Python urllib; "
              "https://pypi.org/project/debris)")
#: CelesTrak refreshes GP data about every 2 hours.
CELESTRAK_MIN_AGE_S = 2 * 3600.0
_FORMATS = {"tle": "TLE", "3le": "3LE", "json": "JSON", "csv": "CSV", "xml": "XML"}


@dataclass
class FetchResult:
    path: Path
    url: str
    objects: int
    fetched_utc: str
    reused: bool = False
    catalog: Catalog | None = None


def celestrak_url(*, group: str | None = None, catnr=None, fmt: str = "tle",
                  base: str = CELESTRAK_GP) -> str:
    """The GP query URL for a group (``active``, ``stations``, ``cosmos-2251-debris`` ...) or
    catalogue numbers."""
    if fmt not in _FORMATS:
        raise InputError(f"format {fmt!r}: expected one of {', '.join(_FORMATS)}")
    if (group is None) == (catnr is None):
        raise InputError("give either a group or catalogue numbers")
    query = {"FORMAT": _FORMATS[fmt]}
    if group is not None:
        query["GROUP"] = group
    else:
        ids = [catnr] if isinstance(catnr, (int, str)) else list(catnr)
        query["CATNR"] = ",".join(str(int(i)) for i in ids)
    return f"{base}?{urllib.parse.urlencode(query)}"


def download(url: str, *, timeout: float = 30.0, retries: int = 3, backoff_s: float = 2.0,
             opener=None, data: bytes | None = None) -> bytes:
    """GET (or POST `data`) with a timeout, retries and backoff; returns the body.

    Raises
    ------
    FetchError
        Saying what happened (timeout, HTTP status, connection error, truncated body).
    """
    opener = opener or urllib.request.build_opener()
    last = "no attempt"
    for attempt in range(1, retries + 1):
        request = urllib.request.Request(url, data=data, headers={"User-Agent": USER_AGENT})
        wait = backoff_s * 2 ** (attempt - 1)
        try:
            with opener.open(request, timeout=timeout) as response:
                body = response.read()
                length = response.headers.get("Content-Length")
                if length is not None and int(length) != len(body):
                    raise FetchError(f"{url}: truncated download ({len(body)} of {length} "
                                     "bytes)")
                return body
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code} {exc.reason}"
            if exc.code != 429 and exc.code < 500:
                raise FetchError(f"{url}: {last}") from None
            retry_after = exc.headers.get("Retry-After") if exc.headers else None
            if retry_after and retry_after.isdigit():
                wait = max(wait, float(retry_after))
        except (TimeoutError, OSError) as exc:  # socket timeouts, refused, DNS, resets
            reason = getattr(exc, "reason", exc)
            last = ("timed out after %g s" % timeout if isinstance(reason, TimeoutError)
                    or "timed out" in str(reason) else f"connection failed ({reason})")
        except http.client.IncompleteRead as exc:
            last = f"truncated download ({len(exc.partial)} bytes received)"
        if attempt < retries:
            time.sleep(wait)
    raise FetchError(f"{url}: {last} ({retries} attempt{'s' if retries > 1 else ''})")


def _validate(body: bytes, fmt: str, url: str, previous: int | None, min_objects: int,
              min_fraction: float) -> Catalog:
    text = body.decode("utf-8", errors="replace")
    if not text.strip():
        raise FetchError(f"{url}: empty response")
    if text.lstrip().lower().startswith(("<!doctype html", "<html")) or "No GP data found" in text:
        raise FetchError(f"{url}: the server sent an error page or no data, not element sets: "
                         f"{text.strip()[:120]!r}")
    try:
        catalog = Catalog.from_text(text, source=url)
    except DebrisError as exc:
        raise FetchError(f"{url}: not readable as {fmt.upper()}: {exc}") from None
    if catalog.rejected:
        first = catalog.rejected[0]
        raise FetchError(f"{url}: {len(catalog.rejected)} record(s) rejected (truncated or "
                         f"corrupted download?), first: {first}")
    if len(catalog) < min_objects:
        raise FetchError(f"{url}: only {len(catalog)} object(s), expected at least "
                         f"{min_objects}")
    if previous and len(catalog) < min_fraction * previous:
        raise FetchError(f"{url}: {len(catalog)} objects against {previous} in the last good "
                         f"copy: implausible drop, kept the old data")
    return catalog


def _store(path: Path, body: bytes, url: str, fmt: str, *, min_objects: int,
           min_fraction: float, archive, source: str) -> FetchResult:
    previous = None
    if path.exists():
        try:
            previous = len(Catalog.from_file(path))
        except DebrisError:
            previous = None
    catalog = _validate(body, fmt, url, previous, min_objects, min_fraction)
    with atomic_write(path, "wb") as handle:
        handle.write(body)
    fetched = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if archive is not None:
        archive.add(catalog, source=source, url=url, fetched_utc=fetched)
    return FetchResult(path, url, len(catalog), fetched, catalog=catalog)


def fetch_celestrak(path, *, group: str | None = None, catnr=None, fmt: str = "tle",
                    base: str = CELESTRAK_GP, force: bool = False, timeout: float = 30.0,
                    retries: int = 3, backoff_s: float = 2.0, min_objects: int = 1,
                    min_fraction: float = 0.9, archive=None,
                    min_age_s: float = CELESTRAK_MIN_AGE_S) -> FetchResult:
    """Download from CelesTrak GP into `path` (validated, atomic); optionally archive it.

    A copy younger than `min_age_s` is reused unless `force` (CelesTrak's request).
    """
    path = Path(path)
    url = celestrak_url(group=group, catnr=catnr, fmt=fmt, base=base)
    if path.exists() and not force and time.time() - path.stat().st_mtime < min_age_s:
        return FetchResult(path, url, len(Catalog.from_file(path)),
                           dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc)
                           .strftime("%Y-%m-%dT%H:%M:%SZ"), reused=True)
    body = download(url, timeout=timeout, retries=retries, backoff_s=backoff_s)
    return _store(path, body, url, fmt, min_objects=min_objects, min_fraction=min_fraction,
                  archive=archive, source="celestrak")


def spacetrack_credentials(env=None, netrc_path=None) -> tuple[str, str] | None:
    """(user, password) from SPACETRACK_USER/SPACETRACK_PASSWORD or ``~/.netrc``
    (machine www.space-track.org or space-track.org), else None."""
    env = os.environ if env is None else env
    if env.get("SPACETRACK_USER") and env.get("SPACETRACK_PASSWORD"):
        return env["SPACETRACK_USER"], env["SPACETRACK_PASSWORD"]
    try:
        rc = netrc.netrc(netrc_path)
    except (FileNotFoundError, netrc.NetrcParseError, OSError):
        return None
    for host in ("www.space-track.org", "space-track.org"):
        auth = rc.authenticators(host)
        if auth:
            return auth[0], auth[2]
    return None


def fetch_spacetrack(path, *, query: str = "class/gp/decay_date/null-val/epoch/%3Enow-10/"
                     "orderby/norad_cat_id/format/3le", fmt: str = "3le",
                     base: str = SPACETRACK, credentials=None, timeout: float = 60.0,
                     retries: int = 3, backoff_s: float = 5.0, min_objects: int = 1,
                     min_fraction: float = 0.9, archive=None) -> FetchResult:
    """Log in to Space-Track and run one ``basicspacedata/query`` (default: the current GP
    catalogue as 3LE), validated and written atomically like CelesTrak downloads."""
    credentials = credentials or spacetrack_credentials()
    if credentials is None:
        raise FetchError("Space-Track needs credentials: set SPACETRACK_USER and "
                         "SPACETRACK_PASSWORD, or add 'machine www.space-track.org login USER "
                         "password PASS' to ~/.netrc")
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    login = urllib.parse.urlencode({"identity": credentials[0],
                                    "password": credentials[1]}).encode()
    answer = download(f"{base}/ajaxauth/login", data=login, opener=opener, timeout=timeout,
                      retries=retries, backoff_s=backoff_s)
    if b"Failed" in answer[:200]:
        raise FetchError(f"{base}: login refused for user {credentials[0]!r}")
    url = f"{base}/basicspacedata/query/{query}"
    body = download(url, opener=opener, timeout=timeout, retries=retries, backoff_s=backoff_s)
    return _store(Path(path), body, url, fmt, min_objects=min_objects,
                  min_fraction=min_fraction, archive=archive, source="space-track")
