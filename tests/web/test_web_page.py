#!/usr/bin/env python3
"""The web page in headless Chromium (docs/redfish.md, "Web page"): load
it from a real tagmemd, add capacity over QMP, and check that the page
shows the new extent within a second (its summary element and the pixels
of its canvas), then accepted; a screenshot is left in the build directory
for people to look at.  Exits 77 (skip) only when chromium is absent."""
import os
import shutil
import subprocess
import sys
import tempfile
import time
import base64

sys.path.insert(0, os.path.dirname(__file__))
from cdp import Page  # noqa: E402
from tagmem_daemon import Daemon  # noqa: E402

TAG = "0123abcd-0000-4000-8000-00000000000a"
# A DPA inside the extent the test adds, clear of the region boundary line.
INSIDE = 17179869184 + 134217728
SCREENSHOT = os.path.abspath("web-page.png")


def start_browser():
    chromium = shutil.which("chromium")
    if chromium is None:
        print("chromium is not installed (scripts/setup.sh installs it)")
        sys.exit(77)
    profile = tempfile.mkdtemp(prefix="tagmem-chromium-")
    proc = subprocess.Popen(
        [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--remote-debugging-port=0", f"--user-data-dir={profile}",
         "--window-size=1400,700", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    for line in proc.stderr:
        if line.startswith("DevTools listening on ws://"):
            port = int(line.split(":")[2].split("/")[0])
            return proc, port, profile
        if time.monotonic() > deadline:
            break
    proc.kill()
    sys.exit("chromium did not open its DevTools port")


def wait_for(page, expression, seconds):
    """Poll @expression in the page until it is true; the time it took, or fail."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if page.evaluate(expression):
            return time.monotonic() - start
        time.sleep(0.02)
    state = page.evaluate("document.getElementById('summary').textContent")
    sys.exit(f"not true within {seconds} s: {expression} (page says: {state})")


def summary(field):
    return f"document.getElementById('summary').dataset.{field}"


def canvas_pixel_js(dpa):
    """The colour the page drew for host 0 at @dpa of dcd0, as [r, g, b]."""
    return f"""(() => {{
        const dev = window.tagmem.devices.get('dcd0');
        const seg = dev.layout().find((s) => {dpa} >= s.base && {dpa} < s.base + s.len);
        const x = Math.floor(seg.x + (({dpa} - seg.base) / seg.len) * seg.w);
        return Array.from(dev.canvas.getContext('2d').getImageData(x, 16 + 12, 1, 1).data.slice(0, 3));
    }})()"""


def main():
    browser, devtools_port, profile = start_browser()
    daemon = Daemon()
    try:
        page = Page(devtools_port)
        page.call("Page.enable")
        page.call("Page.navigate", url=f"http://127.0.0.1:{daemon.port}/")
        wait_for(page, "window.tagmem && window.tagmem.ready && window.tagmem.frames > 0 && "
                       "document.getElementById('stream').textContent === 'live'", 10)
        assert page.evaluate(summary("extents")) == "0"
        free = page.evaluate(canvas_pixel_js(INSIDE))
        assert free == [0x20, 0x24, 0x2c], f"free space drawn as {free}"

        daemon.execute("object-add", **{"qom-type": "memory-backend-memfd", "id": "m0",
                                        "size": 268435456, "tag": TAG})
        daemon.execute("cxl-add-dynamic-capacity", path="/machine/peripheral/dcd0",
                       **{"host-id": 0, "selection-policy": "prescriptive", "region": 1,
                          "tag": TAG, "extents": [{"offset": 0, "len": 268435456}]})
        took = wait_for(page, f"{summary('pending')} === '1'", 1.0)
        print(f"offered extent on the page after {took * 1000:.0f} ms")
        pending = page.evaluate(canvas_pixel_js(INSIDE))
        assert pending != free, "the pending extent is not drawn"

        daemon.accept(0)
        took = wait_for(page, f"{summary('accepted')} === '1' && {summary('pending')} === '0'", 1.0)
        print(f"accepted extent on the page after {took * 1000:.0f} ms")
        accepted = page.evaluate(canvas_pixel_js(INSIDE))
        assert accepted not in (free, pending), f"accepted drawn as {accepted}"
        # The tag table lists the tag with its size.
        row = page.evaluate("document.querySelector('#tags tbody tr').textContent")
        assert TAG in row and "256" in row, row
        # The release form lists the new chunk (refreshed after events, twice a second at most).
        wait_for(page, "document.querySelector('#release-form select').options.length === 1", 2.0)

        shot = page.call("Page.captureScreenshot", format="png")
        with open(SCREENSHOT, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        print(f"screenshot: {SCREENSHOT}")
    finally:
        code = daemon.stop()
        browser.kill()
        browser.wait()
        shutil.rmtree(profile, ignore_errors=True)
    assert code == 0, f"tagmemd exited with {code}"


if __name__ == "__main__":
    main()
