"""Safe defaults. instance/config.py overrides them; secrets come from the
environment or are generated once into the instance folder."""
from datetime import timedelta


class DefaultConfig:
    # Set by create_app() to instance/gridbook.sqlite3 unless overridden.
    SQLALCHEMY_DATABASE_URI = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Behind HTTPS set GRIDBOOK_SECURE_COOKIES=1 (see README, deployment).
    SESSION_COOKIE_SECURE = False
    SESSION_COOKIE_NAME = "gridbook_session"
    # The server ends a session after this much inactivity (LoginSession.last_seen_at).
    IDLE_TIMEOUT = timedelta(minutes=30)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)

    # Werkzeug's scrypt (about 80 ms per check on these machines).
    PASSWORD_HASH_METHOD = "scrypt"
    LOGIN_MAX_FAILURES = 5
    LOGIN_FAILURE_WINDOW = timedelta(minutes=15)
    LOGIN_LOCK_DURATION = timedelta(minutes=15)

    # Uploads (staff photos now, matter photos later): the request as a whole.
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024
    PHOTO_MAX_BYTES = 2 * 1024 * 1024

    # A web export writes about 3,000 rows a second (bench/xlsx_export.py): 30,000 rows
    # keep a request near ten seconds. Larger sets go by grid or by `flask export`.
    WEB_EXPORT_MAX_ROWS = 30_000

    # Long prints are laid out in worker processes (app/printing/assembly.py): one per
    # core unless set (GRIDBOOK_PRINT_WORKERS; 1 lays out in the server process).
    PRINT_WORKERS = None
    # Finished binders are kept for download this long; laid-out parts in the print
    # cache this long after their last use.
    BINDER_KEEP_DAYS = 7
    PRINT_CACHE_KEEP_DAYS = 45

    WTF_CSRF_TIME_LIMIT = 8 * 3600
    # Static files (the 4.5 MB CJK fonts above all) are cached for a day instead of
    # being revalidated on every page of a slow village connection.
    SEND_FILE_MAX_AGE_DEFAULT = timedelta(days=1)
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_CN", "en")

    # The county's working day starts in China; dates shown are local.
    TIMEZONE = "Asia/Shanghai"
