"""Human-readable text of a run: the terminal summary and ``report.md``."""

from __future__ import annotations

from toolkit.errors import plural, topic_count
from toolkit.escape import for_markdown as md
from toolkit.experiments.result import RunResult
from toolkit.summarization.units import Summary
from toolkit.topics.describe import Topic

MAX_PLOTTED_TOPICS = 12  # centrality plots per run folder; a notebook can draw any other
MAX_LISTED = 50  # near-duplicate passages listed in report.md; duplicates.json has them all


def plotted_summaries(result: RunResult) -> list[Summary]:
    """The topic summaries whose centrality plots a run folder holds."""
    return [s for s in result.summaries if s.unit == "topic" and s.scores][:MAX_PLOTTED_TOPICS]


def has_topic_tree(result: RunResult) -> bool:
    """Whether the run folder draws the topic tree: the run computed one (three topics or more)."""
    return result.topic_tree is not None


def unnamed_note(topic: Topic, config: dict) -> str:
    """Why a topic offered a candidate name did not take it ("" if it took it or had none)."""
    if topic.candidate is None or topic.named:
        return ""
    settings = config.get("topics", {})
    best = f"unnamed: the best candidate name, “{topic.candidate}”, scored {topic.name_score:.3f}"
    if topic.name_score < settings.get("min_name_score", -1):
        return f"{best}, below topics.min_name_score {settings['min_name_score']}"
    margin = settings.get("min_name_margin")
    if margin is not None and topic.name_margin is not None and topic.name_margin <= margin:
        return (f"{best} but fits the other topics' documents about as well or better (margin "
                f"{topic.name_margin:+.3f}, needs more than topics.min_name_margin {margin})")
    return (f"{best} but a news section other than its own fits the topic better (lead "
            f"{topic.name_lead:+.3f}, needs at least topics.min_name_lead {settings.get('min_name_lead')})")


class _Headings:
    """Document id -> heading, made for the few documents a report names (not for all of them)."""

    def __init__(self, corpus) -> None:
        self.documents = {d.id: d for d in corpus}

    def __getitem__(self, doc_id: str) -> str:
        return self.documents[doc_id].heading()

    def __len__(self) -> int:
        return len(self.documents)


def headings(result: RunResult) -> _Headings:
    """Document id -> heading (title, or the text's start), worked out for the ids asked for."""
    return _Headings(result.corpus)


def report_markdown(result: RunResult) -> str:
    lines = [f"# {md(result.config['name'])} — run {md(result.run_id)}", "",
             f"{plural(len(result.corpus), 'document')} from {md(result.corpus.name)}, "
             f"{topic_count(result.topics)}.", "", "![topic map](topic_map.png)", ""]
    clus = result.metrics.get("clustering", {})
    if clus:
        lines += ["## Clustering", "", "| measure | value |", "| --- | --- |"]
        lines += [f"| {md(k)} | {md(v)} |" for k, v in clus.items()] + [""]
    if "contingency" in result.metrics:
        table = result.metrics["contingency"]
        lines += ["Topics (rows) against gold labels (columns):", "",
                  "| topic | " + " | ".join(md(c) for c in table["columns"]) + " |",
                  "| --- | " + " | ".join("---" for _ in table["columns"]) + " |"]
        lines += [f"| {md(name)} | " + " | ".join(map(str, counts)) + " |"
                  for name, counts in zip(table["rows"], table["counts"])] + ["", "![contingency](contingency.png)", ""]
    if "auto_k" in result.metrics:
        auto = result.metrics["auto_k"]
        counts = ", ".join(map(str, auto.get("counts", [])))
        how = (f"; {len(auto['counts'])} runs of modularity communities gave {md(counts)}, "
               f"modularity {auto['modularity']:.2f}" if auto.get("criterion") == "communities" else "")
        against = (f" against {auto['null_modularity']:.2f} for structureless data"
                   if auto.get("null_modularity") is not None else "")
        lines += [f"n_clusters chosen automatically: {md(auto['chosen'])} (by {md(auto['criterion'])}{how}{against}; "
                  "`auto_k.json`).", "", "![auto-k curve](auto_k.png)", ""]
    stream = result.metrics.get("stream")
    if stream:
        until = result.config.get("stream", {}).get("until", "")
        lines += ["## Stream", "", f"Fitted on the documents before {md(until)}; a copy of the model was fed the "
                  f"{plural(stream['documents'], 'later document')} in {plural(stream['batches'], 'batch', 'batches')}"
                  f" ([stream/update.md](stream/update.md), the updated model in `stream/model/`).", ""]
        if stream["new_topics"]:
            lines += ["| new topic | name | born in batch | first seen |", "| ---: | --- | ---: | --- |"]
            lines += [f"| {t['topic']} | {md(t['name'])} | {t['batch']} | {md(t['first_seen'])} |"
                      for t in stream["new_topics"]]
        else:
            lines.append("No new topic was born.")
        lines += ["", "![documents per batch](stream/timeline.png)", ""]
    quality = result.metrics.get("topics")
    if quality:
        lines += [f"Topic quality: NPMI coherence {quality['npmi']} (window {quality['npmi_window']} tokens, "
                  f"top {quality['npmi_top_n']} keywords), diversity {quality['diversity']}.", ""]
    rouge = result.metrics.get("summaries", {}).get("document")
    if rouge:
        lines += ["## Summaries vs references (ROUGE F1, 95% bootstrap interval)", "",
                  "| measure | mean | 95% CI |", "| --- | --- | --- |"]
        lines += [f"| {k} | {rouge[k]} | {rouge[k + '_ci95']} |" for k in ("rouge1", "rouge2", "rougeL", "rougeLsum")]
        lines += [""]
    context = result.metrics.get("summaries", {}).get("context")
    if context:
        shares = "; ".join(f"{md(unit)} summaries {c['dangling']:,} of {c['picked']:,} sentences "
                           f"({100 * c['dangling_share']:.1f}%), {c['repaired']:,} picked as context"
                           for unit, c in context.items())
        how = result.config.get("summarize", {}).get("context", "repair")
        lines += [f"Summary sentences that lean on a sentence before them that was not picked (a pronoun, "
                  f"“however”, “the company”...): {shares} (`summarize.context: {md(how)}`).", ""]
    lines += _uncertain_lines(result)
    if has_topic_tree(result):
        basis = "centroids" if result.config["topics"].get("merge_by", "centroid") == "centroid" else "c-TF-IDF rows"
        lines += ["## Topic tree", "", f"Topics joined by the similarity of their {basis} (average linkage); "
                  "`topic_merges.csv` lists the merges, `topics.reduce_to` cuts the tree.",
                  "", "![topic tree](topic_tree.png)", ""]
    lines += _over_time_lines(result)
    lines += ["## Topics", ""]
    summaries = {(s.unit, s.id): s for s in result.summaries}
    plotted = plotted_summaries(result)
    titles = headings(result)
    for t in result.topics:
        note = unnamed_note(t, result.config)
        lines += [f"### {md(t.name)} ({plural(t.size, 'document')})", ""]
        lines += [f"*{md(note)}*", ""] if note else []
        lines += ["Keywords: " + ", ".join(md(k) for k, _ in t.keywords), ""]
        lines += [f"- {md(titles[i])}" for i in t.exemplars] + [""]
        s = summaries.get(("topic", str(t.id)))
        if s is not None:
            lines += [f"Summary ({_chosen(s)}):", "", "> " + md(s.text or s.note), ""]
            if s in plotted:
                lines += [f"![centrality of the topic's sentences](centrality_topic_{s.id}.png)", ""]
    found = result.corpus.duplicates
    if found:
        lines += ["## Near-duplicate passages", ""]
        lines += [f"- {md(d['documents'][0])} and {md(d['documents'][1])} share {plural(d['shared'], 'sentence')}, "
                  f"from “{md(d['text'][:80])}”" for d in _longest(found, MAX_LISTED)]
        lines += [f"- … and {len(found) - MAX_LISTED:,} more in `duplicates.json`"] if len(found) > MAX_LISTED else []
        lines += [""]
    lines += ["Files: `config.yaml`, `metrics.json`, `assignments.csv`, `topics.json`, "
              "`summaries.jsonl`, `duplicates.json`, `cleaning.jsonl`, `environment.json`.", ""]
    return "\n".join(lines)


def least_certain(result: RunResult) -> list[dict] | None:
    """The assignment rows of the documents with no clear topic (most likely topic below
    probability 0.5), least clear first; None when the run has no soft assignments."""
    rows = result.assignments()
    if not rows or rows[0].get("uncertain", "") == "":
        return None
    return sorted((r for r in rows if r["uncertain"]), key=lambda r: r["p1"])


def _uncertain_lines(result: RunResult, shown: int = 10) -> list[str]:
    """How many documents have no clear topic (p1 < 0.5), and the least clear of them."""
    unsure = least_certain(result)
    if unsure is None:
        return []
    lines = ["## Topic assignments", "",
             f"{plural(len(unsure), 'document')} of {len(result.labels):,} have no clear topic (most likely topic "
             f"below probability 0.5; `assignments.csv` gives each document's three most likely topics)."]
    if unsure:
        names = {t.id: t.name for t in result.topics}
        titles = headings(result)
        lines += ["", "| document | most likely topics |", "| --- | --- |"]
        for r in unsure[:shown]:
            tops = ", ".join(f"{md(names[r[f'top{k}']])} {r[f'p{k}']:.2f}" for k in (1, 2, 3) if r[f"top{k}"] != "")
            lines.append(f"| {md(titles[r['id']])} | {tops} |")
    return lines + [""]


def _over_time_lines(result: RunResult) -> list[str]:
    """The topics-over-time section: the plot, and each large topic's peak bin."""
    if not any(d.date for d in result.corpus):
        return []
    table = result.topics_over_time()
    top = result.config.get("over_time", {}).get("top", 8)
    totals = table.groupby("topic_id")["count"].sum().sort_values(ascending=False, kind="stable")
    lines = ["## Topics over time", "", f"Shares of each {table.attrs['bin']}'s documents "
             f"(`topics_over_time.csv` has every topic, bin and its keywords there).", "",
             "![topics over time](topics_over_time.png)", "",
             f"| topic | documents | peak {table.attrs['bin']} | share then | keywords then |",
             "| --- | --- | --- | --- | --- |"]
    for topic_id in [t for t in totals.index if t >= 0][:top]:
        rows = table[table["topic_id"] == topic_id]
        peak = rows.loc[rows["share"].idxmax()]
        lines.append(f"| {md(peak['topic'])} | {int(totals[topic_id]):,} | {md(peak['bin'])} | {peak['share']:.3f} "
                     f"| {md(peak['keywords'])} |")
    return lines + [""]


def _chosen(summary: Summary) -> str:
    """"3 of 121 candidate sentences": how many were chosen, out of how many."""
    return f"{len(summary.sentences)} of {plural(summary.candidates, 'candidate sentence')}"


def _top_sentences(summary: Summary, k: int) -> str:
    """The summary's text, cut to its ``k`` most central sentences (in their order) if longer."""
    if not summary.sentences:
        return summary.note
    if len(summary.sentences) <= k:
        return f"({_chosen(summary)}) {summary.text}"
    top = sorted(summary.sentences, key=lambda s: s["rank"])[:k]
    top.sort(key=lambda s: summary.sentences.index(s))
    return f"(the {k} most central shown; {_chosen(summary)}) " + " ".join(s["text"] for s in top)


def _longest(duplicates: list[dict], n: int) -> list[dict]:
    """The ``n`` passages shared at the greatest length (ties in their found order)."""
    return sorted(duplicates, key=lambda d: -d["shared"])[:n]


def format_result(result: RunResult, max_titles: int = 5, max_summary: int = 5, max_duplicates: int = 5) -> str:
    """The terminal summary: each topic's name, keywords, articles and summary."""
    out = []
    titles = headings(result)
    summaries = {(s.unit, s.id): s for s in result.summaries}
    out.append(f"{result.config['name']}: {plural(len(titles), 'document')}, {topic_count(result.topics)}")
    for t in result.topics:
        out.append("")
        note = unnamed_note(t, result.config)
        out.append(f"== {'(unnamed) ' if note else ''}{t.name}  ({plural(t.size, 'document')})")
        if note:
            out.append(f"   {note}")
        out.append("   keywords: " + ", ".join(k for k, _ in t.keywords))
        shown = t.documents if len(t.documents) <= max_titles else t.exemplars
        for doc_id in shown:
            out.append(f"   - {titles[doc_id]}")
        if len(shown) < t.size:
            out.append(f"   ... and {t.size - len(shown):,} more")
        s = summaries.get(("topic", str(t.id)))
        if s is not None:
            out.append("   summary: " + _top_sentences(s, max_summary))
    if result.duplicates:
        out.append("")
        for d in _longest(result.duplicates, max_duplicates):
            out.append(f"near-duplicate passage: {d['documents'][0]} and {d['documents'][1]} share "
                       f"{plural(d['shared'], 'sentence')}")
        if len(result.duplicates) > max_duplicates:
            out.append(f"... and {len(result.duplicates) - max_duplicates:,} more near-duplicate passages "
                       f"(all {len(result.duplicates):,} in duplicates.json)")
    clus = result.metrics.get("clustering", {})
    if "nmi" in clus:
        out.append("")
        out.append(f"clustering vs gold labels: NMI {clus['nmi']:.3f}, ARI {clus['ari']:.3f}")
    rouge = result.metrics.get("summaries", {}).get("document")
    if rouge:
        out.append(f"document summaries vs references: ROUGE-1 {rouge['rouge1']:.3f}, "
                   f"ROUGE-2 {rouge['rouge2']:.3f}, ROUGE-L {rouge['rougeL']:.3f} (n={rouge['n']})")
    if result.folder is not None:
        out.append("")
        out.append(f"run folder: {result.folder}")
    return "\n".join(out)


__all__ = ["MAX_PLOTTED_TOPICS", "format_result", "has_topic_tree", "plotted_summaries", "report_markdown",
           "unnamed_note"]
