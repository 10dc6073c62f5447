"""gunicorn settings for the production path: `gunicorn -c gunicorn.conf.py 'portal:create_app()'`."""
import gc

from portal.config import from_environment

settings = from_environment()  # every PORTAL_* setting, with its default (portal/config.py, README)
bind = settings["BIND"]
workers = settings["WORKERS"]
threads = settings["THREADS"]
worker_class = "gthread"
timeout = 30
graceful_timeout = 20
keepalive = 5
# Recycle a worker after this many requests (guards against slow leaks; 0 = never). A recycled worker closes its
# kept-alive connections: a client that sends on one at that instant sees a reset (browsers retry such requests).
max_requests = settings["MAX_REQUESTS"]
max_requests_jitter = max_requests // 10
# The master imports and warms the app once (portal.warmup); workers, also the recycled ones, fork from it ready.
preload_app = True
accesslog = "-"
errorlog = "-"
loglevel = settings["LOG_LEVEL"].lower()
forwarded_allow_ips = settings["FORWARDED_ALLOW_IPS"]


def when_ready(server):
    app = server.app.wsgi()
    if getattr(app, "import_name", None) == "portal":
        from portal.warmup import warm_up

        warm_up(app)
    # Everything the master holds now (the app, its imports, the compiled templates) lives as long as the workers:
    # out of the collector's reach, a worker's garbage collection neither walks it nor writes to its pages (the
    # copy-on-write gc.freeze's documentation describes for a pre-forking server).
    gc.freeze()


def post_fork(server, worker):
    app = server.app.wsgi()
    if getattr(app, "import_name", None) == "portal":
        from portal.warmup import after_fork

        after_fork(app)
