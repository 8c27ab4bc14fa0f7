"""Django settings. Everything an operator may change comes from environment variables."""

import os
import tempfile
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("PRACHA_VAR_DIR", BASE_DIR.parent / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("PRACHA_DEBUG", False)
DEMO = env_bool("PRACHA_DEMO", False)
SECRET_KEY = os.environ.get("PRACHA_SECRET_KEY", "")
if not SECRET_KEY:
    if not (DEBUG or DEMO or os.environ.get("PYTEST_VERSION")):
        raise RuntimeError("Set PRACHA_SECRET_KEY (or PRACHA_DEMO=1 for the demo).")
    SECRET_KEY = "insecure-demo-key-only-for-local-use"  # noqa: S105

ALLOWED_HOSTS = [h for h in os.environ.get("PRACHA_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("PRACHA_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "axes",
    "oauth2_provider",
    "pracha.core",
    "pracha.audit",
    "pracha.agencies",
    "pracha.identity",
    "pracha.workflow",
    "pracha.notify",
    "pracha.payments",
    "pracha.credentials",
    "pracha.consent",
    "pracha.exchange",
    "pracha.complaints",
    "pracha.services",
    "pracha.applications",
    "pracha.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "pracha.audit.middleware.AuditActorMiddleware",
    # Last, as django-axes asks: it turns repeated failed sign-ins into a lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "pracha.urls"
WSGI_APPLICATION = "pracha.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pracha.portal.context_processors.portal",
            ],
        },
    }
]

# DATABASE_URL selects PostgreSQL (postgres://user@host:port/name); without it, an embedded SQLite file.
_default_sqlite = f"sqlite:///{VAR_DIR / 'pracha.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(os.environ.get("DATABASE_URL", _default_sqlite), conn_max_age=60)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and IMMEDIATE transactions let the web server and the worker write without "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests use a file of their own, not an in-memory database: Django hands an in-memory database's
    # one connection to the live server's threads too, and a request still running when the next test
    # begins can then leave that shared connection half inside a transaction (decision 0009).
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get("PRACHA_TEST_SQLITE")
        or str(Path(tempfile.gettempdir()) / f"pracha-test-{os.getpid()}.sqlite3")
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "identity.User"
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# People's passwords: Django's default (PBKDF2 first). The last one is only for machine-made random
# secrets (OIDC client secrets, recovery codes), where a slow hash adds nothing (decision 1103).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "pracha.identity.hashers.RandomSecretHasher",
]
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:home"

LANGUAGE_CODE = "th"
LANGUAGES = [("th", _("Thai")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Bangkok"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "pracha.portal.fonts.ThaiFontFinder",
]
WHITENOISE_USE_FINDERS = True
WHITENOISE_MIMETYPES = {".ttf": "font/ttf", ".woff2": "font/woff2"}
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = VAR_DIR / "media"

# Security: secure cookies unless explicitly serving plain HTTP on loopback (demo, tests).
SECURE = env_bool("PRACHA_SECURE", not (DEBUG or DEMO))
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if SECURE:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

EMAIL_BACKEND = os.environ.get("PRACHA_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("PRACHA_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("PRACHA_EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("PRACHA_FROM_EMAIL", "Pracha <no-reply@pracha.local>")

# Delivery adapters for notifications: "record" only stores the message as delivered (demo, tests).
PRACHA_SMS_ADAPTER = os.environ.get("PRACHA_SMS_ADAPTER", "record")
PRACHA_SMS_URL = os.environ.get("PRACHA_SMS_URL", "")
PRACHA_SMS_TOKEN = os.environ.get("PRACHA_SMS_TOKEN", "")
PRACHA_LINE_ADAPTER = os.environ.get("PRACHA_LINE_ADAPTER", "record")
PRACHA_LINE_CHANNEL_ACCESS_TOKEN = os.environ.get("PRACHA_LINE_CHANNEL_ACCESS_TOKEN", "")
PRACHA_LINE_API_HOST = os.environ.get("PRACHA_LINE_API_HOST", "https://api.line.me")
# The LINE webhook (complaints): the channel secret signs each request (X-Line-Signature); photos users
# send are downloaded from the content host (api-data.line.me), which tests point elsewhere too.
PRACHA_LINE_CHANNEL_SECRET = os.environ.get("PRACHA_LINE_CHANNEL_SECRET", "")
PRACHA_LINE_DATA_API_HOST = os.environ.get("PRACHA_LINE_DATA_API_HOST", "https://api-data.line.me")
# The demo has no mail server: it records e-mail as delivered, like SMS and LINE.
PRACHA_EMAIL_ADAPTER = os.environ.get("PRACHA_EMAIL_ADAPTER", "record" if DEMO else "django")

# Thai government office hours, used to count working hours and working days.
PRACHA_OFFICE_HOURS = os.environ.get("PRACHA_OFFICE_HOURS", "08:30-12:00,13:00-16:30")

# `pracha serve` (decision 0011): worker processes, Django threads in each, and whether to log every
# request (off: the TLS reverse proxy in front keeps the access log).
PRACHA_WEB_WORKERS = int(os.environ.get("PRACHA_WEB_WORKERS", "2"))
PRACHA_WEB_THREADS = int(os.environ.get("PRACHA_WEB_THREADS", "2"))
PRACHA_ACCESS_LOG = env_bool("PRACHA_ACCESS_LOG", False)

# Rate limit of the JSON API and the login form, per client address.
PRACHA_RATE_LIMIT_PER_MINUTE = int(os.environ.get("PRACHA_RATE_LIMIT_PER_MINUTE", "240"))

# Complaints: below this classifier confidence a complaint goes to human triage instead of being routed;
# how often a complainant may reopen one; how many complaints one address may file per minute; the
# public address of the site, for links in SMS and e-mail ("" leaves the link out).
PRACHA_COMPLAINT_CONFIDENCE_THRESHOLD = float(os.environ.get("PRACHA_COMPLAINT_CONFIDENCE_THRESHOLD", "0.45"))
PRACHA_COMPLAINT_MAX_REOPENS = int(os.environ.get("PRACHA_COMPLAINT_MAX_REOPENS", "2"))
PRACHA_COMPLAINT_RATE_PER_MINUTE = int(os.environ.get("PRACHA_COMPLAINT_RATE_PER_MINUTE", "10"))
PRACHA_PUBLIC_URL = os.environ.get("PRACHA_PUBLIC_URL", "")

# Credentials: the agencies' signing keys are stored encrypted under a key derived from this secret
# (SECRET_KEY when unset). Keep it apart from SECRET_KEY in production, where rotating the web
# secret must not make every stored signing key unreadable (decision 0951).
PRACHA_CREDENTIAL_KEY = os.environ.get("PRACHA_CREDENTIAL_KEY", "")
# The complaint classifier's trained models (default var/models) and its training data (default
# ../shared/data): read by pracha.complaints.classifier, which looked for these settings in vain.
PRACHA_MODEL_DIR = os.environ.get("PRACHA_MODEL_DIR", "")
PRACHA_DATA_DIR = os.environ.get("PRACHA_DATA_DIR", "")
# Payments: the gateway signs each callback (HMAC-SHA256 of the raw body) with this secret; a callback
# whose timestamp is further than the tolerance from now is refused as a replay. The demo gateway (a
# button on the invoice page that makes a signed callback) and its published secret exist only in the
# demo and the tests. PromptPay biller IDs (15 digits: tax ID + suffix) per agency code as JSON, with a
# default for agencies not listed.
PRACHA_PAYMENT_DEMO_GATEWAY = DEMO or bool(os.environ.get("PYTEST_VERSION"))
PRACHA_PAYMENT_GATEWAY_SECRET = os.environ.get("PRACHA_PAYMENT_GATEWAY_SECRET", "") or (
    "demo-gateway-secret-published-in-docs" if PRACHA_PAYMENT_DEMO_GATEWAY else ""
)
PRACHA_PAYMENT_CALLBACK_TOLERANCE_SECONDS = int(
    os.environ.get("PRACHA_PAYMENT_CALLBACK_TOLERANCE_SECONDS", "300")
)
PRACHA_PAYMENT_CALLBACK_RATE_PER_MINUTE = int(
    os.environ.get("PRACHA_PAYMENT_CALLBACK_RATE_PER_MINUTE", "6000")
)
PRACHA_PROMPTPAY_BILLERS = os.environ.get("PRACHA_PROMPTPAY_BILLERS", "{}")
PRACHA_PROMPTPAY_DEFAULT_BILLER = os.environ.get("PRACHA_PROMPTPAY_DEFAULT_BILLER", "") or (
    "099400015880700" if PRACHA_PAYMENT_DEMO_GATEWAY else ""
)
PRACHA_PROMPTPAY_MERCHANT_CITY = os.environ.get("PRACHA_PROMPTPAY_MERCHANT_CITY", "BANGKOK")
# Brute-force protection of sign-in (django-axes): lock a username from one address after N failures.
AXES_FAILURE_LIMIT = int(os.environ.get("PRACHA_LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "portal/locked_out.html"
# Unit tests sign in with the test client (no request object); the lockout has its own test with axes on.
AXES_ENABLED = not os.environ.get("PYTEST_VERSION")

# Digital ID: the OpenID Connect provider (django-oauth-toolkit) at /o/, issuer = <site>/o.
# Signing keys are PEM files under PRACHA_OIDC_KEY_DIR (default var/oidc, never committed), made on
# first start; the newest is active, older ones stay in the JWKS (`pracha rotate-oidc-key`). Decision 1100.
from pracha.identity.keys import load_signing_keys  # noqa: E402

PRACHA_OIDC_KEY_DIR = Path(os.environ.get("PRACHA_OIDC_KEY_DIR", VAR_DIR / "oidc"))
_OIDC_ACTIVE_KEY, _OIDC_OLD_KEYS = load_signing_keys(PRACHA_OIDC_KEY_DIR)
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": _OIDC_ACTIVE_KEY,
    "OIDC_RSA_PRIVATE_KEYS_INACTIVE": _OIDC_OLD_KEYS,
    # An issuer fixed by the operator (https://id.example.go.th/o); empty: derived from the request.
    "OIDC_ISS_ENDPOINT": os.environ.get("PRACHA_OIDC_ISSUER", ""),
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
    "OIDC_RP_INITIATED_LOGOUT_STRICT_REDIRECT_URIS": True,
    "OAUTH2_VALIDATOR_CLASS": "pracha.identity.oidc.PrachaValidator",
    "SCOPES_BACKEND_CLASS": "pracha.identity.oidc.ClientScopes",
    "SCOPES": {
        "openid": "OpenID Connect",
        "profile": "Name, birth date and preferred language",
        "email": "E-mail address",
        "phone": "Mobile phone number",
        "pracha_id": "13-digit identification number",
        "exchange": "Call data exchange services granted to the agency",
        "exchange.batch": "Ask for bulk extracts from the data exchange",
    },
    "DEFAULT_SCOPES": ["openid"],
    "PKCE_REQUIRED": True,
    "CLIENT_SECRET_HASHER": "pracha_secret_sha256",
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    # Tokens are kept as SHA-256 checksums only: a copy of the database does not hold usable tokens.
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ACCESS_TOKEN_EXPIRE_SECONDS": int(os.environ.get("PRACHA_OIDC_ACCESS_TOKEN_SECONDS", "900")),
    "ID_TOKEN_EXPIRE_SECONDS": 900,
    "REFRESH_TOKEN_EXPIRE_SECONDS": 8 * 3600,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    # http redirect URIs only for loopback addresses, with any port (RFC 8252): the demo and tests.
    "ALLOW_LOCALHOST_LOOPBACK": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"],
}
# Named so that migrations referring to the client model resolve it (the toolkit's models are swappable).
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
# The portal's own client: where the provider sends people back after sign-in.
PRACHA_PORTAL_CLIENT_ID = "pracha-portal"
# The agency that runs Digital ID: it asks the civil registry, through the exchange, for remote proofing.
PRACHA_IDENTITY_AGENCY = os.environ.get("PRACHA_IDENTITY_AGENCY", "DGA")

# Duplicate complaints: same category within this distance and these days, or texts this similar.
PRACHA_COMPLAINT_DUPLICATE_METRES = int(os.environ.get("PRACHA_COMPLAINT_DUPLICATE_METRES", "200"))
PRACHA_COMPLAINT_DUPLICATE_DAYS = int(os.environ.get("PRACHA_COMPLAINT_DUPLICATE_DAYS", "14"))
PRACHA_COMPLAINT_DUPLICATE_TEXT_SIMILARITY = float(
    os.environ.get("PRACHA_COMPLAINT_DUPLICATE_TEXT_SIMILARITY", "0.6")
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_personal_data": {"()": "pracha.core.masking.MaskingFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["mask_personal_data"], "formatter": "plain"}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("PRACHA_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint logs every rendering step at INFO; fontTools every subset.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
