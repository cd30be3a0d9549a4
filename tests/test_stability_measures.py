"""How much topics move between runs: the measures, on partitions whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from toolkit.evaluation.stability import jaccard_matrix, match_topics, pairwise_agreement, topic_stability

GOLD = np.repeat(np.arange(4), 25)


def test_the_same_partition_under_other_names_agrees_fully():
    renamed = (GOLD + 1) % 4  # the same topics, numbered differently
    agreement = pairwise_agreement([GOLD, renamed, GOLD.copy()])
    assert agreement["ari"]["mean"] == agreement["nmi"]["mean"] == 1.0
    assert agreement["ari"]["low"] == agreement["ari"]["high"] == 1.0
    rows = topic_stability(GOLD, [renamed], {c: [f"w{c}"] for c in range(4)}, [{(c + 1) % 4: [f"w{c}"] for c in
                                                                              range(4)}])
    assert [r["stability"] for r in rows] == [1.0] * 4 and [r["keyword_jaccard"] for r in rows] == [1.0] * 4
    assert [r["matches"] for r in rows] == [[1], [2], [3], [0]]


def test_a_split_topic_is_half_stable_and_the_agreement_is_sklearns():
    split = GOLD.copy()
    split[GOLD == 3] = np.where(np.arange(25) < 13, 3, 4)  # topic 3 cut in two in the other run
    overlap, ids_a, ids_b = jaccard_matrix(GOLD, split)
    assert ids_a == [0, 1, 2, 3] and ids_b == [0, 1, 2, 3, 4]
    assert overlap[3, 3] == pytest.approx(13 / 25) and overlap[3, 4] == pytest.approx(12 / 25)
    assert match_topics(GOLD, split)[3] == (3, pytest.approx(13 / 25))
    rows = topic_stability(GOLD, [split])
    assert [r["stability"] for r in rows] == [1.0, 1.0, 1.0, pytest.approx(0.52)]
    assert rows[3]["keyword_jaccard"] is None  # no keywords given
    agreement = pairwise_agreement([GOLD, split])
    assert agreement["ari"]["mean"] == pytest.approx(adjusted_rand_score(GOLD, split), abs=1e-6)
    assert agreement["ari"]["low"] is None  # two runs: one pair, no interval
    with pytest.raises(ValueError, match="at least two runs"):
        pairwise_agreement([GOLD])


def test_a_topic_without_a_partner_scores_zero():
    merged = np.where(GOLD == 3, 2, GOLD)  # the other run has one topic fewer
    rows = topic_stability(GOLD, [merged])
    assert rows[3]["stability"] == 0.0 or rows[2]["stability"] == 0.0
    assert None in [r["matches"][0] for r in rows]
