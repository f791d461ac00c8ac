"""Single sign-on with a school's or council's own accounts: OpenID Connect (issue 23).

The authorization code flow with PKCE (S256), `state` and `nonce`, against the provider at OIDC_ISSUER:
its metadata comes from `<issuer>/.well-known/openid-configuration` (OpenID Connect Discovery 1.0, cached
for DISCOVERY_SECONDS), its signing keys from the metadata's `jwks_uri`. Authlib's requests client
(`OAuth2Session`) builds the authorization address (the PKCE challenge from the verifier) and redeems the
code at the token endpoint with the client secret; the ID token it returns is then checked here, claim by
claim, with joserfc (Authlib's JOSE library; `authlib.jose` is deprecated in its favour): signature by a
key of the provider's JWKS with an asymmetric algorithm the provider announces, issuer, audience (and `azp`
when there are several), expiry and issue time against `now()` with LEEWAY, nonce. Authlib's Flask client
would do much of this itself, but with its own clock and its own choice of what to check; here every check
is ours to name in the audit trail, and the clock is `now()`, which the tests set.

A signed-in identity is matched to an existing active account by its email address, only when the provider
says the address is verified: `email_verified` true, or for Entra ID (which sends no `email_verified`) its
optional claim `xms_edov` true, "the email's domain is one this tenant has verified": the tenant's own
administrators gave out the address. No account is ever made from a sign-in. Where the setting
OIDC_REQUIRE_HOSTED_DOMAIN is on (by default for Google's issuer) the ID token's `hd` must also be the address's
domain: anyone can make a personal Google account with a work address and have Google verify it, and only an
account of the organisation's own Google Workspace carries `hd`.
"""
from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from ..models import User, db

SCOPE = "openid email"
# Seconds of clock difference between the provider and us allowed on `exp` and `iat`: a minute, as
# most relying parties allow; an ID token lives minutes to an hour, and it is used once, at once.
LEEWAY = 60
# The provider's metadata and keys are fetched again after an hour (a key rotated in is also fetched
# at once when a token names a key we do not have).
DISCOVERY_SECONDS = 3600
# A sign-in waits this long for the provider at most (each of discovery, keys, token), then says so.
HTTP_TIMEOUT = 10
# A sign-in started and not finished within this time is refused (the provider's own pages take a
# person a minute or two; an hour covers a password reset at the provider on the way).
PENDING_SECONDS = 3600
# Only signatures by the provider's published public keys: never "none", never HS256 (the client
# secret as a key, which anyone holding the secret could forge with).
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")

# Which `amr` (Authentication Methods References, RFC 8176) show that the provider checked more than one
# factor. "mfa" says so outright (RFC 8176 §2). Otherwise one possession factor together with one
# knowledge or inherence factor does: a password and a one-time code (["pwd", "otp"]), a device key
# unlocked by a PIN or a fingerprint (["hwk", "pin"], ["swk", "fpt"]). One factor alone does not, however
# strong ("hwk", "otp"), nor two of the same kind (["pwd", "kba"]). Names outside RFC 8176 (a vendor's own)
# count for nothing. Neither Google's ID tokens nor Entra ID's v2.0 ones carry `amr` at all; Okta's, Keycloak's and
# many others' do.
POSSESSION = frozenset({"hwk", "swk", "otp", "sms", "tel", "sc", "pop"})
KNOWLEDGE_OR_INHERENCE = frozenset({"pwd", "pin", "kba", "fpt", "face", "iris", "retina", "vbm"})


def asserts_mfa(amr) -> bool:
    """Whether an ID token's `amr` says more than one factor was checked (see POSSESSION)."""
    if not isinstance(amr, list) or not all(isinstance(value, str) for value in amr):
        return False
    methods = set(amr)
    return "mfa" in methods or bool(methods & POSSESSION and methods & KNOWLEDGE_OR_INHERENCE)


def now() -> float:
    """The time ID tokens are checked against (the tests set it)."""
    return time.time()


class Refused(Exception):
    """A sign-in that does not go ahead. `reason` is a short name for the audit trail; `email_domain`
    the domain of the address the provider gave, where it gave one (never the whole address)."""

    def __init__(self, reason: str, email_domain: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.email_domain = email_domain


@dataclass(frozen=True)
class Settings:
    issuer: str
    client_id: str
    client_secret: str
    redirect_uri: str


def configured(config) -> bool:
    """SSO is offered only when the issuer, the client id and the client secret are all set."""
    return bool(config.get("OIDC_ISSUER") and config.get("OIDC_CLIENT_ID") and config.get("OIDC_CLIENT_SECRET"))


def settings(config) -> Settings:
    # The address the provider sends the browser back to comes from SERVICE_URL, never from the request's
    # Host header; it must be registered with the provider exactly so.
    return Settings(config["OIDC_ISSUER"], config["OIDC_CLIENT_ID"], config["OIDC_CLIENT_SECRET"],
                    config["SERVICE_URL"] + "/sign-in/sso/callback")


@dataclass(frozen=True)
class Identity:
    """What a checked ID token says about who signed in."""
    subject: str
    email: str | None
    email_verified: bool
    amr: tuple[str, ...]
    hosted_domain: str | None = None  # Google Workspace's `hd`

    @property
    def email_domain(self) -> str | None:
        return self.email.rpartition("@")[2].lower() if self.email and "@" in self.email else None

    @property
    def mfa(self) -> bool:
        return asserts_mfa(list(self.amr))


# --- the provider's metadata and keys -----------------------------------------------------------------

_cache: dict[str, tuple[float, dict]] = {}
_cache_lock = threading.Lock()


def _get_json(url: str) -> dict:
    try:
        response = requests.get(url, timeout=HTTP_TIMEOUT, headers={"Accept": "application/json"})
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError):
        raise Refused("provider_unreachable") from None
    if not isinstance(document, dict):
        raise Refused("provider_unreachable")
    return document


def _cached(key: str, fetch, *, force: bool = False) -> dict:
    with _cache_lock:
        hit = _cache.get(key)
    if hit and not force and time.monotonic() - hit[0] < DISCOVERY_SECONDS:
        return hit[1]
    value = fetch()
    with _cache_lock:
        _cache[key] = (time.monotonic(), value)
    return value


def forget_cache() -> None:
    with _cache_lock:
        _cache.clear()


def discover(issuer: str) -> dict:
    """The provider's metadata (cached). Its `issuer` must be the one configured, exactly (Discovery
    §4.3): a document that names another issuer is someone else's."""
    def fetch():
        document = _get_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
        if document.get("issuer") != issuer:
            raise Refused("issuer")
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(document.get(name), str) or urlsplit(document[name]).scheme not in ("http", "https"):
                raise Refused("provider_unreachable")
        return document
    return _cached("metadata " + issuer, fetch)


def _keys(metadata: dict, *, force: bool = False) -> KeySet:
    document = _cached("jwks " + metadata["jwks_uri"], lambda: _get_json(metadata["jwks_uri"]), force=force)
    try:
        return KeySet.import_key_set(document)
    except (JoseError, ValueError, TypeError, KeyError):
        raise Refused("signature") from None


# --- the flow ---------------------------------------------------------------------------------------

def _client(settings: Settings) -> OAuth2Session:
    return OAuth2Session(settings.client_id, settings.client_secret, scope=SCOPE, redirect_uri=settings.redirect_uri,
                         token_endpoint_auth_method="client_secret_basic", code_challenge_method="S256")


def begin(settings: Settings) -> tuple[str, dict]:
    """The address to send the browser to, and what to keep until it comes back (in the signed session
    cookie: the browser may read it, and may not change it). The PKCE verifier is only useful with a code
    issued for this very request, which only this browser receives."""
    metadata = discover(settings.issuer)
    pending = {"state": secrets.token_urlsafe(32), "nonce": secrets.token_urlsafe(32),
               "verifier": secrets.token_urlsafe(64), "at": int(now())}
    url, _ = _client(settings).create_authorization_url(
        metadata["authorization_endpoint"], state=pending["state"], nonce=pending["nonce"],
        code_verifier=pending["verifier"])
    return url, pending


def _same(given, expected) -> bool:
    return (isinstance(given, str) and isinstance(expected, str)
            and hmac.compare_digest(given.encode(), expected.encode()))


def complete(settings: Settings, pending, args) -> Identity:
    """The browser is back from the provider with `args` (the callback's query): check it against what
    `begin` kept, redeem the code, check the ID token. Refused otherwise."""
    if not isinstance(pending, dict) or not isinstance(pending.get("at"), int):
        raise Refused("no_sign_in_started")
    if not _same(args.get("state"), pending.get("state")):
        raise Refused("state")
    if not 0 <= now() - pending["at"] < PENDING_SECONDS:
        raise Refused("sign_in_too_old")
    if args.get("error"):
        raise Refused("provider_error")  # the person cancelled, or the provider would not sign them in
    # RFC 9207: a provider that names itself in the response must be ours (a mix-up attack otherwise).
    if "iss" in args and args.get("iss") != settings.issuer:
        raise Refused("issuer")
    code = args.get("code")
    if not code or not isinstance(code, str) or len(code) > 2048:
        raise Refused("code")
    metadata = discover(settings.issuer)
    try:
        token = _client(settings).fetch_token(metadata["token_endpoint"], code=code, code_verifier=pending["verifier"],
                                              grant_type="authorization_code", timeout=HTTP_TIMEOUT)
    except Exception:  # the provider refused the code (used, expired, another client's) or did not answer
        raise Refused("token") from None
    id_token = token.get("id_token") if isinstance(token, dict) else None
    if not isinstance(id_token, str):
        raise Refused("token")
    claims = verify_id_token(id_token, metadata, settings.client_id, pending.get("nonce"))
    if "email" not in claims:
        claims = {**claims, **_userinfo(metadata, token, claims["sub"])}
    email = claims.get("email") if isinstance(claims.get("email"), str) else None
    amr = claims.get("amr") if isinstance(claims.get("amr"), list) else []
    verified = claims.get("email_verified") is True or claims.get("xms_edov") is True
    hosted_domain = claims.get("hd") if isinstance(claims.get("hd"), str) else None
    return Identity(subject=str(claims.get("sub")), email=email, email_verified=verified,
                    amr=tuple(value for value in amr if isinstance(value, str)), hosted_domain=hosted_domain)


def _userinfo(metadata: dict, token: dict, subject: str) -> dict:
    """The email claims from the userinfo endpoint, for a provider that keeps them out of the ID token (the
    code flow's default in OpenID Connect Core §5.4). Only if it is about the ID token's subject (§5.3.2)."""
    endpoint, access_token = metadata.get("userinfo_endpoint"), token.get("access_token")
    if not isinstance(endpoint, str) or not isinstance(access_token, str):
        return {}
    try:
        response = requests.get(endpoint, timeout=HTTP_TIMEOUT, headers={"Authorization": f"Bearer {access_token}",
                                                                          "Accept": "application/json"})
        response.raise_for_status()
        info = response.json()
    except (requests.RequestException, ValueError):
        raise Refused("provider_unreachable") from None
    if not isinstance(info, dict) or info.get("sub") != subject:
        raise Refused("subject")
    return {name: info[name] for name in ("email", "email_verified", "xms_edov", "hd") if name in info}


def verify_id_token(id_token: str, metadata: dict, client_id: str, nonce: str | None) -> dict:
    """The ID token's claims once its signature, issuer, audience, expiry and nonce are checked
    (OpenID Connect Core §3.1.3.7); Refused naming the first that fails."""
    algorithms = [a for a in metadata.get("id_token_signing_alg_values_supported") or ["RS256"] if a in ALGORITHMS]
    try:
        token = jwt.decode(id_token, _keys(metadata), algorithms=algorithms)
    except InvalidKeyIdError:
        try:  # a key the provider rotated in since we fetched its keys
            token = jwt.decode(id_token, _keys(metadata, force=True), algorithms=algorithms)
        except (JoseError, ValueError, TypeError):
            raise Refused("signature") from None
    except (JoseError, ValueError, TypeError):
        raise Refused("signature") from None
    claims = token.claims
    if claims.get("iss") != metadata["issuer"]:
        raise Refused("issuer")
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if client_id not in audiences or (len(audiences) > 1 and claims.get("azp") != client_id):
        raise Refused("audience")
    at = now()
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, (int, float)) or isinstance(exp, bool) or at > exp + LEEWAY:
        raise Refused("expired")
    if not isinstance(iat, (int, float)) or isinstance(iat, bool) or iat > at + LEEWAY:
        raise Refused("issued_in_future")
    if not _same(claims.get("nonce"), nonce):
        raise Refused("nonce")
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise Refused("subject")
    return claims


def match(identity: Identity, *, require_hosted_domain: bool = False) -> User:
    """The existing active account with the identity's verified email address; Refused otherwise. An
    unverified address is refused before any account is looked up, and "no such account" and "not
    active" are one refusal: the person learns nothing about accounts but their own address's."""
    if not identity.email or "@" not in identity.email:
        raise Refused("no_email")
    if not identity.email_verified:
        raise Refused("email_not_verified", identity.email_domain)
    if require_hosted_domain and (identity.hosted_domain or "").lower() != identity.email_domain:
        raise Refused("not_hosted_domain", identity.email_domain)
    user = db.session.scalar(db.select(User).filter_by(email=identity.email.strip().lower()))
    if user is None or not user.active:
        raise Refused("no_account", identity.email_domain)
    return user
