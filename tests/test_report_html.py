"""report.html in a real browser: headless Chromium (Debian's package) driven by Selenium. The page
loads without console errors or network requests, draws one point per document, and a click on a
point shows that document's text with its summary highlighted."""

from __future__ import annotations

import json
import os
import shutil
import time

import pytest

from toolkit.experiments.runfolder import write_run

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
if not (CHROMIUM and DRIVER) and not os.environ.get("CI"):
    pytest.skip("needs chromium and chromedriver (apt-get install chromium chromium-driver); CI installs them",
                allow_module_level=True)


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1400,1000"):
        options.add_argument(arg)
    options.binary_location = CHROMIUM
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=webdriver.ChromeService(DRIVER), options=options)
    yield driver
    driver.quit()


def _open(driver, page) -> float:
    """Load ``page``; seconds until its script has drawn the map."""
    driver.get_log("browser"), driver.get_log("performance")  # start both logs empty
    start = time.perf_counter()
    driver.get(page.as_uri())
    for _ in range(600):
        if driver.execute_script("return window.reportReady === true"):
            return time.perf_counter() - start
        time.sleep(0.05)
    raise AssertionError(f"{page}: the map was not drawn within 30 s")


def _requests(driver) -> list[str]:
    events = [json.loads(e["message"])["message"] for e in driver.get_log("performance")]
    urls = [e["params"]["request"]["url"] for e in events if e["method"] == "Network.requestWillBeSent"]
    return [u for u in urls if not u.startswith("data:")]  # an image the page drew itself (the heatmap)


def _click_point(driver, index: int) -> str:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    points = driver.find_elements(By.CSS_SELECTOR, "#map .scatterlayer .point")
    ActionChains(driver).move_to_element(points[index]).click().perform()
    for _ in range(100):
        shown = driver.execute_script("return document.getElementById('doc').dataset.shown || ''")
        if shown:
            return shown
        time.sleep(0.05)
    return ""


def _check_page(driver, folder, result, expect_marks: bool) -> float:
    page = folder / "report.html"
    seconds = _open(driver, page)
    assert [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")] == []
    assert _requests(driver) == [page.as_uri()], "the page fetched something besides itself"
    points = driver.execute_script("return document.querySelectorAll('#map .scatterlayer .point').length")
    assert points == len(result.labels)
    shown = _click_point(driver, 0)
    from selenium.webdriver.common.by import By

    # Points overlap on a large map: the document shown must be one drawn where the click landed.
    distance = driver.execute_script("""
        const docs = JSON.parse(document.getElementById('report-data').textContent).documents;
        const id = arguments[0];
        const gd = document.getElementById('map');
        const traces = [...gd.querySelectorAll('.scatterlayer .trace')];
        let shownPoint = null;
        gd.data.forEach((tr, t) => tr.customdata.forEach((i, k) => {
            if (docs[i].id === id) shownPoint = traces[t].querySelectorAll('.point')[k]; }));
        const a = gd.querySelectorAll('.scatterlayer .point')[0].getBoundingClientRect();
        const b = shownPoint.getBoundingClientRect();
        return Math.hypot(a.x - b.x, a.y - b.y);""", shown)
    assert shown and distance < 6, (shown, distance)
    marks = [m.text for m in driver.find_elements(By.CSS_SELECTOR, "#doc mark")]
    summary = next((s for s in result.summaries if s.unit == "document" and s.id == shown), None)
    if expect_marks:
        assert marks == [s["text"] for s in summary.sentences]
    links = {a.get_attribute("textContent") for a in driver.find_elements(By.CSS_SELECTOR, "#files a")}
    assert links == {p.name for p in folder.iterdir()}
    return seconds


def test_news_page_report_in_a_browser(browser, skynews_result, tmp_path):
    folder = write_run(skynews_result, tmp_path)
    seconds = _check_page(browser, folder, skynews_result, expect_marks=True)
    from selenium.webdriver.common.by import By

    rows = browser.find_elements(By.CSS_SELECTOR, "#topics tr")
    assert len(rows) == len(skynews_result.topics) + 1
    # The model's views are drawn below, each topic in its map colour.
    drawn = browser.execute_script("""
        const ids = ['view-keywords', 'view-similarity', 'view-tree'];
        const out = {};
        for (const id of ids) out[id] = document.querySelectorAll('#' + id + ' .main-svg').length;
        const gd = document.getElementById('view-keywords');
        out.bars = gd.data.map(tr => [tr.name, tr.marker.color]);
        out.map = document.getElementById('map').data.map(tr => [tr.name, tr.marker.color]);
        return out;""")
    assert all(drawn[key] > 0 for key in ("view-keywords", "view-similarity", "view-tree")), drawn
    map_colours = {name.split(":")[0]: colour for name, colour in drawn["map"]}
    assert drawn["bars"] and all(map_colours[str(topic)] == colour for topic, colour in drawn["bars"])
    print(f"news page report.html: {(folder / 'report.html').stat().st_size:,} bytes, drawn in {seconds:.2f} s")


def test_ag_news_report_draws_all_7600_points(browser, tmp_path):
    """All of AG News (TF-IDF vectors, to keep the test quick), with gold labels: the contingency
    table is on the page too."""
    from toolkit import execute

    config = {"name": "ag-browser", "seed": 0,
              "dataset": {"loader": "builtin", "name": "ag_news"}, "embedding": {"model": "tfidf"},
              "cluster": {"method": "minibatch_kmeans", "n_clusters": 4}, "topics": {"names": None},
              "summarize": {"units": ["document"], "sentences": 1}}
    from toolkit.experiments.config import resolve

    result = execute(resolve(config), progress=False)
    folder = write_run(result, tmp_path)
    seconds = _check_page(browser, folder, result, expect_marks=True)
    from selenium.webdriver.common.by import By

    assert browser.find_elements(By.CSS_SELECTOR, "#contingency tr")
    print(f"AG News report.html: {(folder / 'report.html').stat().st_size:,} bytes, 7,600 points drawn in "
          f"{seconds:.2f} s")


def test_a_hostile_corpus_still_draws_and_runs_no_script(browser, tmp_path):
    """Documents that say ``<!--``, ``</script>`` and ``<img onerror>`` in titles, texts, labels
    and topic names: every point is drawn, nothing they hold runs, and the click shows the text."""
    import csv

    from toolkit import execute
    from toolkit.experiments.config import resolve

    rows = [("Quake <!-- rescue", "Rescue teams searched buildings after the earthquake. Survivors were found."),
            ("Aftershocks </script><script>window.pwned=1</script>", "Aftershocks hampered the earthquake rescue. "
             "<img src=x onerror=window.pwned=2> Teams dug on."),
            ("Bank \"raises\" rates & more", "The central bank raised interest rates again. Markets fell."),
            ("Markets <b onmouseover=window.pwned=3>fall</b>", "Markets fell as the bank signalled rate rises. "
             "Investors sold.")]
    with open(tmp_path / "news.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["title", "text", "label"])
        writer.writerows((t, x, "<!--quake" if i < 2 else "</script>") for i, (t, x) in enumerate(rows))
    config = {"name": "hostile", "dataset": {"loader": "csv", "path": str(tmp_path / "news.csv"), "title": "title",
                                             "label": "label", "markup": False},
              "cluster": {"n_clusters": 2}, "topics": {"names": ["<!--", "</script><script>window.pwned=4</script>"]}}
    result = execute(resolve(config), progress=False)
    folder = write_run(result, tmp_path / "results")
    _check_page(browser, folder, result, expect_marks=True)
    assert browser.execute_script("return window.pwned === undefined")
    text = browser.execute_script("return document.getElementById('doc').textContent")
    shown = browser.execute_script("return document.getElementById('doc').dataset.shown")
    title = next(d.title for d in result.corpus if d.id == shown)
    assert title in text  # shown as text, exactly


def test_a_thirty_topic_report_has_distinct_colours_metrics_tree_timeline_search_and_no_sideways_page(
        browser, tmp_path):
    """HuffPost (29 unbalanced sections, dated) in 30 topics, TF-IDF vectors to keep the test quick:
    every topic its own colour, the page no wider than the window (the 29-column contingency table
    scrolls in its own box), the metrics, tree and timeline drawn, the least certain documents
    open on a click, and the search box finds exactly the documents holding a word."""
    from selenium.webdriver.common.by import By

    from toolkit import execute
    from toolkit.experiments.config import resolve

    config = {"name": "huffpost-30", "seed": 0, "dataset": {"loader": "builtin", "name": "huffpost"},
              "embedding": {"model": "tfidf"}, "cluster": {"method": "minibatch_kmeans", "n_clusters": 30},
              "summarize": {"units": ["topic"], "sentences": 1}}
    result = execute(resolve(config), progress=False)
    folder = write_run(result, tmp_path)
    _open(browser, folder / "report.html")
    assert [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "WARNING")] == []
    page = browser.execute_script("""
        const root = document.documentElement, box = document.querySelector('.scroll');
        const colours = document.getElementById('map').data.filter(t => !t.name.startsWith('outlier'))
            .map(t => t.marker.color);
        return {wide: root.scrollWidth - root.clientWidth, colours: colours, box: box.scrollWidth - box.clientWidth,
                tree: document.querySelectorAll('#view-tree .main-svg').length,
                time: document.querySelectorAll('#view-time .main-svg').length,
                nmi: [...document.querySelectorAll('#metrics td')].some(td => td.textContent === 'nmi')};""")
    assert len(page["colours"]) == 30 and len(set(page["colours"])) == 30
    assert page["wide"] <= 0 and page["box"] > 0, page  # the table scrolls, the page does not
    assert page["tree"] and page["time"] and page["nmi"], page
    rows = browser.find_elements(By.CSS_SELECTOR, "#uncertain tr[data-doc]")
    assert rows
    rows[0].find_element(By.TAG_NAME, "a").click()
    assert browser.execute_script("return document.getElementById('doc').dataset.shown") == \
        rows[0].get_attribute("data-doc")
    browser.find_element(By.ID, "search").send_keys("hurricane")
    for _ in range(100):
        if browser.find_elements(By.CSS_SELECTOR, "#hits p"):
            break
        time.sleep(0.05)
    holding = sum("hurricane" in f"{d.heading()} {' '.join(d.sentences)}".lower() for d in result.corpus)
    assert browser.find_element(By.CSS_SELECTOR, "#hits p").text.startswith(f"{holding} documents contain")
    dimmed = browser.execute_script(
        "return document.getElementById('map').data.reduce((n, t) => n + (t.selectedpoints || []).length, 0)")
    assert 0 < holding == dimmed
    browser.save_screenshot(str(tmp_path / "report_30_topics.png"))
    size = (folder / "report.html").stat().st_size
    print(f"30-topic HuffPost report.html: {size:,} bytes")
