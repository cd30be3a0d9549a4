"""The arithmetic of the static model: one vector per word piece, fitted to MiniLM.

A static model embeds a text as the mean of its word pieces' vectors. Two steps make those
vectors (both pure functions of arrays; the model folder and its texts live in
:mod:`toolkit.embedding.static`):

1. :func:`token_vectors` distils them: MiniLM reads each word piece alone (``[CLS] piece
   [SEP]``) and the mean of its output is that piece's vector (model2vec's recipe).
2. :func:`fit_token_vectors` fits them to MiniLM itself: given texts whose MiniLM vectors are
   known, it finds the piece vectors whose means come closest to those vectors, pulled towards
   the distilled ones (ridge regression towards a prior, solved by conjugate gradients over all
   dimensions at once). A piece never seen in the texts keeps its distilled vector.

Distilled alone, the vectors place a text by its words' meanings out of context; the fit
teaches them how MiniLM weighs words in a sentence (a word that decides the topic gets a long
vector, a function word a short one), which is most of what clustering needs.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def token_vectors(model, vocab_size: int, cls_id: int, sep_id: int, *, batch_size: int = 2048,
                  progress=None) -> np.ndarray:
    """Each word piece's vector: the mean of the transformer's outputs over ``[CLS] piece [SEP]``.

    Parameters
    ----------
    model : transformers.PreTrainedModel
        The encoder (MiniLM), in eval mode.
    vocab_size : int
        Number of word pieces; piece ``i`` is embedded as id ``i``.
    cls_id, sep_id : int
        The ids that open and close an input.
    batch_size : int
        Pieces per forward pass.
    progress : callable, optional
        Called with the number of pieces done after each batch.

    Returns
    -------
    ndarray of shape (vocab_size, hidden), float32
    """
    import torch

    out = None
    with torch.inference_mode():
        for start in range(0, vocab_size, batch_size):
            ids = torch.arange(start, min(vocab_size, start + batch_size))
            x = torch.stack([torch.full_like(ids, cls_id), ids, torch.full_like(ids, sep_id)], 1)
            hidden = model(input_ids=x, attention_mask=torch.ones_like(x)).last_hidden_state.mean(1)
            if out is None:
                out = np.zeros((vocab_size, hidden.shape[1]), dtype=np.float32)
            out[start:start + len(ids)] = hidden.float().numpy()
            if progress is not None:
                progress(len(ids))
    return out


def mean_matrix(token_ids: list[list[int]] | list[np.ndarray], vocab_size: int) -> sp.csr_matrix:
    """Rows that average word-piece vectors: row ``i`` holds ``count / len`` of text ``i``'s pieces.

    A text without pieces gives an empty row (its vector is zero).
    """
    lengths = np.fromiter((len(t) for t in token_ids), dtype=np.int64, count=len(token_ids))
    rows = np.repeat(np.arange(len(token_ids)), lengths)
    cols = np.concatenate([np.asarray(t, dtype=np.int64) for t in token_ids]) if lengths.sum() else \
        np.zeros(0, dtype=np.int64)
    weights = np.repeat(1.0 / np.maximum(lengths, 1), lengths).astype(np.float32)
    matrix = sp.csr_matrix((weights, (rows, cols)), shape=(len(token_ids), vocab_size), dtype=np.float32)
    matrix.sum_duplicates()
    return matrix


def fit_token_vectors(A: sp.csr_matrix, Y: np.ndarray, prior: np.ndarray, alpha: float, *,
                      iterations: int = 60, progress=None) -> np.ndarray:
    """The piece vectors ``E`` minimising ``|A E - Y|^2 + alpha |E - prior|^2``.

    Parameters
    ----------
    A : sparse matrix of shape (n_texts, vocab_size)
        Averaging rows (:func:`mean_matrix`) of the training texts.
    Y : ndarray of shape (n_texts, dim)
        The vectors the texts should get (MiniLM's).
    prior : ndarray of shape (vocab_size, dim)
        The vectors to stay near (the distilled ones); pieces absent from ``A`` keep them exactly.
    alpha : float
        Strength of the pull towards ``prior`` (> 0: the normal equations are then positive
        definite, so conjugate gradients converge).
    iterations : int
        Conjugate-gradient steps, taken for every column at once.
    progress : callable, optional
        Called with 1 after each step.

    Returns
    -------
    ndarray of shape (vocab_size, dim), float32
    """
    if alpha <= 0:
        raise ValueError(f"alpha must be > 0, got {alpha}")
    A = sp.csr_matrix(A, dtype=np.float64)
    At = A.T.tocsr()
    E = np.array(prior, dtype=np.float64)
    # Columns are independent systems sharing one matrix: step each column with its own length.
    R = At @ (np.asarray(Y, dtype=np.float64) - A @ E)
    P = R.copy()
    rs = np.einsum("ij,ij->j", R, R)
    for _ in range(iterations):
        Q = At @ (A @ P) + alpha * P
        step = rs / np.maximum(np.einsum("ij,ij->j", P, Q), 1e-300)
        E += P * step
        R -= Q * step
        rs_new = np.einsum("ij,ij->j", R, R)
        if progress is not None:
            progress(1)
        if np.all(rs_new <= 1e-20 * np.maximum(rs, 1e-300)):
            break
        P = R + P * (rs_new / np.maximum(rs, 1e-300))
        rs = rs_new
    return E.astype(np.float32)


def match_scale(A: sp.csr_matrix, vectors: np.ndarray) -> np.ndarray:
    """``vectors`` centred and scaled so the texts of ``A`` get vectors of mean length one,
    the length of MiniLM's (normalised) vectors: the prior then starts on the targets' scale."""
    centred = vectors - vectors.mean(axis=0)
    lengths = np.linalg.norm(A @ centred, axis=1)
    lengths = lengths[lengths > 0]
    scale = max(float(lengths.mean()), 1e-12) if len(lengths) else 1.0
    return (centred / scale).astype(np.float32)


def principal_axes(Y: np.ndarray, dimensions: int) -> np.ndarray:
    """The ``dimensions`` leading right singular vectors of ``Y`` (rows), as columns: projecting
    on them keeps most of the geometry of the vectors the model imitates."""
    _, _, vt = np.linalg.svd(np.asarray(Y, dtype=np.float64), full_matrices=False)
    return vt[:dimensions].T.astype(np.float32)


__all__ = ["fit_token_vectors", "match_scale", "mean_matrix", "principal_axes", "token_vectors"]
