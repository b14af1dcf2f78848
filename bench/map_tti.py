"""Time to interactive of the county view after login, in headless Chromium, on the
full-scale county (issue 13): ≤ 1.5 s.

Measured from the click on 登录 to the moment the county map is usable: the page is
loaded, the township and village outlines and the service points are drawn, and no
vector tile of the view is still loading (every tile drawn). The first run after the
server starts is reported on its own (it fills the server's caches); the target is on
the median of the following runs. The slowest requests of the last run are listed to
show where the time goes.

    python -m bench.map_tti [--scale 1.0]      (or: make bench BENCH_ARGS="--only map_tti")
"""

from __future__ import annotations

import statistics
import threading
import time
from pathlib import Path

from bench.common import county_db
from bench.tiles import ARGS, PASSWORD, USER, _ensure_user
from gis import db

READY = """(() => {
  const d = window.popgisDrawn, S = window.PopGIS && PopGIS.state;
  if (!d || !S || document.body.dataset.loaded !== 'true') return false;
  if (!(d.township >= 0 && d.village >= 0 && d.service_points >= 0)) return false;
  let busy = false;
  S.map.eachLayer(l => { if (l._tiles) { for (const k in l._tiles) {
      if (!l._tiles[k].loaded) busy = true; } } });
  return !busy;
})()"""


def measure(base: str, runs: int = 5, viewport=(1440, 900), shot: str | None = None) -> dict:
    """Login-to-interactive times (s) for ``runs`` fresh pages, and the slowest
    requests of the last one."""
    from playwright.sync_api import sync_playwright

    times, slow, nav = [], [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for _ in range(runs):
            ctx = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
            page = ctx.new_page()
            page.goto(base + "/login")
            page.fill("#username", USER)
            page.fill("#password", PASSWORD)
            t = time.perf_counter()
            page.click("button[type=submit]")
            page.wait_for_url(base + "/")
            # polled through page.evaluate: the page's CSP forbids the eval that
            # Playwright's wait_for_function needs
            deadline = time.monotonic() + 60
            while not page.evaluate(READY):
                if time.monotonic() > deadline:
                    raise TimeoutError("the county view never became interactive")
                time.sleep(0.02)
            times.append(time.perf_counter() - t)
            nav.append(
                page.evaluate("""(() => { const n = performance.getEntriesByType('navigation')[0];
                return {redirect: Math.round(n.redirectEnd), request: Math.round(n.requestStart),
                        response: Math.round(n.responseEnd),
                        dom: Math.round(n.domContentLoadedEventEnd), ready: Math.round(performance.now())}; })()""")
            )
            slow = page.evaluate("""performance.getEntriesByType('resource')
                .map(e => [Math.round(e.duration), e.name.replace(location.origin, ''),
                           Math.round(e.startTime)])
                .sort((a, b) => b[0] - a[0])""")
            if shot:
                page.screenshot(path=shot)
            ctx.close()
        browser.close()
    return {"times": times, "slowest": slow, "nav": nav}


def run(
    scale: float,
    seed: int,
    rows: list,
    runs: int = int(__import__("os").environ.get("TTI_RUNS", "5")),
) -> None:
    from webmap import create_app

    url = county_db(scale, seed)
    engine = db.engine(url)
    _ensure_user(engine)
    app = create_app({"ENGINE": engine, "SECRET_KEY": "bench-tti"})
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        out = Path(__file__).resolve().parents[1] / "test-artifacts"
        out.mkdir(exist_ok=True)
        result = measure(
            f"http://127.0.0.1:{server.server_port}",
            runs=runs + 1,
            shot=str(out / "bench-county-view-interactive.png"),
        )
    finally:
        server.shutdown()
        engine.dispose()
    # In the browser: from the start of the login navigation (the click on 登录) to
    # ready, by the page's own clock; outside: the same seen from Python (adds the
    # driver's round trips, which on a loaded machine are large).
    inside = [n["ready"] / 1000 for n in result["nav"]]
    first, rest = inside[0], inside[1:]
    tti = statistics.median(rest)
    rows.append(
        ("county view: login → interactive, first run (cold caches)", f"{first:.2f} s", "—", "info")
    )
    rows.append(
        (
            f"county view: login → interactive in the browser, median of {len(rest)} "
            f"(1440×900; runs {', '.join(f'{x:.2f}' for x in rest)})",
            f"{tti:.2f} s",
            "≤ 1.5 s",
            "PASS" if tti <= 1.5 else "MISS",
        )
    )
    outside = result["times"][1:]
    rows.append(
        (
            f"  the same timed from Python (runs {', '.join(f'{x:.2f}' for x in outside)})",
            f"{statistics.median(outside):.2f} s",
            "—",
            "info",
        )
    )
    for n in result["nav"][1:]:
        rows.append((f"  page timeline (ms): {n}", "", "—", "info"))
    reqs = result["slowest"]
    rows.append((f"  requests of the last run: {len(reqs)}", "", "—", "info"))
    for ms, name, start in reqs[:8]:
        rows.append(
            (f"  slowest request: {name[:60]} (started at {start} ms)", f"{ms} ms", "—", "info")
        )


if __name__ == "__main__":  # python -m bench.map_tti [--scale S] [--seed N]
    from bench.run import run_alone

    run_alone(run)
