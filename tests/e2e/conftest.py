"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

Nothing is downloaded at run time: the browser is /usr/bin/chromium (``.ci/run`` installs it with
apt). Without it these tests are skipped on a laptop and fail in CI.

What a test gets:
- ``phone`` / ``desktop``: a fresh page at 375×800 / 1280×900 whose relative URLs go to the live
  server, with reduced motion (no smooth scrolling to wait out). When the test ends, every request
  the page made must have gone to the live server's host (no CDN, no tracker) and the browser must
  have reported no Content-Security-Policy violation.
- ``screenshot(page, name)``: a full-page PNG at ``artifacts/screenshots/<test>/<NN>-<name>.png``.
- ``axe_check(page)``: axe-core in the page with the WCAG 2.2 A/AA tags; fails listing every serious or
  critical violation.
- ``mailbox``: a real SMTP server (aiosmtpd, tests/conftest.py's SmtpSink) in this process;
  ``wait_for_mail(mailbox, to=..., subject_contains=...)`` returns the parsed messages.
- ``celery_e2e_worker``: one real Celery worker process (with beat) shared by the browser tests,
  on the test database, sending mail to ``mailbox`` with links to the live server; request it in
  tests that expect email.
- ``clinic``: a location, a pharmacist working 09:00–17:00 every day, the LDN consultation type.
"""

import base64
import os
import re
import time
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from tests.conftest import ROOT, SmtpSink, free_port, require, start_worker, stop_worker

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 375, "height": 800}
DESKTOP = {"width": 1280, "height": 900}
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
E2E_DIR = Path(__file__).resolve().parent
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


# Under pytest-xdist (`make test`) the browser tests are shared out among all the workers like the
# other tests, two at a time (Makefile: --dist load --maxschedchunk 2), and each worker that gets
# some starts Chromium, the live server and the mail worker once (package and session scope). They
# were meant to run together in one worker (an xdist_group mark with --dist loadgroup), but with
# pytest 9.2 loadgroup groups nothing (pytest-xdist issue #1386: it renames node ids, which pytest
# no longer reads); in one worker they are a chain of about 300 s (12 of the 60 took 62 s alone on
# a quiet machine), which plain --dist load also made: it hands each worker its first quarter at once.
def pytest_collection_modifyitems(config, items):
    browser_tests = [item for item in items if E2E_DIR in Path(str(item.path)).resolve().parents]
    for item in browser_tests:
        item.add_marker(pytest.mark.e2e)
    # They run first (tests/conftest.py's pytest_collection_modifyitems puts every live-server test
    # at the front), so Chromium, the live server and the mail worker stop once in each worker.


# --- Browser ------------------------------------------------------------------------------------
# Package scope: Playwright and Chromium stop after the last browser test.
@pytest.fixture(scope="package")
def browser():
    require(CHROMIUM.exists(), f"needs Debian's Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread, and Django's ORM refuses
    # calls from such a thread unless told it is deliberate. Only while the browser runs: the
    # variable must not reach later tests or their child processes (check --deploy warns of it).
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    playwright.stop()
    if previous is None:
        os.environ.pop(ASYNC_UNSAFE, None)
    else:
        os.environ[ASYNC_UNSAFE] = previous


class PageWatch:
    """What a page asked for and what the browser complained about, checked when the test ends."""

    def __init__(self, page, allowed_netloc):
        self.allowed_netloc = allowed_netloc
        self.foreign_requests = []
        self.csp_violations = []
        self.page_errors = []
        page.on("request", self._on_request)
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))

    def _on_request(self, request):
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob", "about"):
            return
        if parts.netloc != self.allowed_netloc:
            self.foreign_requests.append(request.url)

    def _on_console(self, message):
        if message.type == "error" and "Content Security Policy" in message.text:
            self.csp_violations.append(message.text)

    def problems(self):
        found = []
        if self.foreign_requests:
            found.append("requests to another host: " + ", ".join(self.foreign_requests))
        if self.csp_violations:
            found.append("Content-Security-Policy violations:\n  " + "\n  ".join(self.csp_violations))
        if self.page_errors:
            found.append("JavaScript errors:\n  " + "\n  ".join(self.page_errors))
        return found


def _open_page(browser, live_server, viewport):
    # Reduced motion: Bootstrap scrolls smoothly otherwise, and Playwright waits for an element to
    # stop moving before each click or check, so every scroll into view was an animation waited
    # out (about 0.1 s a check). The site has no motion of its own; what a test asserts is the same.
    context = browser.new_context(
        viewport=viewport,
        base_url=live_server.url,
        locale="en-US",
        timezone_id=settings.TIME_ZONE,
        reduced_motion="reduce",
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    watch = PageWatch(page, urlsplit(live_server.url).netloc)
    return context, page, watch


def _watched_page(browser, live_server, viewport):
    """Yields a page; afterwards fails the test on anything the browser saw go wrong."""
    context, page, watch = _open_page(browser, live_server, viewport)
    yield page
    context.close()
    problems = watch.problems()
    if problems:
        pytest.fail("The browser saw:\n" + "\n".join(problems))


@pytest.fixture
def phone(browser, live_server, transactional_db):
    """A page 375 px wide, as on a small phone."""
    yield from _watched_page(browser, live_server, PHONE)


@pytest.fixture
def desktop(browser, live_server, transactional_db):
    """A page 1280 px wide."""
    yield from _watched_page(browser, live_server, DESKTOP)


# --- Screenshots and checks -----------------------------------------------------------------------
@pytest.fixture
def screenshot(request):
    """``screenshot(page, name)`` saves artifacts/screenshots/<test>/<NN>-<name>.png (NN counts up)."""
    folder = SCREENSHOTS / re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
    if folder.exists():
        for old in folder.glob("*.png"):
            old.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    counter = iter(range(1, 100))

    def take(page, name):
        path = folder / f"{next(counter):02d}-{re.sub(r'[^A-Za-z0-9_-]+', '-', name)}.png"
        save_full_page(page, path)
        return path

    return take


# What Playwright measures for a full-page screenshot, once the page's fonts are ready (as it waits).
FULL_PAGE_SIZE = """async () => {
    await document.fonts.ready;
    const body = document.body, root = document.documentElement;
    return [
        Math.max(body.scrollWidth, root.scrollWidth, body.offsetWidth, root.offsetWidth, body.clientWidth, root.clientWidth),
        Math.max(body.scrollHeight, root.scrollHeight, body.offsetHeight, root.offsetHeight, body.clientHeight, root.clientHeight),
    ];
}"""


def save_full_page(page, path):
    """The whole page as a PNG: the size and pixels of ``page.screenshot(full_page=True)``, but
    through Chromium's fast PNG encoder (``optimizeForSpeed``, which Playwright does not ask for; the
    file is a little larger). Measured on the home page, 375 x 5,309 px: 0.12 s instead of 0.22 s,
    and the suite takes about 180 of them. The text caret is not hidden as Playwright hides it. A
    page that is navigating away while it is measured is taken by Playwright itself."""
    from playwright.sync_api import Error

    try:
        width, height = page.evaluate(FULL_PAGE_SIZE)
        session = page.context.new_cdp_session(page)
        try:
            shot = session.send(
                "Page.captureScreenshot",
                {
                    "format": "png",
                    "optimizeForSpeed": True,
                    "captureBeyondViewport": True,
                    "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
                },
            )
        finally:
            session.detach()
    except Error:
        page.screenshot(path=str(path), full_page=True)
        return
    path.write_bytes(base64.b64decode(shot["data"]))


SERIOUS = ("serious", "critical")
# Every rule of WCAG 2.0, 2.1 and 2.2 at levels A and AA (2.2 adds target size), and axe's best
# practices, which its default run includes too.
WCAG22_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def axe_check(page):
    """Run axe-core in the page with the WCAG 2.2 tags; fail, listing each one, if any serious or
    critical violation."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"resultTypes": ["violations"], "runOnly": {"type": "tag", "values": WCAG22_TAGS}})
    serious = [v for v in results.response["violations"] if v.get("impact") in SERIOUS]
    if not serious:
        return results
    lines = [f"axe found {len(serious)} serious or critical problem(s) on {page.url}:"]
    for violation in serious:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}  <{violation['helpUrl']}>")
        for node in violation["nodes"][:5]:
            target = " ".join(str(part) for part in node.get("target", []))
            summary = (node.get("failureSummary") or "").replace("\n", " / ")
            lines.append(f"    at {target}: {summary}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    … and {len(violation['nodes']) - 5} more")
    pytest.fail("\n".join(lines), pytrace=False)


@pytest.fixture(name="axe_check")
def axe_check_fixture():
    return axe_check


def has_no_horizontal_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def assert_no_horizontal_scroll(page):
    # Called straight after a click that navigates: measure the page that is arriving, not the
    # one being torn down.
    page.wait_for_load_state("load")
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], (
        f"{page.url} scrolls sideways at {widths[1]} px: the content is {widths[0]} px wide"
    )


# --- Mail: an SMTP server in this process, and a Celery worker that sends to it -------------------
# The SMTP sink is the one the email tests use (tests/conftest.py); here it lives as long as the
# package's worker, because the worker learns the server's address once, when it starts.
@pytest.fixture(scope="package")
def mailbox():
    """A real SMTP server (aiosmtpd) for the browser tests; ``wait_for_mail`` reads it."""
    from aiosmtpd.controller import Controller

    sink = SmtpSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    sink.url = f"smtp://127.0.0.1:{controller.port}"
    sink.port = controller.port
    yield sink
    controller.stop()


def wait_for_mail(mailbox, *, to, subject_contains="", count=1, timeout=60):
    """The messages to `to` whose subject contains `subject_contains`, once `count` have arrived.

    Returns what arrived by the deadline (a wait for the worker, not a timing assertion): the
    caller asserts on the number.
    """
    deadline = time.monotonic() + timeout
    while True:
        with mailbox._lock:
            found = [
                message for message in mailbox.messages
                if to in str(message["To"]) and subject_contains.lower() in str(message["Subject"]).lower()
            ]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def plain_text(message):
    return message.get_body(preferencelist=("plain",)).get_content()


# Package scope: the worker stops after the last browser test, so it never takes the tasks that
# later tests give to workers of their own.
@pytest.fixture(scope="package")
def celery_e2e_worker(django_db_setup, django_db_blocker, live_server, mailbox):
    """One real worker (with beat) for the browser tests: the test database, mail to `mailbox`,
    links in emails to the live server."""
    with django_db_blocker.unblock():
        process = start_worker(
            name=f"e2e-{os.getpid()}",
            extra_env={"EMAIL_URL": mailbox.url, "SITE_URL": live_server.url},
            beat=True,
        )
    yield process
    stop_worker(process)


@pytest.fixture(autouse=True)
def _links_and_mail_point_at_the_test_servers(request, settings):
    """The live server runs in this process: its links and any mail it sends go to the test servers."""
    if "live_server" in request.fixturenames:
        settings.SITE_URL = request.getfixturevalue("live_server").url
    if "mailbox" in request.fixturenames:
        sink = request.getfixturevalue("mailbox")
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False


# --- The pharmacy: a location, a pharmacist who works every day, the LDN consultation -------------
@pytest.fixture
def clinic(transactional_db):
    from tests.factories import pharmacy_open_every_day

    location, pharmacist, kind = pharmacy_open_every_day(allows_video=True)
    return SimpleNamespace(location=location, pharmacist=pharmacist, kind=kind)
