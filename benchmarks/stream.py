"""A topic model fed a stream, against BERTopic's ``partial_fit`` recipe, in one run.

Two streams of the development data:

- **HuffPost**: fit on the 2018 items, feed the 2019 items month by month (12 batches).
- **A new story** (AG News): fit on 1,500 items without the Sports section, feed 4,800 items of
  all four sections in 12 batches of 400: Sports is a story the model never saw.

Measured for the toolkit: the training items that keep their topic (``transform`` after the
stream against their fitted labels), original topics still present, topics born and in which
batch, how pure and how complete the new sports topics are, the agreement (ARI) of the streamed
labels with a model fitted on everything, the cost of all updates against one cold ``transform``
of the same items (both embedding with the cache off), and memory: the process's peak RSS and the
stream state's size after each batch. BERTopic 0.17's recipe (``IncrementalPCA``,
``MiniBatchKMeans``, ``OnlineCountVectorizer`` with decay) is fed the same batches from the same
embeddings: its ids of the training items after the stream against after training, and its
update time.

    python -m benchmarks.stream        # writes results/benchmarks/stream.md and stream.json
"""

from __future__ import annotations

import json
import resource
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score

from toolkit import TopicModel
from toolkit.embedding import MiniLMEmbedder
from toolkit.text import LOADERS

OUT = Path(__file__).resolve().parents[1] / "results" / "benchmarks"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def state_bytes(model) -> int:
    """Bytes of the stream state's arrays and pooled documents."""
    s = model.stream_
    pooled = sum(p["vector"].nbytes + len(p["text"]) + len(p["title"] or "") for p in s.pending)
    return int(s.sums.nbytes + s.sizes.nbytes + s.counts.data.nbytes + s.counts.indices.nbytes + pooled
               + sum(len(t) for t in s.terms))


def huffpost_split():
    docs = LOADERS.get("builtin")(name="huffpost").load().documents
    train = [d for d in docs if d.date < "2019-01-01"]
    later = [d for d in docs if d.date >= "2019-01-01"]
    months = sorted({d.date[:7] for d in later})
    return train, [[d for d in later if d.date[:7] == m] for m in months], months


def new_story_split():
    docs = LOADERS.get("builtin")(name="ag_news").load().documents
    order = np.random.default_rng(0).permutation(len(docs))
    train = [docs[i] for i in order[:2800] if docs[i].label != "Sports"][:1500]
    stream = [docs[i] for i in order[2800:7600]]
    return train, [stream[b * 400:(b + 1) * 400] for b in range(12)], [f"batch {b + 1}" for b in range(12)]


def toolkit_stream(train, batches) -> tuple[TopicModel, dict]:
    model = TopicModel(embedder=MiniLMEmbedder(cache=False)).fit(train)
    fitted = {t.id for t in model.topics_}
    before = model.labels_.copy()
    seconds, memory, sizes, assigned = [], [], [], []
    for batch in batches:
        start = time.perf_counter()
        model.partial_fit(batch)
        seconds.append(time.perf_counter() - start)
        assigned.append(model.batch_topics_.copy())
        memory.append(round(peak_rss_mb()))
        sizes.append(state_bytes(model))
    stream = [d for b in batches for d in b]
    start = time.perf_counter()
    model.transform(stream)
    cold = time.perf_counter() - start
    after, _ = model.transform(train)
    return model, {"training_items_kept": round(float(np.mean(after == before)), 4),
                   "original_topics": len(fitted),
                   "original_topics_present": len(fitted & {t.id for t in model.topics_}),
                   "born": [{"topic": e["topic"], "batch": e["batch"], "first_seen": e["first_seen"],
                             "name": next(t.name for t in model.topics_ if t.id == e["topic"])}
                            for e in model.stream_.events if e["event"] == "born"],
                   "update_seconds": round(sum(seconds), 2), "cold_transform_seconds": round(cold, 2),
                   "update_to_transform": round(sum(seconds) / cold, 2),
                   "seconds_per_1000": round(1000 * sum(seconds) / len(stream), 2),
                   "peak_rss_mb": memory, "state_bytes": sizes,
                   "labels": np.concatenate([before, *assigned]).tolist()}


def one_batch_agreement(model: TopicModel, train, batches) -> float:
    """ARI between the stream's topics from the streamed model and from a model fed the same
    documents in one batch."""
    stream = [d for b in batches for d in b]
    once = TopicModel().fit(train).partial_fit(stream)
    return round(float(adjusted_rand_score(model.transform(stream)[0], once.transform(stream)[0])), 3)


def refit_agreement(train, batches, streamed_labels) -> float:
    everything = train + [d for b in batches for d in b]
    model = TopicModel().fit(everything)
    return round(float(adjusted_rand_score(model.labels_, streamed_labels)), 3)


def bertopic_stream(train, batches, k: int) -> dict:
    """BERTopic's documented online recipe on the same batches and embeddings: trained on the
    training items (one partial_fit), then fed the batches."""
    from bertopic import BERTopic
    from bertopic.vectorizers import OnlineCountVectorizer
    from sklearn.cluster import MiniBatchKMeans
    from sklearn.decomposition import IncrementalPCA

    embed = MiniLMEmbedder()
    texts = lambda docs: [d.full_text for d in docs]  # noqa: E731
    vectors = lambda docs: np.asarray(embed.embed_texts(texts(docs)), dtype=np.float64)  # noqa: E731
    model = BERTopic(umap_model=IncrementalPCA(n_components=5), hdbscan_model=MiniBatchKMeans(n_clusters=k,
                     random_state=0, n_init=3), vectorizer_model=OnlineCountVectorizer(stop_words="english",
                     decay=0.01))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.partial_fit(texts(train), vectors(train))
        before, _ = model.transform(texts(train), vectors(train))
        seconds = 0.0
        for batch in batches:
            X = vectors(batch)
            start = time.perf_counter()
            model.partial_fit(texts(batch), X)
            seconds += time.perf_counter() - start
        after, _ = model.transform(texts(train), vectors(train))
    kept = float(np.mean(np.asarray(after) == np.asarray(before)))
    return {"training_items_kept": round(kept, 4), "topics": len(set(model.topics_)),
            "update_seconds_embeddings_given": round(seconds, 2)}


def sports_topics(model: TopicModel, batches) -> dict:
    stream = [d for b in batches for d in b]
    gold = np.array([d.label for d in stream])
    topics, _ = model.transform(stream)
    rows = []
    for c in model.stream_.born:
        members = gold[topics == c]
        rows.append({"topic": c, "documents": int(len(members)),
                     "sports_share": round(float(np.mean(members == "Sports")), 3) if len(members) else None})
    born = np.isin(topics, list(model.stream_.born))
    recall = float(np.sum(gold[born] == "Sports") / max(1, np.sum(gold == "Sports")))
    return {"born_topics": rows, "sports_items_in_born_topics": round(recall, 3)}


def main() -> None:
    result = {}
    for name, split in (("huffpost", huffpost_split), ("new_story", new_story_split)):
        train, batches, names = split()
        model, measured = toolkit_stream(train, batches)
        measured["batches"] = names
        measured["documents"] = {"train": len(train), "stream": sum(len(b) for b in batches)}
        measured["refit_ari"] = refit_agreement(train, batches, measured.pop("labels"))
        measured["one_batch_ari"] = one_batch_agreement(model, train, batches)
        if name == "new_story":
            measured["sports"] = sports_topics(model, batches)
        measured["bertopic"] = bertopic_stream(train, batches, measured["original_topics"])
        result[name] = measured
        print(name, json.dumps({k: v for k, v in measured.items() if k not in ("state_bytes", "peak_rss_mb")}))
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "stream.json").write_text(json.dumps(result, indent=1))
    (OUT / "stream.md").write_text(markdown(result))
    print(markdown(result))


def markdown(r: dict) -> str:
    lines = ["# Topic models fed a stream", "",
             "Written by `python -m benchmarks.stream` (2 cores, MiniLM, the embedding cache off for the toolkit's "
             "timings). HuffPost: fitted on 2018, fed 2019 month by month. New story: AG News fitted without "
             "Sports, fed 12 batches of 400 items of all four sections.", "",
             "| measure | HuffPost | new story (AG News) |", "| --- | ---: | ---: |"]
    h, s = r["huffpost"], r["new_story"]

    def row(label, f):
        lines.append(f"| {label} | {f(h)} | {f(s)} |")

    row("training / stream items", lambda m: f"{m['documents']['train']:,} / {m['documents']['stream']:,}")
    row("training items keeping their topic", lambda m: f"{m['training_items_kept']:.1%}")
    row("original topics still present", lambda m: f"{m['original_topics_present']} of {m['original_topics']}")
    row("topics born (batch)", lambda m: ", ".join(f"{b['topic']} ({b['batch']})" for b in m["born"]) or "none")
    row("agreement with a model fitted on everything (ARI)", lambda m: m["refit_ari"])
    row("agreement with the same stream fed in one batch (ARI, stream items)", lambda m: m["one_batch_ari"])
    row("all updates, seconds (cold transform of the same items)",
        lambda m: f"{m['update_seconds']} ({m['cold_transform_seconds']})")
    row("updates / cold transform", lambda m: m["update_to_transform"])
    row("seconds per 1,000 items", lambda m: m["seconds_per_1000"])
    row("peak RSS after the first / last batch, MB", lambda m: f"{m['peak_rss_mb'][0]:,} / {m['peak_rss_mb'][-1]:,}")
    row("stream state after the first / last batch, KB",
        lambda m: f"{m['state_bytes'][0] // 1024:,} / {m['state_bytes'][-1] // 1024:,}")
    row("BERTopic recipe: training items keeping their topic",
        lambda m: f"{m['bertopic']['training_items_kept']:.1%}")
    row("BERTopic recipe: topics (fixed k, none born)", lambda m: m["bertopic"]["topics"])
    row("BERTopic recipe: update seconds, embeddings given", lambda m: m["bertopic"]["update_seconds_embeddings_given"])
    lines += ["", "Topics born:", ""]
    for name in ("huffpost", "new_story"):
        for b in r[name]["born"]:
            lines.append(f"- {name}: topic {b['topic']} in batch {b['batch']} (first seen {b['first_seen']}): "
                         f"{b['name']}")
    sp = s["sports"]
    lines += ["", f"New story: the born topics hold {sp['sports_items_in_born_topics']:.0%} of the stream's Sports "
              "items; " + "; ".join(f"topic {t['topic']}: {t['documents']} items, {t['sports_share']:.0%} Sports"
                                    for t in sp["born_topics"]) + "."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
