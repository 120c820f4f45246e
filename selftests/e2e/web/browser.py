#!/usr/bin/python3
"""Drives the dashboard in headless Chromium (Selenium) for
selftests/e2e/test_e2e_web.sh; prints what it saw as JSON on stdout.

    browser.py URL JOB [ARG...]         one job, in a browser of its own
    browser.py URL --serve              jobs from stdin, one per line (JOB and
                                        its arguments, space separated), each
                                        answered with one JSON line; one browser
                                        for all (starting Chromium is most of a
                                        job's time), its cookies cleared between
                                        jobs, and a phone-sized one for "phone"

Jobs:
    devices                             {"MAC": [bytes_up, bytes_down], ...} as the page shows
    block TOKEN MAC TARGET              signs in, clicks block on TARGET's row
    unblock TOKEN ID                    signs in, clicks unblock on rule ID
    text MAC                            the destination cells of the device page, and
                                        whether any script of a device string ran
    phone OUT-DIR MAC...                at 390 px: each page's scrollWidth and
                                        innerWidth, screenshots in OUT-DIR
"""
import json
import os
import shutil
import sys
import tempfile

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait


def browser(phone=False):
    opts = webdriver.ChromeOptions()
    profile = tempfile.mkdtemp(prefix="iotrim-web-")
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
              "--no-first-run", "--user-data-dir=" + profile, "--window-size=1200,900"):
        opts.add_argument(a)
    if phone:
        # A desktop window cannot be narrower than 500 px: emulate the phone's viewport.
        opts.add_experimental_option("mobileEmulation", {
            "deviceMetrics": {"width": 390, "height": 844, "pixelRatio": 3.0}})
    opts.binary_location = "/usr/bin/chromium"
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    d.profile_dir = profile
    return d


def close(d):
    d.quit()
    shutil.rmtree(d.profile_dir, ignore_errors=True)


def sign_in(d, url, token):
    d.get(url + "/login")
    d.find_element(By.NAME, "secret").send_keys(token)
    d.find_element(By.CSS_SELECTOR, "form button").click()
    WebDriverWait(d, 10).until(lambda d: d.find_elements(By.ID, "logout"))


def wait_status(d):
    """The status line once the action has answered (the page reloads after it)."""
    def answered(d):
        t = d.find_element(By.ID, "status").text
        return t if t.endswith("done") or "failed" in t else False
    return WebDriverWait(d, 15).until(answered)


def devices(d, url):
    d.get(url + "/")
    # Let one poll of the API run, so the numbers are the live ones.
    WebDriverWait(d, 10).until(
        lambda d: d.execute_script("var t=document.getElementById('devices');"
                                   "return t && t.dataset.updated"))
    out = {}
    for tr in d.find_elements(By.CSS_SELECTOR, "#devices tbody tr"):
        cell = lambda f: int(tr.find_element(By.CSS_SELECTOR, f'td[data-field="{f}"]').text)
        out[tr.get_attribute("data-key")] = [cell("bytes_up"), cell("bytes_down")]
    return out


def block(d, url, token, mac, target):
    sign_in(d, url, token)
    d.get(f"{url}/device?mac={mac}")
    buttons = [b for b in d.find_elements(By.CSS_SELECTOR, "button.block")
               if b.get_attribute("data-target") == target]
    if not buttons:
        return {"error": f"no block button for {target}"}
    buttons[0].click()
    return {"status": wait_status(d)}


def unblock(d, url, token, rule):
    sign_in(d, url, token)
    d.get(url + "/blocks")
    d.find_element(By.CSS_SELECTOR, f'button.unblock[data-rule="{rule}"]').click()
    return {"status": wait_status(d)}


def text(d, url, mac):
    d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                      {"source": "window.__alerts=[];window.alert=function(m){__alerts.push(String(m))};"})
    d.get(f"{url}/device?mac={mac}")
    cells = [td.text for td in d.find_elements(By.CSS_SELECTOR, "td.dest")]
    return {"cells": cells,
            "alerts": d.execute_script("return window.__alerts"),
            "scripts": d.execute_script("return document.scripts.length"),
            "injected": d.execute_script("return document.querySelectorAll('td script, td img').length")}


def phone(d, url, out_dir, macs):
    pages = {"devices": "/", "blocks": "/blocks", "experiments": "/experiments"}
    for m in macs:
        pages["device-" + m.replace(":", "")] = "/device?mac=" + m
    res = {}
    for name, path in pages.items():
        d.get(url + path)
        res[name] = d.execute_script(
            "return [document.documentElement.scrollWidth, window.innerWidth]")
        d.save_screenshot(os.path.join(out_dir, f"phone-{name}.png"))
    return res


def run_job(d, url, job, args):
    if job == "devices":
        return devices(d, url)
    if job == "block":
        return block(d, url, *args)
    if job == "unblock":
        return unblock(d, url, *args)
    if job == "text":
        return text(d, url, *args)
    if job == "phone":
        return phone(d, url, args[0], args[1:])
    return {"error": "unknown job " + job}


def serve(url):
    browsers = {}
    try:
        for line in sys.stdin:
            job, *args = line.split()
            kind = "phone" if job == "phone" else "desktop"
            if kind not in browsers:
                browsers[kind] = browser(phone=kind == "phone")
            d = browsers[kind]
            d.delete_all_cookies()
            try:
                res = run_job(d, url, job, args)
            except Exception as e:  # the test reports it; the next job still runs
                res = {"error": f"{type(e).__name__}: {e}"}
            print(json.dumps(res), flush=True)
    finally:
        for d in browsers.values():
            close(d)


def main():
    url, job, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    if job == "--serve":
        serve(url)
        return
    d = browser(phone=job == "phone")
    try:
        res = run_job(d, url, job, args)
    finally:
        close(d)
    print(json.dumps(res))


if __name__ == "__main__":
    main()
