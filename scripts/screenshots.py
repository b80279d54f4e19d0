"""Screenshots of TensorBoard on the demo's log dir, for the README.

Runs `python -m keras_timing demo` into a new folder (TensorFlow backend,
so the Profile tab has captures it can open), starts TensorBoard on it at
127.0.0.1 on a free port, waits until it answers, and takes one screenshot
per view with headless Chromium driven by chromedriver through Selenium
(Debian: `apt-get install chromium chromium-driver`; `pip install
selenium`), then one of the dense launch's `keras-timing report --html`
page. Each page gets `--budget-ms` of real time before its screenshot:
the Time Series tab draws a card's chart only once the card is on screen
and its data came, which Chromium's `--screenshot` with a virtual time
budget never lets happen (its cards came out empty). The PNGs go to
`docs/images/`; TensorBoard is stopped at the end, also on failure. Not
run by the tests: it needs chromium and takes a few minutes.

Usage:

    python scripts/screenshots.py [--out docs/images] [--epochs 2]
        [--log-dir DIR]   # reuse a demo log dir instead of a new one
        [--budget-ms 15000]

Regenerate the pictures whenever what TensorBoard shows changes.
"""

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# (file name, URL query and fragment, window height, caption): the
# README's captions. `forceSVG` draws the Time Series charts as SVG: their
# WebGL lines do not show in a headless screenshot.
VIEWS = [
    ("time_series.png",
     "?forceSVG=true&runFilter=train&tagFilter=timing%2F(batch_ms%7C"
     "input_wait_ms%7Cms_per_sample)#timeseries", 900,
     "Time Series: each train run's batch_ms, input wait and ms per "
     "sample, per step"),
    ("custom_scalars.png", "?forceSVG=true#custom_scalars", 900,
     "Custom Scalars: time per sample with its p10-p90 band, every run"),
    ("text.png", "#text", 1900,
     "Text: explain's stage table and each run's end-of-call summary"),
    ("profile.png", "#profile", 900,
     "Profile: the overview page (performance summary) of a TensorFlow "
     "capture"),
    ("explain.png", "#images", 700,
     "Images: explain's chart, each stage's share of the training step"),
]


# The report page (`keras-timing report --html`), opened from its file.
PAGE = ("report_page.png", 2300,
        "keras-timing report --html: one launch's tables, verdicts, charts")


def free_port():
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_demo(log_dir, epochs):
    env = dict(os.environ, KERAS_BACKEND="tensorflow",
               TF_CPP_MIN_LOG_LEVEL="3")
    subprocess.run([sys.executable, "-m", "keras_timing", "demo",
                    "--log-dir", log_dir, "--epochs", str(epochs)],
                   cwd=ROOT, env=env, check=True)


def wait_for(url, timeout_s=120):
    """Polls `url` until it answers 200; raises TimeoutError."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return r.read()
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError("TensorBoard did not answer at %s" % url)
        time.sleep(1)


def browser():
    """Headless Chromium under chromedriver (Selenium), or SystemExit
    saying what to install."""
    try:
        from selenium import webdriver
    except ImportError:
        raise SystemExit("pip install selenium (and apt-get install -y "
                         "chromium chromium-driver)")
    driver = shutil.which("chromedriver")
    if driver is None:
        raise SystemExit("no chromedriver: apt-get install -y chromium "
                         "chromium-driver")
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu",
                 "--disable-quic", "--no-first-run", "--hide-scrollbars",
                 "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"):
        options.add_argument(flag)
    return webdriver.Chrome(options=options, service=webdriver.ChromeService(
        executable_path=driver))


def screenshot(url, path, budget_ms, height=900):
    """One screenshot of `url`, 1400 x `height` px, into `path`, after
    `budget_ms` of real time (the Time Series' side pane closed)."""
    from selenium.webdriver.common.by import By

    driver = browser()
    try:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": 1400, "height": height, "deviceScaleFactor": 1,
            "mobile": False})
        driver.get(url)
        time.sleep(budget_ms / 2e3)
        for button in driver.find_elements(
                By.CSS_SELECTOR, "button[aria-label='Close side pane']"):
            if button.is_displayed():
                button.click()
        time.sleep(budget_ms / 2e3)
        driver.save_screenshot(path)
    finally:
        driver.quit()


def report_page(log_dir, out, budget_ms):
    """The dense launch's `keras-timing report --html` page, drawn."""
    dense = sorted(n for n in os.listdir(log_dir) if n.endswith("dense"))[-1]
    page = os.path.join(tempfile.mkdtemp(prefix="keras_timing_page_"),
                        "report.html")
    try:
        subprocess.run([sys.executable, "-m", "keras_timing", "report",
                        os.path.join(log_dir, dense), "--html", page],
                       cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        path = os.path.join(out, PAGE[0])
        screenshot("file://" + page, path, budget_ms, PAGE[1])
    finally:
        shutil.rmtree(os.path.dirname(page), ignore_errors=True)
    print("%s (%.0f kB): %s" % (path, os.path.getsize(path) / 1e3, PAGE[2]))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default=os.path.join(ROOT, "docs", "images"))
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--log-dir", help="a demo log dir to reuse")
    p.add_argument("--budget-ms", type=int, default=15000,
                   help="real time a page gets before its screenshot")
    args = p.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    scratch = None
    log_dir = args.log_dir
    if log_dir is None:
        scratch = tempfile.mkdtemp(prefix="keras_timing_demo_")
        log_dir = scratch
        run_demo(log_dir, args.epochs)
    report_page(log_dir, args.out, args.budget_ms)
    port = free_port()
    base = "http://127.0.0.1:%d/" % port
    board = subprocess.Popen(
        [sys.executable, "-m", "tensorboard.main", "--logdir", log_dir,
         "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(base + "data/plugins_listing")
        # The Profile tab lists sessions once the plugin has walked the dir.
        wait_for(base + "data/plugin/profile/runs")
        for name, query, height, caption in VIEWS:
            path = os.path.join(args.out, name)
            screenshot(base + query, path, args.budget_ms, height)
            print("%s (%.0f kB): %s" % (path, os.path.getsize(path) / 1e3,
                                        caption))
    finally:
        board.terminate()
        try:
            board.wait(timeout=20)
        except subprocess.TimeoutExpired:
            board.kill()
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
