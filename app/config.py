"""Safe defaults. instance/config.py overrides them; secrets come from the
environment or are generated once into the instance folder."""

from datetime import timedelta


class DefaultConfig:
    # Set by create_app() to instance/gridbook.sqlite3 unless overridden.
    SQLALCHEMY_DATABASE_URI = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # True whenever PUBLIC_BASE_URL starts with https:// (app/core/security.py); may
    # also be set on its own (GRIDBOOK_SESSION_COOKIE_SECURE=true).
    SESSION_COOKIE_SECURE = False
    SESSION_COOKIE_NAME = "gridbook_session"
    # The address the public reaches the app at, e.g. https://wgt.example.gov.cn (with
    # any path prefix, no trailing slash needed): tracking links, Open311 replies and
    # the posters' QR codes are built from it, never from the request's Host header.
    # https:// here also turns on HSTS and Secure cookies. Unset, those addresses use
    # http://127.0.0.1:5000 (one machine only) and `flask serve` warns.
    PUBLIC_BASE_URL = None
    # The server ends a session after this much inactivity (LoginSession.last_seen_at).
    IDLE_TIMEOUT = timedelta(minutes=30)
    # …and this long after sign-in, however active (LoginSession.created_at).
    SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=12)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    # The cookie is sent back only when the session changes. Refreshed on every answer,
    # a slow answer (a print, the phone's service worker fetching /offline/) arriving
    # after a quicker one would put back the session as it was when it was asked —
    # and lose the one-time message ("已办结反馈") the quicker one had just set. The
    # cookie's own expiry need not roll: the server's absolute limit is 12 hours anyway.
    SESSION_REFRESH_EACH_REQUEST = False

    # SQLite's synchronous setting in WAL mode (app/core/database.py). FULL: a save is
    # on the disk before it is acknowledged, so a power cut (village PCs have no UPS)
    # loses none; NORMAL is faster on a slow disk but may lose the last saves
    # (docs/benchmarks.md: bench/durability.py).
    SQLITE_SYNCHRONOUS = "FULL"

    # `flask backup` (app/core/backup.py): where archives go (unset: instance/backups;
    # better another disk), how many are kept, and a key file to encrypt them with
    # (made by `flask backup --make-key`; unset: not encrypted).
    BACKUP_FOLDER = None
    BACKUP_KEEP = 14
    BACKUP_KEY_FILE = None

    # Werkzeug's scrypt (about 80 ms per check on these machines).
    PASSWORD_HASH_METHOD = "scrypt"
    # This many wrong passwords within the window lock the username for the duration;
    # a username that matches no account is counted and locked alike.
    LOGIN_MAX_FAILURES = 5
    LOGIN_FAILURE_WINDOW = timedelta(minutes=15)
    LOGIN_LOCK_DURATION = timedelta(minutes=15)
    # This many failed sign-ins from one client address within LOGIN_FAILURE_WINDOW,
    # whatever the usernames, pause sign-in from that address for the duration.
    LOGIN_ADDRESS_MAX_FAILURES = 20
    LOGIN_ADDRESS_LOCK_DURATION = timedelta(minutes=15)
    # A password older than this many days must be changed at the next sign-in
    # (等保 口令定期更换); 0 turns it off.
    PASSWORD_MAX_AGE_DAYS = 0
    # How many reverse proxies (nginx, a county gateway) stand in front of the app and
    # add X-Forwarded-For / X-Forwarded-Proto. 0: the address that connects is the
    # client's. Behind one proxy set 1 (GRIDBOOK_TRUSTED_PROXIES=1): the sign-in
    # throttle per address and the audit log then see the browser's address, not the
    # proxy's. Never set it when there is no proxy: anyone could then claim any address.
    TRUSTED_PROXIES = 0

    # Uploads (staff, matter and finding photos, imported sheets): the request as a whole.
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024
    PHOTO_MAX_BYTES = 2 * 1024 * 1024
    # A photo larger than this many pixels is refused from its header, before a pixel
    # is decoded (decoding costs 3-4 bytes a pixel: 40 megapixels about 160 MB).
    PHOTO_MAX_PIXELS = 40_000_000
    # An imported xlsx whose sheet spans more rows than this (blank rows included) is
    # refused: by the size the sheet records, before its rows are read, and while
    # reading if that size was wrong. Rows with data have their own limit (50,000).
    IMPORT_MAX_ROWS = 100_000

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
    # Where print-cache/ and binders/ are kept (unset: the instance folder). Where
    # several machines serve the county, a folder they all mount (GRIDBOOK_PRINT_FOLDER):
    # a binder built by the worker on one is downloaded through another.
    PRINT_FOLDER = None

    # Registering or importing an ID number held outside the account's scope names
    # the community and grid holding it (audited: id_number_located). Past this many
    # such answers a local day, an account is told only that the number is registered
    # in the county (app/registry/people/locating.py).
    LOCATE_DAILY_LIMIT = 20
    # Anonymous answers on a grid's public satisfaction page are shown apart and join
    # the official 满意率 (its 通报批评 flag and bonus) only from this many in the grid's
    # half-year on (app/assessment/surveys.py).
    PUBLIC_SURVEY_MIN_ANSWERS = 30
    # A refused request (another grid's record, a page the role may not open) is
    # logged; this many refusals of one account within this many minutes raise an
    # alert the audit administrator sees first (app/auth/refusals.py).
    REFUSED_BURST_COUNT = 10
    REFUSED_BURST_MINUTES = 10
    # 三员分立: whether one account may hold two of the three administrator roles.
    ADMIN_DUTIES_COMBINED = False
    # The settings above from PASSWORD_MAX_AGE_DAYS on (except the upload limits) can
    # be changed while running by the system or security administrator
    # (app/core/settings.py); the value here is then only the default.

    WTF_CSRF_TIME_LIMIT = 8 * 3600
    # Static files (the CJK font's slices above all) are cached for a day instead of
    # being revalidated on every page of a slow village connection; each link carries
    # the file's version (app/core/static_files.py), so a changed file comes at once.
    SEND_FILE_MAX_AGE_DEFAULT = timedelta(days=1)
    # Text answers go compressed to a browser that asks (Flask-Compress, installed first
    # in create_app so that it runs after every other after_request hook): a field page
    # of 60–95 KB is 3–6 KB over a prepaid 4G line (docs/phone.md). Brotli where the
    # browser offers it (browsers do over https), else gzip; no zstd or deflate (old
    # station browsers). PDFs, xlsx, JPEGs and the WOFF2 fonts are compressed already and
    # are left as they are; so is anything under 500 bytes. Static files are sent by
    # Flask as streams: compressed as a stream too, gzip included.
    COMPRESS_MIMETYPES = [
        "text/html",
        "text/css",
        "text/javascript",
        "application/javascript",
        "application/json",
        "application/manifest+json",
        "text/plain",
        "text/xml",
        "application/xml",
        "image/svg+xml",
    ]
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_ALGORITHM_STREAMING = ["br", "gzip"]
    COMPRESS_LEVEL = 6  # gzip
    COMPRESS_BR_LEVEL = 5  # brotli: about as fast as gzip 6 and 3–10 % smaller (4 lost to gzip on htmx)
    COMPRESS_MIN_SIZE = 500
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_CN", "en")

    # The county's working day starts in China; dates shown are local.
    TIMEZONE = "Asia/Shanghai"
