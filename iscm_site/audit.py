"""Audit log lines: one line per security-relevant event, on the logger `iscm.audit`.

Call it from wherever something worth auditing happens::

    from iscm_site.audit import audit

    audit("import.applied", request=request, source="profiles.xlsx", created=3, updated=12)
    audit("publish", user=request.user, mechanism="almaty-process")
    audit("refused", request=request, reason="no publish permission", mechanism=slug)

`audit(event, *, user=None, request=None, **fields)` writes, at INFO, one line::

    event=import.applied user=alice ip=203.0.113.5 source=profiles.xlsx created=3 updated=12

- `event`: a short dotted name, lower case (`login.failed`, `import.applied`, `publish`).
- `user`: a user object (its username is written) or a username string. If left out and
  `request` is given, the signed-in user of the request (if any).
- `request`: when given, its client address is written as `ip=` (see `client_ip`).
- `**fields`: anything else, in the order given. Values are written with `str()`;
  `None` values are left out; `True`/`False` are written `yes`/`no`.

Each event is always exactly one line, whatever the values hold: a value with spaces,
quotes, `=` or nothing at all is written in double quotes (`reason="no publish
permission"`), and backslashes, quotes, newlines and every other control or invisible
character are escaped (`\\n`, `\\"`, `\\u2028`…). A value longer than 200 characters is
cut (`…[+N chars]`).

Never pass passwords, session ids, tokens, cookies or file contents. As a safety net, a
field whose name contains `password`, `secret`, `token`, `session`, `csrf`, `cookie` or
`authorization` is written as `[redacted]`.

Events written here, one line per login attempt: `login.succeeded`; `login.failed` (the
username typed, never the password); `login.locked_out`, instead of `login.failed`, with
`lockout=new failures=N` for the failure that reached the limit and `lockout=ongoing` for
each attempt refused while locked (not counted, password not checked). The receivers are
connected by `iscm_site.apps.SiteConfig.ready()`.

`client_ip(request)` is the client address the site trusts: REMOTE_ADDR, unless
`TRUSTED_PROXY_COUNT` proxies sit in front and append to X-Forwarded-For (README, "Login
throttling"). `throttled_address(request)` is the address django-axes counts failures
against (the same, with an IPv6 address widened to its /64).
"""

import ipaddress
import logging

from django.conf import settings
from django.http import HttpRequest

logger = logging.getLogger("iscm.audit")

MAX_VALUE_CHARS = 200
SENSITIVE_NAMES = ("password", "secret", "token", "session", "csrf", "cookie", "authorization")
ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape_char(char: str) -> str:
    if char in ESCAPES:
        return ESCAPES[char]
    if char.isprintable():  # False for controls, line and paragraph separators, NBSP…
        return char
    code = ord(char)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def format_value(value: object) -> str:
    """`value` as one token of a log line: escaped, and quoted when it needs to be."""
    if value is True or value is False:
        return "yes" if value else "no"
    text = str(value)
    if len(text) > MAX_VALUE_CHARS:
        text = f"{text[:MAX_VALUE_CHARS]}…[+{len(text) - MAX_VALUE_CHARS} chars]"
    escaped = "".join(escape_char(char) for char in text)
    if not text or escaped != text or any(char in text for char in ' ="'):
        return f'"{escaped}"'
    return escaped


def format_line(event: str, fields: dict[str, object]) -> str:
    """`event=<event> key=value…`, skipping None values and redacting sensitive names."""
    parts = [f"event={format_value(event)}"]
    for key, value in fields.items():
        if value is None:
            continue
        if any(name in key.lower() for name in SENSITIVE_NAMES):
            value = "[redacted]"
        parts.append(f"{key}={format_value(value)}")
    return " ".join(parts)


def audit(event: str, *, user=None, request: HttpRequest | None = None, **fields) -> None:
    """Write one `iscm.audit` line for `event` (see the module docstring)."""
    if user is None and request is not None:
        request_user = getattr(request, "user", None)
        if request_user is not None and request_user.is_authenticated:
            user = request_user
    if user is not None and not isinstance(user, str):
        user = user.get_username()
    head = {"user": user}
    if request is not None and "ip" not in fields:
        head["ip"] = client_ip(request)
    logger.info("%s", format_line(event, {**head, **fields}))


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or X-Forwarded-For behind trusted proxies.

    With `TRUSTED_PROXY_COUNT = n > 0`, each of the n proxies appends the address it
    received the request from to X-Forwarded-For, so the n-th entry from the right was
    written by the outermost proxy: the client's address. Entries further left were sent
    by the client and are ignored (anyone can forge them). If the header has fewer than n
    entries or that entry is not an IP address, REMOTE_ADDR is used.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if len(hops) < count:
        return remote
    try:
        return str(ipaddress.ip_address(hops[-count]))
    except ValueError:
        return remote


def throttled_address(request: HttpRequest) -> str | None:
    """The address failures are counted against (AXES_CLIENT_IP_CALLABLE).

    `client_ip`, normalised; an IPv6 address is widened to its /64 network (written as the
    network's first address), since one client usually holds a whole /64 and could
    otherwise try from a new address every time.
    """
    address = client_ip(request)
    try:
        parsed = ipaddress.ip_address(address or "")
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False).network_address)
    return str(parsed)


# Receivers, connected by SiteConfig.ready(). They only write log lines.


def log_login(sender, request, user, **kwargs) -> None:
    audit("login.succeeded", user=user, request=request)


def log_login_failed(sender, credentials, request=None, **kwargs) -> None:
    # django-axes's receiver has already run (SiteConfig.ready connects this one after
    # it). If it locked this request out (the failure reached the limit, or the attempt
    # was refused during a lockout), log_locked_out has written this attempt's line.
    if getattr(request, "axes_locked_out", False):
        return
    from django.contrib.auth import get_user_model

    username = credentials.get(get_user_model().USERNAME_FIELD)
    audit("login.failed", user="" if username is None else str(username), request=request)


def log_locked_out(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    counted = getattr(request, "axes_failures_since_start", None)
    audit(
        "login.locked_out",
        user="" if username is None else str(username),
        request=request,
        lockout="ongoing" if counted is None else "new",
        failures=counted,
        cooloff_minutes=int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    )
