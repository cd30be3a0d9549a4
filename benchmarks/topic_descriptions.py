"""Topic descriptions on the development corpora: which keyword representation reads best,
and which test keeps candidate names honest.

For AG News, the BBC set and HuffPost, the documents (cleaned as every loader cleans them) are
embedded with MiniLM (cached) and clustered by k-means with the true number of labels (seed 0).
Each keyword representation describes the same clusters; the table gives:

* NPMI coherence of the top 10 keywords (window 10, on the whole corpus, each representation
  counted in its own vocabulary: ``countries`` wherever ``country`` is when they are folded);
* topic diversity (share of distinct words among all topics' keywords);
* flagged keywords: the share that is a reporting verb or wire credit (``said``, ``says``,
  ``told``, ``ap``, ``reuters``, ``afp``), markup residue, a bare number or a possessive form,
  and the share that repeats another keyword of its topic in another form (``trump``, ``trump's``;
  ``election``, ``elections``).

Names: each gold category is a topic (its documents' mean embedding), offered every category name
of its corpus. How many true and wrong names each naming test keeps, and the lead threshold
(``TopicDescriber.min_name_lead``) that best separates them (Youden's J, averaged over corpora).

Run with ``python -m benchmarks.topic_descriptions``; writes ``results/benchmarks/topic_descriptions.{md,json}``.
The spaCy lemma table row needs ``spacy-lookups-data`` installed (it is skipped otherwise).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import time
from pathlib import Path

import numpy as np
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
from sklearn.metrics import normalized_mutual_info_score

from toolkit.arrays import to_dense, unit_rows
from toolkit.embedding import MiniLMEmbedder
from toolkit.evaluation.coherence import npmi_coherence, topic_diversity
from toolkit.experiments import config as cfg
from toolkit.experiments import prepare_corpus
from toolkit.topics import describe
from toolkit.topics.describe import NEWS_SECTIONS, TopicDescriber, class_tfidf
from toolkit.topics.vocabulary import KeywordVocabulary, default_vocabulary

OUT = Path(__file__).resolve().parents[1] / "results" / "benchmarks"
CORPORA = {"ag_news": 4, "bbc_dev": 5, "huffpost": 29}
FLAGGED_WORDS = {"said", "says", "told", "ap", "reuters", "afp"}
RESIDUE = re.compile(r"^(quot|amp|apos|lt|gt|nbsp|#?\d+)$")
POSSESSIVE = re.compile(r"['’]s?$")
TOP_N = 10
SEEDS = range(5)


def _spread(values: np.ndarray) -> dict:
    return {"mean": round(float(values.mean()), 4), "sd": round(float(values.std(ddof=1)), 4),
            "min": round(float(values.min()), 4), "max": round(float(values.max()), 4)}


def _plain_form(word: str) -> str:
    """A neutral judge of "the same word": possessive and a plural ``s``/``es`` stripped."""
    word = POSSESSIVE.sub("", word)
    for end in ("ies", "es", "s"):
        if word.endswith(end) and len(word) > len(end) + 2:
            return word[: -len(end)] + ("y" if end == "ies" else "")
    return word


def flagged(keyword_lists: list[list[str]]) -> tuple[float, float]:
    """Shares of keywords that say nothing (see the module's description) and that repeat another
    keyword of their topic in another form."""
    words = [w for kws in keyword_lists for w in kws]
    bad = sum(w in FLAGGED_WORDS or bool(RESIDUE.match(w)) or bool(POSSESSIVE.search(w)) for w in words)
    repeats = sum(len(kws) - len({_plain_form(w) for w in kws}) for kws in keyword_lists)
    return bad / max(len(words), 1), repeats / max(len(words), 1)


class SpacyLemmas(KeywordVocabulary):
    """The vocabulary with spaCy's English lemma lookup table in place of simplemma's."""

    table: dict = {}

    def fold(self, word: str) -> str:
        base = POSSESSIVE.sub("", word)
        lemma = self.table.get(base, base).lower()
        keep = len(base) >= 4 and "-" not in base and lemma[:max(3, min(len(base), len(lemma)) - 2)] == \
            base[:max(3, min(len(base), len(lemma)) - 2)]
        return lemma if keep else base


def spacy_table() -> dict | None:
    try:
        import spacy_lookups_data
    except ImportError:
        return None
    path = Path(spacy_lookups_data.__file__).parent / "data" / "en_lemma_lookup.json.gz"
    return json.loads(gzip.decompress(path.read_bytes()))


def representations(table: dict | None) -> list[tuple[str, dict, KeywordVocabulary | None]]:
    """(label, describer settings, vocabulary to use instead of the describer's)."""
    english = sorted(ENGLISH_STOP_WORDS)
    rows = [
        ("before: c-TF-IDF, English stop words, no folding", {"news_stop_words": False, "lemmatize": False},
         KeywordVocabulary(frozenset(english), lemmatize=False, possessives=False)),
        ("c-TF-IDF + news stop words, possessives folded", {"lemmatize": False}, None),
        ("**default**: c-TF-IDF + news stop words, simplemma lemmas", {}, None),
    ]
    if table is not None:
        SpacyLemmas.table = table
        rows.append(("c-TF-IDF + news stop words, spaCy lookup lemmas", {},
                     SpacyLemmas(default_vocabulary(english, True, True).stop_words)))
    rows += [
        ("default + MMR (diversity 0.3)", {"diversity": 0.3}, None),
        ("default + KeyBERT-style re-ranking", {"representation": "keybert"}, None),
        ("default + KeyBERT-style + MMR (0.3)", {"representation": "keybert", "diversity": 0.3}, None),
    ]
    return rows


def keywords_with(settings: dict, vocabulary, corpus, labels, X, embed_texts) -> tuple[list[list[str]], object]:
    describer = TopicDescriber(TOP_N, **settings)
    if vocabulary is None:
        vocabulary = describer.vocabulary()
        topics = describer.fit(corpus, labels, X, embed_texts).topics_
        return [[k for k, _ in t.keywords] for t in topics if t.id >= 0], vocabulary
    ids = sorted(set(labels.tolist()))
    weights, terms = class_tfidf([d.full_text for d in corpus], labels, ids, vocabulary)
    return [[str(terms[j]) for j in np.argsort(-weights[row], kind="stable")[:TOP_N]]
            for row in range(len(ids))], vocabulary


def name_features(names: list[str], centroids: np.ndarray, embed_texts) -> list[dict]:
    """Each (category topic, category name) pair's score, margin and lead."""
    vecs = unit_rows(to_dense(embed_texts([*names, *NEWS_SECTIONS])))
    name_vecs, sections = vecs[: len(names)], vecs[len(names):]
    sim, section_sim = centroids @ name_vecs.T, centroids @ sections.T
    own = np.argmax(name_vecs @ sections.T, axis=1)
    k = len(names)
    return [{"right": t == n, "score": float(sim[t, n]),
             "margin": float(sim[t, n] - (sim[:, n].sum() - sim[t, n]) / (k - 1)),
             "lead": float(sim[t, n] - np.delete(section_sim[t], own[n]).max())}
            for t in range(k) for n in range(k)]


def keep_rates(pairs: list[dict], lead: float | None) -> tuple[float, float]:
    kept = [p for p in pairs if p["score"] >= describe.MIN_NAME_SCORE and p["margin"] > 0
            and (lead is None or p["lead"] >= lead)]
    right = sum(p["right"] for p in pairs)
    return sum(p["right"] for p in kept) / right, sum(not p["right"] for p in kept) / (len(pairs) - right)


def main() -> None:
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args()
    table = spacy_table()
    embedder = MiniLMEmbedder(pooling="auto")
    rows, nmi, names = [], {}, {}
    for name, k in CORPORA.items():
        corpus, _, _ = prepare_corpus(cfg.resolve({"dataset": {"loader": "builtin", "name": name}}))
        X = unit_rows(to_dense(embedder.fit_transform(corpus)))
        gold = np.array(corpus.labels)
        texts = [d.full_text for d in corpus]
        found: dict[str, list[dict]] = {}
        for seed in SEEDS:
            labels = KMeans(k, random_state=seed, n_init=10).fit_predict(X)
            nmi.setdefault(name, []).append(float(normalized_mutual_info_score(gold, labels)))
            for label, settings, vocabulary in representations(table):
                start = time.perf_counter()
                keywords, vocab = keywords_with(settings, vocabulary, corpus, labels, X, embedder.embed_texts)
                seconds = time.perf_counter() - start
                bad, repeats = flagged(keywords)
                found.setdefault(label, []).append({
                    "npmi": npmi_coherence(keywords, texts, 10, TOP_N, fold=vocab.fold)["npmi"],
                    "diversity": topic_diversity(keywords, TOP_N), "flagged": bad, "repeated_forms": repeats,
                    "seconds": seconds, "example": keywords[int(np.argmax(np.bincount(labels)))][:6]})
        before = np.array([r["npmi"] for r in next(iter(found.values()))])
        for label, runs in found.items():
            npmi = np.array([r["npmi"] for r in runs])
            rows.append({"corpus": name, "representation": label, "npmi": _spread(npmi),
                         "npmi_change": _spread(npmi - before),
                         **{key: _spread(np.array([r[key] for r in runs]))
                            for key in ("diversity", "flagged", "repeated_forms", "seconds")},
                         "example": runs[0]["example"]})
            print(rows[-1], flush=True)
        nmi[name] = _spread(np.array(nmi[name]))
        cats = sorted(set(gold.tolist()))
        centroids = unit_rows(np.vstack([X[gold == c].mean(axis=0) for c in cats]))
        names[name] = name_features(cats, centroids, embedder.embed_texts)
    sweep = {}
    for lead in np.round(np.arange(0.0, -0.32, -0.02), 2):
        j = [np.subtract(*keep_rates(pairs, float(lead))) for pairs in names.values()]
        sweep[float(lead)] = round(float(np.mean(j)), 4)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "topic_descriptions.json").write_text(json.dumps(
        {"keywords": rows, "kmeans_nmi": nmi, "name_pairs": names, "lead_sweep": sweep}, indent=1))
    (OUT / "topic_descriptions.md").write_text(markdown(rows, nmi, names, sweep))
    print(markdown(rows, nmi, names, sweep))


def markdown(rows: list[dict], nmi: dict, names: dict, sweep: dict) -> str:
    def pm(x: dict, fmt: str = ".3f") -> str:
        return f"{x['mean']:{fmt}} ± {x['sd']:{fmt}}"

    lines = ["# Topic descriptions on the development corpora", "",
             f"Written by `python -m benchmarks.topic_descriptions`. Clusters: k-means (true k, seeds "
             f"{SEEDS.start}-{SEEDS.stop - 1}) on MiniLM embeddings of the cleaned texts (NMI "
             f"{', '.join(f'{k} {pm(v)}' for k, v in nmi.items())}). Every figure is the mean ± standard deviation "
             f"over the {len(SEEDS)} seeds; the NPMI change is paired (same clusters) against the first row of its "
             "corpus.", "",
             "## Keyword representations", "",
             "| corpus | representation | NPMI | NPMI change (min, max) | diversity | flagged keywords | "
             "repeated forms | seconds | largest topic's first keywords (seed 0) |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        change = r["npmi_change"]
        lines.append(f"| {r['corpus']} | {r['representation']} | {pm(r['npmi'])} | {pm(change)} "
                     f"({change['min']:+.3f}, {change['max']:+.3f}) | {pm(r['diversity'])} | "
                     f"{r['flagged']['mean']:.1%} | {r['repeated_forms']['mean']:.1%} | {r['seconds']['mean']:.2f} | "
                     f"{', '.join(r['example'])} |")
    lines += ["", "## Candidate names", "",
              "Each gold category offered every category name of its corpus: the share of true and of wrong "
              "names each test keeps.", "",
              "| corpus | true names | wrong names | score ≥ 0.14 and margin > 0: true kept | wrong kept | "
              f"and lead ≥ {describe.MIN_NAME_LEAD}: true kept | wrong kept |",
              "| --- | --- | --- | --- | --- | --- | --- |"]
    for corpus, pairs in names.items():
        right = sum(p["right"] for p in pairs)
        old, new = keep_rates(pairs, None), keep_rates(pairs, describe.MIN_NAME_LEAD)
        lines.append(f"| {corpus} | {right} | {len(pairs) - right} | {old[0]:.0%} | {old[1]:.0%} | "
                     f"{new[0]:.0%} | {new[1]:.0%} |")
    lines += ["", "Youden's J (true kept minus wrong kept, mean over the three corpora) by lead threshold:", "",
              "| min_name_lead | " + " | ".join(f"{k:+.2f}" for k in sweep) + " |",
              "| --- |" + " --- |" * len(sweep),
              "| J | " + " | ".join(f"{v:.3f}" for v in sweep.values()) + " |", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
