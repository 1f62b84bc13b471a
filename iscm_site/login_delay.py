"""Growing delays between failed logins, before django-axes locks out (README, "Login throttling").

After the 2nd failure counted by axes for a username, or for a client address, a further
login for that username or from that address is refused at once if it comes sooner than
`delay_after(failures)` after the last of those failures: 2 s after the 2nd failure, 4 s
after the 3rd, 8 s after the 4th, doubling up to `MAX_DELAY_SECONDS`. A refused attempt
gets HTTP 429 with `Retry-After` and `registration/login_delay.html`; its password is not
checked and it is not counted as a failure. Nothing sleeps: no worker is held.

The counts are axes' own (its `AccessAttempt` rows, in the database shared by every app
server, newer than `AXES_COOLOFF_TIME`); the address is `throttled_address`, the one
axes counts against. Once the failures reach `AXES_FAILURE_LIMIT`, axes' lockout answers
instead. A successful login deletes the rows (`AXES_RESET_ON_SUCCESS`), so it resets the
delays too.
"""

import math

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.forms import UsernameField
from django.db.models import Max, Q, Sum
from django.shortcuts import render
from django.utils import timezone

from iscm_site.audit import audit, throttled_address

FIRST_DELAYED_FAILURE = 2  # the failure after which attempts are first slowed
FIRST_DELAY_SECONDS = 2
MAX_DELAY_SECONDS = 60


def delay_after(failures: int) -> int:
    """Seconds to wait after the last of `failures` counted failures (0: no delay)."""
    if failures < FIRST_DELAYED_FAILURE:
        return 0
    doublings = min(failures - FIRST_DELAYED_FAILURE, 16)
    return min(FIRST_DELAY_SECONDS * 2**doublings, MAX_DELAY_SECONDS)


def retry_after(username: str | None, address: str | None) -> int:
    """Whole seconds until a login for `username` from `address` may be tried (0: now)."""
    now = timezone.now()
    lookups = {}  # as axes counts: per username, and per address, separately
    if username:
        lookups["user"] = Q(username=username)
    if address:
        lookups["address"] = Q(ip_address=address)
    if not lookups:
        return 0
    aggregates = {}
    for name, lookup in lookups.items():
        aggregates[f"{name}_failures"] = Sum("failures_since_start", filter=lookup)
        aggregates[f"{name}_last"] = Max("attempt_time", filter=lookup)
    counts = AccessAttempt.objects.filter(
        Q.create(list(lookups.values()), connector=Q.OR),
        attempt_time__gte=now - settings.AXES_COOLOFF_TIME,
    ).aggregate(**aggregates)
    wait = 0.0
    for name in lookups:
        failures, last = counts[f"{name}_failures"] or 0, counts[f"{name}_last"]
        if last is None or failures >= settings.AXES_FAILURE_LIMIT:
            continue  # nothing to slow, or locked out: axes answers
        wait = max(wait, (last - now).total_seconds() + delay_after(failures))
    return math.ceil(wait) if wait > 0 else 0


class LoginDelayMiddleware:
    """Refuses a login POST that comes too soon after the last failure (see module doc).

    Its `process_view` runs after CsrfViewMiddleware's, so a request failing the CSRF
    check is refused by that first.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST" or not settings.AXES_ENABLED:
            return None
        match = request.resolver_match
        if match is None or match.view_name != "admin:login":
            return None
        # The username as the login form cleans it, hence as axes counts it.
        raw = request.POST.get(getattr(settings, "AXES_USERNAME_FORM_FIELD", "username"))
        username = UsernameField().to_python(raw) if isinstance(raw, str) else None
        seconds = retry_after(username, throttled_address(request))
        if not seconds:
            return None
        audit("login.slowed", user=username or "", request=request, retry_after=seconds)
        response = render(
            request,
            "registration/login_delay.html",
            {"retry_after": seconds, "username": username},
            status=429,
        )
        response["Retry-After"] = str(seconds)
        return response
