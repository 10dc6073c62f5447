"""The yardstick: a bare Flask app answering "hello" on /bench/hello, served with the portal's gunicorn.conf.py."""
from flask import Flask

app = Flask(__name__)


@app.get("/bench/hello")
def hello() -> str:
    return "hello"
