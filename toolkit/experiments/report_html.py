"""``report.html``: a run's interactive report, one self-contained file that works offline.

The topic map is drawn by plotly.js, read from the ``plotly`` Python package and inlined, so no
request leaves the page: hover a point for its title, topic and probability, click it for the
document's text with the summary's sentences highlighted; a search box lists the documents that
hold a word or phrase and dims the others on the map. Below the map: the run's metrics, the topic
table (keywords, exemplars, topic summary), the model's interactive views (the figures its
``visualize_*`` methods draw in a notebook: keywords, similarity, the topic tree, topics over
time), the contingency table when there are gold labels (scrolling in its own box), the least
certain documents, and links to every file of the run folder. Every topic has the colour of its
id (:mod:`toolkit.palette`). The PNG and PDF figures stay the ones for papers.
"""

from __future__ import annotations

import base64
import hashlib
import html
from functools import cache
from importlib import resources

import numpy as np

from toolkit.arrays import seeded_sample
from toolkit.errors import topic_count
from toolkit.escape import json_for_html
from toolkit.experiments.report import headings, least_certain, unnamed_note
from toolkit.experiments.result import RunResult
from toolkit.palette import topic_colour

# Nothing may be fetched, and only the page's own two scripts run (allowed by their hashes; plotly.js
# compiles some functions at run time, hence 'unsafe-eval'); plotly sets inline styles as it draws.
CSP = ("default-src 'none'; script-src {hashes} 'unsafe-eval'; style-src 'unsafe-inline'; "
       "img-src data: blob:; font-src data:; base-uri 'none'; form-action 'none'")
WEBGL_ABOVE = 20_000  # points drawn with WebGL beyond this many documents (SVG is slow there)
MAP_POINTS = 100_000  # documents on the map; a larger corpus shows a seeded sample of this many
FULL_TEXT_UP_TO = 50_000  # documents whose whole text the page carries; beyond, the summary only


@cache
def plotly_js() -> str:
    """plotly.js as shipped in the ``plotly`` package (no network)."""
    return (resources.files("plotly") / "package_data" / "plotly.min.js").read_text(encoding="utf-8")


def script_hash(script: str) -> str:
    """The CSP source that allows exactly this inline script."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii") + "'"


@cache
def content_security_policy() -> str:
    """The page's policy: its own scripts by hash, nothing else runs and nothing is fetched."""
    return CSP.format(hashes=f"{script_hash(plotly_js())} {script_hash(SCRIPT)}")


def _esc(text) -> str:
    return html.escape(str(text), quote=True)


def page_data(result: RunResult, random_state: int = 0) -> dict:
    """What the page's script reads: one record per document (at the positions the run
    computed, ``result.coords``), and the traces' order."""
    xy = np.round(np.asarray(result.coords), 4)
    names = {t.id: t.name for t in result.topics}
    rows = result.assignments()
    chosen = {s.id: [x["position"] for x in s.sentences] for s in result.summaries if s.unit == "document"}
    # positions picked as the context of the next sentence, and the sentences that needed them
    context = {s.id: [x["position"] for x in s.sentences if x.get("context")] for s in result.summaries
               if s.unit == "document"}
    full = len(rows) <= FULL_TEXT_UP_TO
    shown = seeded_sample(len(rows), MAP_POINTS, random_state)
    docs = []
    for i in shown.tolist():
        doc, row = result.corpus[i], rows[i]
        sentences = list(doc.sentences) if full else [doc.sentences[p] for p in chosen.get(doc.id, [])]
        docs.append({"id": doc.id, "title": doc.heading(), "k": int(result.labels[i]),
                     "topic": names[int(result.labels[i])],
                     "p": row.get("p1"), "x": float(xy[i, 0]), "y": float(xy[i, 1]), "label": doc.label or "",
                     "sentences": sentences,
                     "chosen": chosen.get(doc.id, []) if full else list(range(len(sentences))),
                     "context": context.get(doc.id, []) if full else []})
    order = sorted(names, key=lambda t: (t < 0, t))
    sizes = {t: int(np.sum(result.labels == t)) for t in order}
    return {"documents": docs, "topics": [{"id": t, "name": names[t], "size": sizes[t], "colour": topic_colour(t)}
                                          for t in order],
            "summaries": bool(chosen), "webgl": len(docs) > WEBGL_ABOVE, "full_text": full}


def _topic_rows(result: RunResult) -> str:
    by_id = {d.id: d for d in result.corpus}
    summaries = {s.id: s for s in result.summaries if s.unit == "topic"}
    out = []
    for t in result.topics:
        keywords = ", ".join(k for k, _ in t.keywords[:8])
        exemplars = "".join(f"<li>{_esc(by_id[e].heading() if e in by_id else e)}</li>" for e in t.exemplars[:3])
        summary = summaries.get(str(t.id))
        text = " ".join(_esc(s["text"]) for s in summary.sentences) if summary else ""
        note = unnamed_note(t, result.config)  # why a candidate name was refused, as report.md says it
        name = f"<b>{_esc(t.name)}</b>" + (f"<br><small>{_esc(note)}</small>" if note else "")
        out.append(f"<tr><td>{t.id}</td><td>{name}</td><td>{t.size:,}</td><td>{_esc(keywords)}</td>"
                   f"<td><ul>{exemplars}</ul></td><td>{text}</td></tr>")
    return "\n".join(out)


def _contingency(result: RunResult) -> str:
    table = result.metrics.get("contingency")
    if not table:
        return ""
    head = "".join(f"<th>{_esc(c)}</th>" for c in table["columns"])
    ids = table.get("ids") or [None] * len(table["rows"])
    body = "".join(f"<tr><th>{'' if i is None else f'{int(i)}: '}{_esc(r)}</th>" +
                   "".join(f"<td>{int(v):,}</td>" for v in counts) + "</tr>"
                   for i, r, counts in zip(ids, table["rows"], table["counts"]))
    return (f'<h2 id="sec-contingency">Topics against gold labels</h2><div class="scroll"><table id="contingency">'
            f"<tr><th>topic</th>{head}</tr>{body}</table></div>")


def topic_views(result: RunResult) -> list[dict]:
    """The fitted model's interactive views, as its ``visualize_*`` methods draw them in a notebook:
    keyword bars of every topic, the topic-similarity heatmap and the topic tree (two topics or
    more), and topics over time at the run's bin (dated corpora). Each is ``{"id", "figure"}``,
    the figure as plotly JSON (names and texts already escaped by the views)."""
    import json

    from toolkit.topics.views import over_time

    model = result.model
    topics = [t.id for t in result.topics if t.id >= 0]
    figures = {"view-keywords": model.visualize_barchart(top_n_topics=None, width=220, height=200)}
    if len(topics) >= 2:
        figures["view-similarity"] = model.visualize_heatmap(width=min(900, 300 + 24 * len(topics)),
                                                             height=min(900, 300 + 24 * len(topics)))
        figures["view-tree"] = model.visualize_hierarchy()
    table = result.derived.over_time
    if table is not None and len(table):
        figures["view-time"] = over_time(table, top_n_topics=10, width=1150)
    return [{"id": key, "figure": json.loads(fig.to_json())} for key, fig in figures.items()]


def _stream(result: RunResult) -> str:
    """The run's stream (an experiment's ``stream`` section): its new topics and a link to its
    update page, as report.md's Stream section has them."""
    stream = result.metrics.get("stream")
    if not stream:
        return ""
    rows = "".join(f"<tr><td>{int(t['topic'])}</td><td>{_esc(t['name'])}</td><td>{int(t['batch'])}</td>"
                   f"<td>{_esc(t['first_seen'])}</td></tr>" for t in stream["new_topics"])
    table = (f'<table id="stream-topics"><tr><th>new topic</th><th>name</th><th>born in batch</th>'
             f"<th>first seen</th></tr>{rows}</table>" if rows else "<p>No new topic was born.</p>")
    until = result.config.get("stream", {}).get("until", "")
    return (f'<h2 id="sec-stream">Stream</h2>'
            f"<p>Fitted on the documents before {_esc(until)}; a copy of the model was fed the "
            f"{int(stream['documents']):,} later documents in {int(stream['batches'])} batches "
            f'(<a href="stream/update.md">stream/update.md</a>, <a href="stream/timeline.png">timeline</a>, the '
            f"updated model in <code>stream/model/</code>).</p>{table}")


METRIC_GROUPS = (  # (metrics.json section, heading, keys shown; None: every number the section has)
    ("clustering", "Clustering", ("n_clusters", "outlier_share", "nmi", "ami", "ari", "v_measure", "purity",
                                  "silhouette_cosine", "name_accuracy")),
    ("topics", "Topic quality", ("npmi", "diversity")),
    ("auto_k", "Number of topics", ("chosen", "criterion", "modularity", "null_modularity")),
    ("assignment", "Assignment", ("mean_top_probability", "uncertain_share")),
)
UNCERTAIN_SHOWN = 15  # least certain documents listed on the page


def _metrics(result: RunResult) -> str:
    """The run's measures as metrics.json has them, a small table per section."""
    tables = []
    for section, heading, keys in METRIC_GROUPS:
        values = dict(result.metrics.get(section) or {})
        if not (result.config.get("topics") or {}).get("names"):
            values.pop("name_accuracy", None)  # no candidate names: nothing was named, nothing to score
        rows = "".join(f"<tr><td>{_esc(k)}</td><td>{_esc(_number(values[k]))}</td></tr>" for k in keys
                       if k in values and values[k] is not None)
        if rows:
            tables.append(f'<table class="metric"><tr><th colspan="2">{heading}</th></tr>{rows}</table>')
    rouge = (result.metrics.get("summaries") or {}).get("document") or {}
    if "rouge1" in rouge:
        rows = "".join(f"<tr><td>{k}</td><td>{_number(rouge[k])} [{', '.join(_number(v) for v in rouge[k + '_ci95'])}]"
                       "</td></tr>" for k in ("rouge1", "rouge2", "rougeL", "rougeLsum") if k in rouge)
        tables.append('<table class="metric"><tr><th colspan="2">Summaries vs references (F1, 95% interval)</th>'
                      f"</tr>{rows}</table>")
    context = (result.metrics.get("summaries") or {}).get("context") or {}
    if context:
        rows = "".join(f"<tr><td>{_esc(unit)}</td><td>{c['dangling']:,} of {c['picked']:,} "
                       f"({100 * c['dangling_share']:.1f}%)</td></tr>" for unit, c in context.items())
        tables.append('<table class="metric" id="dangling"><tr><th colspan="2">Summary sentences that lean on an '
                      f"unpicked sentence before them</th></tr>{rows}</table>")
    if not tables:
        return ""
    return ('<h2 id="sec-metrics">Metrics</h2><div id="metrics">' + "".join(tables) +
            '</div><p class="meta">Every measure of the run, timings included, is in <a href="metrics.json">'
            "metrics.json</a>.</p>")


def _number(value) -> str:
    return f"{value:,.3f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def _uncertain(result: RunResult) -> str:
    """The documents whose most likely topic is least likely: where the topics blur."""
    unsure = least_certain(result)
    if unsure is None:
        return ""
    names = {t.id: t.name for t in result.topics}
    titles = headings(result)
    lines = []
    for r in unsure[:UNCERTAIN_SHOWN]:
        tops = ", ".join(f"{r[f'top{k}']}: {_esc(names[r[f'top{k}']])} {r[f'p{k}']:.2f}" for k in (1, 2, 3)
                         if r[f"top{k}"] != "")
        lines.append(f'<tr data-doc="{_esc(r["id"])}"><td><a href="#panes">{_esc(titles[r["id"]])}</a></td>'
                     f"<td>{tops}</td></tr>")
    table = ('<table id="uncertain"><tr><th>document</th><th>most likely topics (probability)</th></tr>'
             + "".join(lines) + "</table>") if lines else ""
    return (f'<h2 id="sec-uncertain">Least certain documents</h2>'
            f"<p>{len(unsure):,} of {len(result.labels):,} documents have no clear topic "
            "(the most likely one below probability 0.5)" + (f"; the {len(lines)} least clear, click one to read it"
                                                              if lines else "") +
            f' (every document\'s three most likely topics: <a href="assignments.csv">assignments.csv</a>).</p>{table}')


def _links(files: list[str]) -> str:
    return "".join(f'<li><a href="{_esc(name)}">{_esc(name)}</a></li>' for name in sorted(files))


SCRIPT = """
const DATA = JSON.parse(document.getElementById('report-data').textContent);
function esc(s) {
  return String(s).replace(/[&<>"]/g, c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;'})[c]);
}
const probs = DATA.documents.map(d => d.p === null || d.p === undefined ? 'n/a' : d.p.toFixed(2));
const traces = DATA.topics.map(t => {
  const idx = DATA.documents.map((d, i) => d.k === t.id ? i : -1).filter(i => i >= 0);
  return {type: DATA.webgl ? 'scattergl' : 'scatter', mode: 'markers',
    name: (t.id < 0 ? '' : t.id + ': ') + esc(t.name) + ' (' + t.size + ')',
    x: idx.map(i => DATA.documents[i].x), y: idx.map(i => DATA.documents[i].y), customdata: idx,
    hoverinfo: 'text', hovertext: idx.map(i => '<b>' + esc(DATA.documents[i].title) + '</b><br>topic: ' +
      esc(t.name) + '<br>probability of its topic: ' + probs[i]),
    marker: {color: t.colour, size: DATA.documents.length > 2000 ? 5 : 9, opacity: 0.75}};
});
// The legend sits below the map, two topics a row: the map keeps its height as topics are added.
const HEIGHT = Math.min(1200, 560 + (DATA.topics.length > 8 ? 19 * Math.ceil((DATA.topics.length - 8) / 2) : 0));
document.getElementById('doc').style.maxHeight = HEIGHT + 'px';
const layout = {margin: {l: 10, r: 10, t: 10, b: 10}, hovermode: 'closest', dragmode: 'pan',
  xaxis: {visible: false}, yaxis: {visible: false}, legend: {orientation: 'h'}, height: HEIGHT};
Plotly.newPlot('map', traces, layout, {displaylogo: false, responsive: true, scrollZoom: true});
function show(i) {
  const d = DATA.documents[i];
  const chosen = new Set(d.chosen);
  const context = new Set(d.context);
  const body = d.sentences.map((s, k) => !chosen.has(k) ? esc(s) : context.has(k) ?
    '<mark class="context" title="picked so that the next sentence reads on its own">' + esc(s) + '</mark>' :
    context.has(k - 1) ? '<mark class="needs" title="needed the sentence before it">' + esc(s) + '</mark>' :
    '<mark>' + esc(s) + '</mark>').join(' ');
  const added = d.context.length ? ' Blue: picked only because the next sentence leans on it (a pronoun, a ' +
    '&ldquo;however&rdquo;, &ldquo;the company&rdquo;...); without it that sentence would not read on its own.' : '';
  const note = DATA.summaries ? (DATA.full_text ? 'Highlighted: the sentences of its summary.' + added :
    'Its summary (this corpus is too large to carry every full text).') :
    'This run made no document summaries (summarize.units), so nothing is highlighted.';
  document.getElementById('doc').innerHTML = '<h3>' + esc(d.title) + '</h3><p class="meta">' + esc(d.id) +
    ' &middot; topic: ' + esc(d.topic) + (d.label ? ' &middot; gold label: ' + esc(d.label) : '') +
    ' &middot; probability ' + probs[i] + '</p><p class="meta">' + note + '</p><p id="doc-text">' + body + '</p>';
  const pane = document.getElementById('doc');
  pane.dataset.shown = d.id;
  const first = pane.querySelector('mark');
  pane.scrollTop = first ? first.offsetTop - pane.offsetTop - 60 : 0;
}
document.getElementById('map').on('plotly_click', ev => show(ev.points[0].customdata));
const BY_ID = new Map(DATA.documents.map((d, i) => [d.id, i]));
function open_from(selector, key) {
  const list = document.getElementById(selector);
  if (!list) return;
  list.addEventListener('click', ev => {
    const row = ev.target.closest('[data-' + key + ']');
    if (!row) return;
    const i = key === 'doc' ? BY_ID.get(row.dataset.doc) : Number(row.dataset.index);
    if (i === undefined) return;
    ev.preventDefault();
    show(i);
    document.getElementById('panes').scrollIntoView({block: 'start'});
  });
}
open_from('uncertain', 'doc');
open_from('hits', 'index');
const SEARCHED = DATA.documents.map(d => (d.title + ' ' + d.sentences.join(' ')).toLowerCase());
const SHOWN_HITS = 50;
function search(query) {
  const gd = document.getElementById('map');
  const hits = document.getElementById('hits');
  const q = query.trim().toLowerCase();
  if (!q) {
    Plotly.restyle(gd, {selectedpoints: gd.data.map(() => null)});
    hits.innerHTML = '';
    return;
  }
  const found = [];
  SEARCHED.forEach((text, i) => { if (text.includes(q)) found.push(i); });
  const chosen = new Set(found);
  Plotly.restyle(gd, {selectedpoints: gd.data.map(tr => tr.customdata.map((i, k) => chosen.has(i) ? k : -1)
    .filter(k => k >= 0))});
  const items = found.slice(0, SHOWN_HITS).map(i => '<li data-index="' + i + '"><a href="#panes">' +
    esc(DATA.documents[i].title) + '</a> <span class="meta">' + esc(DATA.documents[i].topic) + '</span></li>');
  hits.innerHTML = '<p class="meta">' + found.length + ' document' + (found.length === 1 ? '' : 's') +
    ' contain &ldquo;' + esc(query.trim()) + '&rdquo;' + (found.length > SHOWN_HITS ? ' (the first ' + SHOWN_HITS +
    ' listed)' : '') + '; the map dims the others.</p><ol>' + items.join('') + '</ol>';
}
let pending = null;
document.getElementById('search').addEventListener('input', ev => {
  clearTimeout(pending);
  pending = setTimeout(() => search(ev.target.value), 150);
});
const VIEWS = JSON.parse(document.getElementById('views-data').textContent);
for (const view of VIEWS) {
  Plotly.newPlot(view.id, view.figure.data, view.figure.layout, {displaylogo: false});
}
window.reportReady = true;
"""

STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 1200px;
       padding: 0 16px 40px; color: #222; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 28px; }
#panes { display: flex; gap: 16px; align-items: flex-start; }
#map { flex: 3; min-width: 0; border: 1px solid #ddd; }
#doc { flex: 2; max-height: 560px; overflow-y: auto; border: 1px solid #ddd; padding: 8px 12px; }
mark { background: #ffe08a; } mark.context { background: #cfe6ff; }
mark.needs { text-decoration: underline dotted #4a7bd0; }
.meta { color: #666; font-size: 13px; margin: 2px 0; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
td, th { border: 1px solid #ddd; padding: 4px 6px; vertical-align: top; text-align: left; }
td ul { margin: 0; padding-left: 16px; }
.scroll { overflow-x: auto; max-width: 100%; }
.view { overflow-x: auto; margin-top: 8px; }
#metrics { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
table.metric { width: auto; min-width: 220px; }
#contents { font-size: 14px; margin: 6px 0; } #find { margin: 12px 0 4px; }
#search { width: 320px; font: inherit; padding: 3px 6px; }
#hits { max-height: 190px; overflow-y: auto; font-size: 14px; } #hits:empty { display: none; }
#hits ol { margin: 4px 0; columns: 2; } #hits li { break-inside: avoid; }
@media (max-width: 800px) { #panes { flex-direction: column; } #map, #doc { width: 100%; } }
"""


def _searched(n: int) -> str:
    if n > FULL_TEXT_UP_TO:
        return "(titles and summary sentences: this corpus is too large to carry every full text)"
    return "(titles and full texts)"


def _contents(sections: list[tuple[str, str, str]]) -> str:
    """Links to the page's sections that have something to show."""
    return '<nav id="contents">' + " · ".join(f'<a href="#{key}">{title}</a>' for key, title, body in sections
                                             if body) + "</nav>"


def report_html(result: RunResult, files: list[str]) -> str:
    """The page of ``result``; ``files`` are the run folder's entries it links to."""
    # <, > and & as \u003c etc.: no text (</script>, <!--) can change how the page parses
    data = json_for_html(page_data(result, result.config.get("seed", 0)))
    views = topic_views(result)
    titles = {"view-keywords": "Keywords of each topic", "view-similarity": "How alike the topics are",
              "view-tree": "Topic tree", "view-time": "Topics over time"}
    divs = "".join(f'<h3>{titles[v["id"]]}</h3><div class="view" id="{v["id"]}"></div>' for v in views)
    title = f"{result.config.get('name', 'run')} — run {result.run_id}"
    n = len(result.labels)
    sampled = f" The map shows a seeded sample of {MAP_POINTS:,} of them." if n > MAP_POINTS else ""
    topics = (f'<h2 id="sec-topics">Topics</h2><table id="topics"><tr><th>id</th><th>name</th><th>documents</th>'
              f"<th>keywords</th><th>exemplars</th><th>topic summary</th></tr>\n{_topic_rows(result)}\n</table>")
    shown = f"""<h2 id="sec-views">Topic views</h2>
<p class="meta">The figures <code>model.visualize_barchart()</code>, <code>visualize_heatmap()</code>,
<code>visualize_hierarchy()</code> and <code>visualize_topics_over_time()</code> draw in a notebook; each topic has
the colour it has on the map.</p>
{divs}"""
    sections = [("sec-metrics", "Metrics", _metrics(result)), ("sec-topics", "Topics", topics),
                ("sec-views", "Topic views", shown), ("view-tree", "Tree", "view-tree" in divs),
                ("view-time", "Over time", "view-time" in divs),
                ("sec-contingency", "Against gold labels", _contingency(result)),
                ("sec-uncertain", "Least certain documents", _uncertain(result)),
                ("sec-stream", "Stream", _stream(result)), ("sec-files", "Files", True)]
    body = "\n".join(html for _, _, html in sections if isinstance(html, str))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{content_security_policy()}">
<title>{_esc(title)}</title><style>{STYLE}</style></head>
<body>
<h1>{_esc(title)}</h1>
<p class="meta">{n:,} documents from <code>{_esc(result.corpus.name)}</code>, {topic_count(result.topics)}.{sampled}
Hover a point for its title, topic and probability; click it for its text and summary; drag to pan, scroll to
zoom, click a topic in the legend to hide it.</p>
{_contents(sections)}
<div id="find"><label for="search">Search the documents: </label><input id="search" type="search"
placeholder="a word or phrase" autocomplete="off"> <span class="meta">{_searched(n)}</span></div><div id="hits"></div>
<div id="panes"><div id="map"></div><div id="doc"><p class="meta">Click a point on the map.</p></div></div>
{body}
<h2 id="sec-files">Files of this run</h2><ul id="files">{_links(files)}</ul>
<script>{plotly_js()}</script>
<script type="application/json" id="report-data">{data}</script>
<script type="application/json" id="views-data">{json_for_html(views)}</script>
<script>{SCRIPT}</script>
</body></html>
"""


__all__ = ["FULL_TEXT_UP_TO", "MAP_POINTS", "WEBGL_ABOVE", "page_data", "plotly_js", "report_html", "topic_views"]
