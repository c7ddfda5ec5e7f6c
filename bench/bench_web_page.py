#!/usr/bin/env python3
"""bench-web-page: the web page with 10,000 extents in headless Chromium
(docs/redfish.md, "Measurements").  A tagmemd whose device holds 10,000
pending extents of one tag; the page loads them (one DPAMap GET), then
100 add/withdraw cycles on the other host stream 200 events at it while
it draws.  Prints the load time, the time one picture takes with 10,000
extents (median and worst of the frames drawn), how many frames the 200
events cost, and the time from writing a QMP add to the page's
EventSource handler getting its event (50 adds, browser and bench clocks
are the same wall clock), beside the same page with no extent as the
reference.

    TAGMEMD=... TAGMEM_WEB_DIR=web bench/bench_web_page.py"""
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "web"))
from cdp import Page  # noqa: E402
from tagmem_daemon import Daemon  # noqa: E402
import test_web_page  # noqa: E402

EXTENTS = 10000
TAG = "0123abcd-0000-4000-8000-0000000000aa"
OTHER = "0123abcd-0000-4000-8000-0000000000bb"
DEVICE = ("cxl-type3,id=dcd0,num-dc-regions=2,dc-regions-total-size=128G,num-hosts=2,"
          "dc-region-sharable=2,dc-max-extents=16384,dc-event-log-depth=65535")


def fill(daemon, n):
    if n == 0:
        return
    daemon.execute("object-add", **{"qom-type": "memory-backend-memfd", "id": "big",
                                    "size": n * 2097152, "tag": TAG})
    extents = [{"offset": i * 4194304, "len": 2097152} for i in range(n)]
    daemon.execute("cxl-add-dynamic-capacity", path="/machine/peripheral/dcd0",
                   **{"host-id": 0, "selection-policy": "prescriptive", "region": 0,
                      "tag": TAG, "extents": extents})


def measure(port, extents, daemon):
    page = Page(port)
    page.call("Page.navigate", url="about:blank")
    start = time.monotonic()
    page.call("Page.navigate", url=f"http://127.0.0.1:{daemon.port}/")
    test_web_page.wait_for(page, f"window.tagmem && window.tagmem.ready && "
                                 f"document.getElementById('summary').dataset.extents === '{extents}'",
                           60)
    loaded = time.monotonic() - start
    frames0 = page.evaluate("window.tagmem.frames")
    draws = []
    daemon.execute("object-add", **{"qom-type": "memory-backend-memfd", "id": f"o{extents}",
                                    "size": 2097152, "tag": OTHER})
    for _ in range(100):
        daemon.execute("cxl-add-dynamic-capacity", path="/machine/peripheral/dcd0",
                       **{"host-id": 1, "selection-policy": "prescriptive", "region": 1,
                          "tag": OTHER, "extents": [{"offset": 0, "len": 2097152}]})
        daemon.execute("cxl-withdraw-dynamic-capacity", path="/machine/peripheral/dcd0",
                       **{"host-id": 1})
        draws.append(page.evaluate("window.tagmem.drawMs"))
    test_web_page.wait_for(page, "window.tagmem.events >= 200", 30)
    frames = page.evaluate("window.tagmem.frames") - frames0
    latencies = []
    for i in range(50):
        before = page.evaluate("window.tagmem.events")
        sent = time.time() * 1000
        daemon.execute("cxl-add-dynamic-capacity", path="/machine/peripheral/dcd0",
                       **{"host-id": 1, "selection-policy": "prescriptive", "region": 1,
                          "tag": OTHER, "extents": [{"offset": 0, "len": 2097152}]})
        test_web_page.wait_for(page, f"window.tagmem.events > {before}", 10)
        latencies.append(page.evaluate("window.tagmem.lastEventAt") - sent)
        daemon.execute("cxl-withdraw-dynamic-capacity", path="/machine/peripheral/dcd0",
                       **{"host-id": 1})
        test_web_page.wait_for(page, f"window.tagmem.events > {before + 1}", 10)
    page.call("Page.navigate", url="about:blank")
    return loaded, draws, frames, latencies


def main():
    browser, port, profile = test_web_page.start_browser()
    rows = []
    try:
        for n in (0, EXTENTS):
            daemon = Daemon(["-device", DEVICE])
            try:
                fill(daemon, n)
                rows.append((n, *measure(port, n, daemon)))
            finally:
                daemon.stop()
    finally:
        browser.kill()
        browser.wait()
        subprocess.run(["rm", "-rf", profile])
    print(f"{'extents':>8} {'load ms':>9} {'draw ms median':>15} {'draw ms max':>12} "
          f"{'frames for 200 events':>22} {'QMP add -> page event ms, median':>33} {'p99':>6}")
    for n, loaded, draws, frames, lat in rows:
        lat.sort()
        print(f"{n:>8} {loaded * 1000:>9.0f} {statistics.median(draws):>15.2f} "
              f"{max(draws):>12.2f} {frames:>22} {statistics.median(lat):>33.2f} "
              f"{lat[len(lat) * 99 // 100]:>6.2f}")
    base, big = statistics.median(rows[0][2]), statistics.median(rows[1][2])
    print(f"one picture with {EXTENTS} extents: {big:.2f} ms "
          f"({big / max(base, 0.01):.1f}x the empty page; a 60 Hz frame is 16.7 ms)")


if __name__ == "__main__":
    main()
