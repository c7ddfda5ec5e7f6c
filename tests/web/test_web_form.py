#!/usr/bin/env python3
"""The web page's forms end to end in headless Chromium (docs/redfish.md,
"Web page"): with `tagmem host-agent --policy accept-all` as host 1, a user
types into the add form and clicks Add; QMP must see the capacity on host 1
with the typed tag and size, and the page must say the Task completed and
draw it accepted.  Then the release control: QMP must see it gone (and its
backend), the page must draw the space free.  Run twice: without users=
(no login) and with users= (the page asks for a login, a wrong password is
refused on the page, the right one gives a session).  Screenshots are left
in the build directory.  Exits 77 (skip) only when chromium is absent."""
import base64
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from cdp import Page  # noqa: E402
from tagmem_daemon import Daemon  # noqa: E402
from test_web_page import canvas_pixel_js, start_browser, summary, wait_for  # noqa: E402

TAG = "0123abcd-0000-4000-8000-0000000000f1"
HOST = 1
SIZE_MIB = 64
FREE = [0x20, 0x24, 0x2c]


def host_pixel_js(dpa, host):
    """canvas_pixel_js for host row @host rather than host 0."""
    return canvas_pixel_js(dpa).replace("16 + 12", f"16 + {host} * 24 + 12")


def screenshot(page, name):
    page.evaluate("window.scrollTo(0, 0)")
    shot = page.call("Page.captureScreenshot", format="png")
    path = os.path.abspath(name)
    with open(path, "wb") as f:
        f.write(base64.b64decode(shot["data"]))
    print(f"screenshot: {path}")


def tag_status(daemon, host):
    """What QMP says host @host holds of TAG in region 1: Pending, Committed, Released, or
    QMP's error (a tag never offered to the host)."""
    try:
        return daemon.execute("cxl-release-dynamic-capacity-status", path="/machine/peripheral/dcd0",
                              **{"host-id": host}, region=1, tag=TAG)["status"]
    except RuntimeError as err:
        return str(err)


def tag_backends(daemon):
    return [m for m in daemon.execute("query-memdev") if m.get("tag") == TAG]


def start_agent(daemon, host):
    agent = subprocess.Popen([os.environ["TAGMEM"], "host-agent", "--host", str(host), "--socket",
                              os.path.join(daemon.dir, "tagmem", f"host{host}.sock"),
                              "--policy", "accept-all"], stdout=subprocess.PIPE, text=True)
    assert agent.stdout.readline().startswith("ready"), "host agent not ready"
    return agent


def log_in(page):
    """The page asks for a login; a wrong password is refused there, the right one works."""
    wait_for(page, "document.getElementById('login-form') && "
                   "!document.getElementById('login-form').hidden", 10)
    assert page.evaluate(summary("extents")) == "0"
    page.type_into("#login-form input[name=user]", "admin")
    page.type_into("#login-form input[name=password]", "wrong")
    page.click("#login-form button")
    wait_for(page, "document.getElementById('form-status').textContent.startsWith('log in: 401')",
             10)
    assert not page.evaluate("window.tagmem.ready"), "the page read the devices without a login"
    page.type_into("#login-form input[name=user]", "admin")
    page.type_into("#login-form input[name=password]", "s3cret")
    page.click("#login-form button")
    wait_for(page, "document.getElementById('login-form').hidden", 10)


def add_and_release(page, daemon, label):
    # The add form, filled in and submitted as a user would.
    page.type_into("#add-form input[name=region]", "1")
    page.type_into("#add-form input[name=host]", str(HOST))
    page.type_into("#add-form input[name=size]", str(SIZE_MIB))
    page.type_into("#add-form input[name=tag]", TAG.upper())
    page.click("#add-form button")
    wait_for(page, "document.getElementById('form-status').dataset.taskState === 'Completed'", 10)
    wait_for(page, f"{summary('accepted')} === '1' && {summary('pending')} === '0'", 2)
    status = page.evaluate("document.getElementById('form-status').textContent")
    assert status.startswith(f"add {SIZE_MIB} MiB to dcd0 host {HOST}: Completed"), status
    assert tag_status(daemon, HOST) == "Committed", tag_status(daemon, HOST)
    assert tag_status(daemon, 0) not in ("Pending", "Committed"), "host 0 got it too"
    backends = tag_backends(daemon)
    assert [b["size"] for b in backends] == [SIZE_MIB << 20], backends
    inside = (16 << 30) + (SIZE_MIB << 19)  # region 1 starts at 16 GiB; the middle of the chunk
    drawn = page.evaluate(host_pixel_js(inside, HOST))
    assert drawn != FREE, f"accepted chunk drawn as free {drawn}"
    screenshot(page, f"web-form-{label}-added.png")

    # The release control: the chunk is listed (canonical tag), every host lets go.
    wait_for(page, "[...document.querySelectorAll('#release-form option')].some("
                   f"(o) => o.textContent === 'dcd0/1/{TAG}')", 2)
    page.evaluate(f"document.querySelector('#release-form select').value = "
                  f"'/redfish/v1/Chassis/dcd0/MemoryDomains/1/MemoryChunks/{TAG}'")
    page.type_into("#release-form input[name=host]", "")
    page.click("#release-form button")
    wait_for(page, "document.getElementById('form-status').dataset.taskState === 'Completed' && "
                   "document.getElementById('form-status').textContent.startsWith('release')", 10)
    wait_for(page, f"{summary('extents')} === '0'", 2)
    assert tag_status(daemon, HOST) not in ("Pending", "Committed"), tag_status(daemon, HOST)
    end = time.monotonic() + 5
    while tag_backends(daemon) and time.monotonic() < end:
        time.sleep(0.05)
    assert tag_backends(daemon) == [], "the chunk's backend is still there"
    assert page.evaluate(host_pixel_js(inside, HOST)) == FREE, "released chunk still drawn"
    wait_for(page, "document.querySelectorAll('#release-form option').length === 0", 2)
    screenshot(page, f"web-form-{label}-released.png")


def run(devtools_port, users):
    workdir = tempfile.mkdtemp(prefix="tagmem-web-form-")
    options = ""
    if users:
        path = os.path.join(workdir, "users")
        subprocess.run([os.environ["TAGMEM"], "passwd", path, "admin", "--role", "Operator"],
                       input="s3cret\n", text=True, check=True, capture_output=True)
        options = f",users={path}"
    daemon = Daemon(redfish_options=options)
    agent = None
    try:
        agent = start_agent(daemon, HOST)
        page = Page(devtools_port)
        page.call("Page.enable")
        page.call("Page.navigate", url=f"http://127.0.0.1:{daemon.port}/")
        if users:
            log_in(page)
        wait_for(page, "window.tagmem && window.tagmem.ready && window.tagmem.frames > 0 && "
                       "document.getElementById('stream').textContent === 'live'", 10)
        assert page.evaluate("document.getElementById('login-form').hidden")
        add_and_release(page, daemon, "users" if users else "open")
        print(f"{'with' if users else 'without'} users=: added and released through the page")
    finally:
        if agent is not None:
            agent.terminate()
            agent.wait()
        code = daemon.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    assert code == 0, f"tagmemd exited with {code}"


def main():
    browser, devtools_port, profile = start_browser()
    try:
        run(devtools_port, users=False)
        run(devtools_port, users=True)
    finally:
        browser.kill()
        browser.wait()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()
