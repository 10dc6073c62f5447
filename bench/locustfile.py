"""Locust workloads for bench_load, chosen by user class on the command line: MemberUser + CaseworkerUser (the
mixed workload: login, Min side, slots, book, cancel; caseload, conversation screen, calendar), MinSideUser and
HelloUser (Min side against a bare route, for the ratio)."""
from __future__ import annotations

import os
import random
import re

from locust import HttpUser, between, task

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = os.environ.get("BENCH_PASSWORD", "demo-adgangskode")
MEMBERS = os.environ.get("BENCH_MEMBER_LOGINS", "medlem").split(",")
CASEWORKERS = os.environ.get("BENCH_CASEWORKER_LOGINS", "sagsbehandler").split(",")
MEMBER_NUMBERS = os.environ.get("BENCH_MEMBER_NUMBERS", "1000001").split(",")


def _login(user, username: str) -> None:
    page = user.client.get("/login", name="GET /login")
    token = CSRF.search(page.text).group(1)
    with user.client.post("/login", data={"login": username, "password": PASSWORD, "csrf_token": token},
                          allow_redirects=False, name="POST /login", catch_response=True) as response:
        if response.status_code != 302:
            response.failure(f"login {username}: {response.status_code}")


class MemberUser(HttpUser):
    wait_time = between(0, 0.05)
    weight = 3

    def on_start(self):
        self.username = random.choice(MEMBERS)
        _login(self, self.username)
        api = self.client.post("/api/v1/auth/token", json={"username": self.username, "password": PASSWORD},
                               name="POST /api/v1/auth/token")
        self.auth = {"Authorization": f"Bearer {api.json()['access_token']}"}

    @task(5)
    def min_side(self):
        self.client.get("/min-side", name="GET /min-side")

    @task(1)
    def new_session(self):
        """Members come and go: a steady share of requests are fresh logins (argon2 verification), not only the
        burst at the start."""
        self.client.cookies.clear()
        _login(self, self.username)

    @task(2)
    def slots(self):
        self.client.get("/api/v1/slots?type=followup_phone&limit=50", headers=self.auth, name="GET /api/v1/slots")

    @task(1)
    def book_and_cancel(self):
        slots = self.client.get("/api/v1/slots?type=followup_phone&limit=40", headers=self.auth,
                                name="GET /api/v1/slots").json().get("slots", [])
        if not slots:
            return
        slot = random.choice(slots)
        with self.client.post("/api/v1/me/bookings", headers=self.auth, name="POST /api/v1/me/bookings",
                              json={"type": "followup_phone", "caseworker_id": slot["caseworker_id"],
                                    "starts_at": slot["starts_at"], "channel": "phone"},
                              catch_response=True) as response:
            if response.status_code == 409:  # someone else took it first: a correct answer, not an error
                response.success()
                return
            if response.status_code != 201:
                response.failure(f"book: {response.status_code} {response.text[:200]}")
                return
            booking_id = response.json()["id"]
        self.client.delete(f"/api/v1/me/bookings/{booking_id}", headers=self.auth,
                           name="DELETE /api/v1/me/bookings/{id}")


class CaseworkerUser(HttpUser):
    wait_time = between(0, 0.05)
    weight = 1

    def on_start(self):
        _login(self, random.choice(CASEWORKERS))

    @task(3)
    def caseload(self):
        self.client.get("/sagsbehandler/", name="GET /sagsbehandler/")

    @task(2)
    def member_screen(self):
        self.client.get(f"/sagsbehandler/medlem/{random.choice(MEMBER_NUMBERS)}",
                        name="GET /sagsbehandler/medlem/{n}")

    @task(1)
    def calendar(self):
        self.client.get("/kalender", name="GET /kalender")


class HelloUser(HttpUser):
    """The bare route: what the server and framework cost without the portal's work."""

    wait_time = between(0, 0.05)

    @task
    def hello(self):
        self.client.get("/bench/hello", name="GET /bench/hello")


class MinSideUser(HttpUser):
    """Min side only, for the ratio against the bare route."""

    wait_time = between(0, 0.05)

    def on_start(self):
        _login(self, random.choice(MEMBERS))

    @task
    def min_side(self):
        self.client.get("/min-side", name="GET /min-side")
