"""Browser sign-ins: an API key is exchanged once for a session cookie, so that no page script holds a key.

The token travels only in an HttpOnly, SameSite=Strict cookie and is stored hashed. A request the cookie
authenticates must come from the server's own origin (when the browser says where it comes from), and one that
may change something must also carry the session's CSRF token in a header, which another site cannot read or
send. A session ends when it expires, is signed out, or its API key or user is deleted (the rows cascade, and
every lookup joins the key, with no cache: a deleted key stops its sessions on every server at once).

Over HTTPS (the request's scheme, or a configured https public URL behind a proxy) the cookie is Secure and
named with the __Host- prefix, which no sibling host can set; a request carrying the cookie twice (one tossed
in by another site of the same domain or host) is refused rather than resolved to either. A session manages
no keys, users, team or registry members (access.require_api_key): a stolen cookie must not become a lasting key."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse

from .. import database
from ..auth import Viewer, authenticate, hash_key
from ..errors import Forbidden, Unauthenticated, error_response
from ..tables import ApiKey, User, WebSession, utcnow

COOKIE = "runbase_session"
SECURE_COOKIE = "__Host-runbase_session"  # over HTTPS; browsers take it only Secure, host-only, for Path=/
CSRF_HEADER = "X-Runbase-CSRF"
READ_ONLY_METHODS = frozenset({"GET", "HEAD"})
TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often, not on every request
MAX_SESSIONS = 100  # per user: signing in over and over keeps the newest, so rows cannot pile up
MAX_KEY_LENGTH = 1024  # an API key is 40+ characters; anything far longer is no key
PRIVATE = {"Cache-Control": "private, no-store"}  # answers for one viewer: no shared cache keeps them


class SessionRefused(Forbidden):
    """The cookie is there but the request may not use it: no or a wrong CSRF token, or another origin."""


REFUSALS = (Unauthenticated, SessionRefused)  # what viewer() raises


def refusal(exc: Unauthenticated | SessionRefused) -> JSONResponse:
    """401 for no (or a dead) key or session, 403 for a session the request may not use."""
    return error_response(str(exc), exc.code, 403 if isinstance(exc, SessionRefused) else 401)


@dataclass(frozen=True)
class SignedIn:
    viewer: Viewer
    csrf_token: str


@dataclass(frozen=True)
class Credentials:
    """What a request offers as proof of who sends it."""

    authorization: str | None
    tokens: tuple[str, ...]  # every session cookie sent: more than one is refused
    csrf: str | None  # the CSRF header
    changes: bool  # a method that may change something: the cookie needs the CSRF header
    foreign: bool  # an Origin header naming another site

    @classmethod
    def of(cls, request: Request, public_url: str | None) -> Credentials:
        return cls(authorization=request.headers.get("authorization"),
                   tokens=session_tokens(request, cookie_name(request, public_url)),
                   csrf=request.headers.get(CSRF_HEADER), changes=request.method not in READ_ONLY_METHODS,
                   foreign=foreign_origin(request, public_url))

    @property
    def token(self) -> str | None:
        """The session cookie, when exactly one was sent."""
        return self.tokens[0] if len(self.tokens) == 1 else None


def secure(request: Request, public_url: str | None) -> bool:
    """Whether browsers reach the server over HTTPS: the request says so (uvicorn trusts X-Forwarded-Proto from
    FORWARDED_ALLOW_IPS), or the configured public URL does (a proxy uvicorn does not trust terminates TLS)."""
    return request.scope.get("scheme") == "https" or urlsplit(public_url or "").scheme.lower() == "https"


def cookie_name(request: Request, public_url: str | None) -> str:
    return SECURE_COOKIE if secure(request, public_url) else COOKIE


def session_tokens(request: Request, name: str) -> tuple[str, ...]:
    """Every value of the cookie in the request's Cookie headers (Starlette keeps only the last of several)."""
    found = []
    for header in request.headers.getlist("cookie"):
        for pair in header.split(";"):
            key, equals, value = pair.partition("=")
            if equals and key.strip() == name:
                found.append(value.strip())
    return tuple(found)


def _origin(scheme: str, netloc: str) -> str:
    """scheme://host[:port] as browsers write Origin: lower case, no default port."""
    origin = f"{scheme}://{netloc}".lower()
    for default in ("http://", ":80"), ("https://", ":443"):
        if origin.startswith(default[0]) and origin.endswith(default[1]):
            origin = origin[: -len(default[1])]
    return origin


def foreign_origin(request: Request, public_url: str | None) -> bool:
    """Whether the request says it comes from a page of another origin than this server's: the configured
    public URL when there is one (the Host header, which a proxy may pass on from anyone, is then not asked),
    else the address the browser used (scheme and Host)."""
    sent = request.headers.get("origin")
    if sent is None:
        return False
    parts = urlsplit(public_url) if public_url else request.url
    return sent.lower() != _origin(parts.scheme, parts.netloc)


def hash_token(token: str) -> str:
    # Tokens carry 256 random bits: a fast hash cannot be brute-forced, and keeps lookups cheap.
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def sign_in(session: Session, api_key: str, lifetime: timedelta) -> tuple[str, SignedIn]:
    """A new session for the key's user: its cookie token (shown only now) and what the page may know."""
    if len(api_key) > MAX_KEY_LENGTH:
        raise Unauthenticated("invalid API key")
    row = session.execute(select(ApiKey.id, User.id.label("user_id"), User.username, User.admin)
                          .join(User, User.id == ApiKey.user_id)
                          .where(ApiKey.key_hash == hash_key(api_key))).first()
    if row is None:
        raise Unauthenticated("invalid API key")
    now = utcnow()
    session.execute(delete(WebSession).where(WebSession.expires_at <= now))  # nothing else removes them
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session.add(WebSession(token_hash=hash_token(token), user_id=row.user_id, api_key_id=row.id, csrf_token=csrf,
                           created_at=now, expires_at=now + lifetime, last_seen_at=now))
    session.flush()
    newest = (select(WebSession.id).where(WebSession.user_id == row.user_id).order_by(WebSession.id.desc())
              .limit(MAX_SESSIONS))
    session.execute(delete(WebSession).where(WebSession.user_id == row.user_id, WebSession.id.not_in(newest)))
    return token, SignedIn(Viewer(user_id=row.user_id, username=row.username, admin=row.admin, by_session=True),
                           csrf)


def find(session: Session, token: str) -> SignedIn | None:
    """The live session of the token; None once it expired, was signed out, or lost its key or user."""
    now = utcnow()
    row = session.execute(
        select(WebSession.id, WebSession.csrf_token, WebSession.last_seen_at, User.id.label("user_id"),
               User.username, User.admin)
        .join(User, User.id == WebSession.user_id)
        .join(ApiKey, (ApiKey.id == WebSession.api_key_id) & (ApiKey.user_id == User.id))
        .where(WebSession.token_hash == hash_token(token), WebSession.expires_at > now)).first()
    if row is None:
        return None
    if now - row.last_seen_at >= TOUCH_EVERY and database.writable(session):  # a standby serves reads too
        session.execute(update(WebSession).where(WebSession.id == row.id).values(last_seen_at=now))
    return SignedIn(Viewer(user_id=row.user_id, username=row.username, admin=row.admin, by_session=True),
                    row.csrf_token)


def sign_out(session: Session, token: str) -> None:
    session.execute(delete(WebSession).where(WebSession.token_hash == hash_token(token)))


def signed_in(session: Session, credentials: Credentials) -> SignedIn:
    """The cookie's session, refused from another origin or, for a change, without its CSRF token."""
    if credentials.foreign:
        raise SessionRefused("the request comes from another origin (its Origin header is not this server's)")
    if len(credentials.tokens) > 1:
        raise Unauthenticated("the request carries more than one session cookie (another site of this domain may "
                              "have set one): clear this site's cookies and sign in again")
    found = find(session, credentials.token) if credentials.token else None
    if found is None:
        raise Unauthenticated("not signed in, or the session ended (signed out, expired, or its API key was "
                              "deleted): sign in again")
    if credentials.changes and not (
            credentials.csrf is not None
            and hmac.compare_digest(credentials.csrf.encode("utf-8", "surrogateescape"), found.csrf_token.encode())):
        raise SessionRefused(f"a request signed in by the session cookie needs the header {CSRF_HEADER} with the "
                             "session's CSRF token (GET /api/session tells it)")
    return found


def viewer(session: Session, credentials: Credentials) -> Viewer:
    """Who sends the request: an Authorization header always wins (the SDK's way, needing no CSRF token);
    else the session cookie, under signed_in's rules."""
    if credentials.authorization or not credentials.tokens:
        return authenticate(session, credentials.authorization)
    return signed_in(session, credentials).viewer
