"""gunicorn settings for the production path: `gunicorn -c gunicorn.conf.py 'portal:create_app()'`."""
import multiprocessing
import os

bind = os.environ.get("PORTAL_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("PORTAL_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("PORTAL_THREADS", 2))
worker_class = "gthread"
timeout = 30
graceful_timeout = 20
keepalive = 5
# Recycle a worker after this many requests (guards against slow leaks; 0 = never). A recycled worker closes its
# kept-alive connections: a client that sends on one at that instant sees a reset (browsers retry such requests).
max_requests = int(os.environ.get("PORTAL_MAX_REQUESTS", 5000))
max_requests_jitter = max_requests // 10
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("PORTAL_LOG_LEVEL", "info").lower()
forwarded_allow_ips = os.environ.get("PORTAL_FORWARDED_ALLOW_IPS", "127.0.0.1")
