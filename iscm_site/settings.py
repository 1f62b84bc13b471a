"""Settings for ISCM Profiles: one module, driven by environment variables.

Defaults are safe (DEBUG off, HTTPS-only cookies and HSTS when DEBUG is off); the quick
start (`make run`) turns DEBUG on explicitly. See README.md, "Configuration".

`make run` also writes `local.env` (git-ignored: DEBUG=1 and a generated SECRET_KEY) so
that `manage.py` commands work in a quick-start checkout without exporting anything. It
only fills in variables that the environment does not set, and it is not read at all when
the environment sets DEBUG off (production, `make test`).
"""

import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
LOCAL_ENV_FILE = BASE_DIR / "local.env"
TRUE_VALUES = {"1", "true", "yes", "on"}


def read_env_file(path: Path) -> dict[str, str]:
    """The NAME=value lines of an env file (blank lines and # comments ignored); {} if none."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    values = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, equals, value = line.removeprefix("export ").partition("=")
        name, value = name.strip(), value.strip()
        if not equals or not name.isidentifier():
            raise ImproperlyConfigured(f"{path}, line {number}: expected NAME=value.")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[name] = value
    return values


def environment(environ: Mapping[str, str], local_file: Path) -> dict[str, str]:
    """The process environment, completed by `local_file` unless `environ` sets DEBUG off."""
    debug = environ.get("DEBUG", "").strip().lower()
    if debug and debug not in TRUE_VALUES:
        return dict(environ)
    return {**read_env_file(local_file), **environ}


ENV = environment(os.environ, LOCAL_ENV_FILE)


def env_bool(name: str, default: bool = False) -> bool:
    value = ENV.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in TRUE_VALUES


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in ENV.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")

SECRET_KEY = ENV.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Set the SECRET_KEY environment variable (or DEBUG=1 for local development; "
            "`make run` writes both to local.env for this checkout)."
        )
    SECRET_KEY = "django-insecure-local-development-only-not-for-production-use-0123456789"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "iscm_site.admin.AdminConfig",  # Django's admin; its site refuses forged action selections
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",  # search vectors and trigrams (PostgreSQL; inert on SQLite)
    "django_countries",
    "django_filters",
    "import_export",
    "simple_history",
    "history",
    "axes",  # login throttling: see AXES_* below
    "iscm_site.apps.SiteConfig",  # audit log lines (iscm_site/audit.py)
    "workbook",
    "profiles",
    "surveys",
]

MIDDLEWARE = [
    # First: refuses oversized request bodies by their declared size, before they are read.
    "iscm_site.middleware.RequestBodyLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Refuses a login that comes too soon after repeated failures (iscm_site/login_delay.py).
    "iscm_site.login_delay.LoginDelayMiddleware",
    # Last: turns a login refused for too many failures into the lockout page (429).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "iscm_site.urls"
WSGI_APPLICATION = "iscm_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite is the quick-start default; DATABASE_URL=postgres://... switches to PostgreSQL.
DATABASES = {
    "default": dj_database_url.parse(
        ENV.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(ENV.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
PG_OPTIONS = ENV.get("PG_OPTIONS", "-c random_page_cost=1.1")
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and PG_OPTIONS:
    # Published profiles keep their search vectors out of line (TOAST), so the table looks
    # small and PostgreSQL's default costs (for spinning disks) prefer a sequential scan
    # that unpacks every vector: 600 ms against 60 ms through the GIN index at 5,000
    # profiles (docs/performance.md). SSD-era cost; PG_OPTIONS="" keeps the server's own.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = PG_OPTIONS
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Rendered public pages, keyed on the published snapshots' versions (profiles/views.py).
# CACHE_URL=redis://host:6379/1 shares them between app servers (Django's Redis backend),
# and each process keeps the pages it served last in memory too ("pages": a key's page
# never changes, so that copy cannot be stale). Without it, each process's memory only.
CACHE_URL = ENV.get("CACHE_URL", "")
LOCAL_CACHE = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "iscm"}
CACHES = {"default": LOCAL_CACHE}
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "iscm",
            # An unreachable cache slows pages down for a second at most, never fails them.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
        "pages": {**LOCAL_CACHE, "LOCATION": "iscm-pages", "OPTIONS": {"MAX_ENTRIES": 500}},
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The only login page is the admin's (Django's defaults, /accounts/…, do not exist here).
LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "admin:index"

# Login throttling (django-axes; README, "Login throttling"). Failures are counted in the
# database, which every app server shares, per username and per client address: either
# reaching the limit refuses further logins, even with the right password, until the
# cool-off has passed since the last counted failure (or an administrator unlocks it).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out attempts, unhashed
    "django.contrib.auth.backends.ModelBackend",
]


def env_int(name: str, default: int, minimum: int) -> int:
    value = ENV.get(name, "").strip() or str(default)
    try:
        number = int(value)
    except ValueError:
        number = minimum - 1
    if number < minimum:
        raise ImproperlyConfigured(f"{name} must be a whole number >= {minimum} (got {value!r}).")
    return number


# How many reverse proxies (load balancers) sit in front of the app servers, each adding
# one address to X-Forwarded-For. 0: the client is REMOTE_ADDR, X-Forwarded-For is ignored.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one locks
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_RESET_ON_SUCCESS = True
# Attempts refused during a lockout are not counted: they neither extend it nor write
# anything (so hammering a locked account costs the database nothing).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Our own client address (axes would use django-ipware if it were ever installed).
AXES_CLIENT_IP_CALLABLE = "iscm_site.audit.throttled_address"
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_HTTP_RESPONSE_CODE = 429
# The iscm.audit log lines record logins; no per-login table that nothing would prune.
AXES_DISABLE_ACCESS_LOG = True
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "csrfmiddlewaretoken"]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(ENV.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Without collectstatic (tests, quick start) whitenoise serves straight from the finders.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Uploads: keep bodies small in memory and refuse oversized requests early.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

# Kosovo has no ISO 3166 code; IPD's reference data uses the common user-assigned XK/XKX.
COUNTRIES_OVERRIDE = {"XK": {"names": ["Kosovo"], "alpha3": "XKX"}}

# Security headers. The site loads nothing from other hosts.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    # Behind a TLS-terminating load balancer, trust its X-Forwarded-Proto header.
    if env_bool("SECURE_PROXY_SSL_HEADER", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = int(ENV.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOG_LEVEL = ENV.get("LOG_LEVEL", "WARNING")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # Django's own console handler would print every "django" record a second time
    # through the root handler; let them reach the root handler only.
    "loggers": {
        "django": {"handlers": [], "level": "INFO" if DEBUG else LOG_LEVEL},
        # One line per security event (iscm_site/audit.py), whatever LOG_LEVEL says;
        # printed by the root handler (stderr).
        "iscm.audit": {"handlers": [], "level": "INFO"},
        # django-axes repeats each failure with the username masked: the audit lines suffice.
        "axes": {"handlers": [], "level": "ERROR"},
    },
}

# django-import-export lets every staff user import and export unless told otherwise.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
IMPORT_EXPORT_USE_TRANSACTIONS = True
# Files waiting for an import confirmation live in the database, bound to their user.
IMPORT_EXPORT_TMP_STORAGE_CLASS = "workbook.model_admin.PendingUploadStorage"
