"""The yardsticks, served with the portal's gunicorn.conf.py: a bare Flask app answering "hello" on /bench/hello
(`app`), and the same app sending the response headers the portal sends on that route (`app_with_headers`): the
security headers, Cache-Control and a request id. bench/goals.py checks, in the same run, that the headers
match the portal's, so the second one measures what the headers alone cost the server."""
import secrets

from flask import Flask

app = Flask(__name__)


@app.get("/bench/hello")
def hello() -> str:
    return "hello"


app_with_headers = Flask(__name__ + ".with_headers")

# What the portal's /bench/hello sends besides Content-Type and Content-Length (portal/security.py,
# portal/request_context.py); bench.goals.served compares them with the portal's response.
PORTAL_HEADERS = [
    ("Content-Security-Policy", ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                 "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
                                 "base-uri 'self'; object-src 'none'")),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ("Cache-Control", "no-store"),
]


@app_with_headers.get("/bench/hello")
def hello_with_headers():
    return "hello", 200, [*PORTAL_HEADERS, ("X-Request-ID", secrets.token_hex(8))]
