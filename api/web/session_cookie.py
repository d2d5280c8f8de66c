"""Where a browser's workspace session lives (its cookies) and where a browser without one is sent
(``login_url``, with a safe way back).

Plain values and functions, apart from the FastAPI dependencies in ``api.web.security``, because the
API's gate (``api.gate``, which runs before FastAPI) needs them too: importing them from there would
close an import cycle (``api.deps`` → ``api.gate`` → ``api.web.security`` → ``api.deps``).
"""

from __future__ import annotations

from urllib.parse import quote

SESSION_COOKIE = "docproc_session"
LOGIN_CSRF_COOKIE = "docproc_login_csrf"


def safe_next(url: str | None) -> str:
    """Only a path of this site: never "//evil.example" or "https://…" (no open redirect)."""
    if url and url.startswith("/") and not url.startswith("//") and "\\" not in url:
        return url
    return "/dossiers"


def login_url(next_url: str) -> str:
    return f"/login?next={quote(safe_next(next_url), safe='/')}"
