"""A sentence-transformers folder run by ONNX Runtime, in full precision or with int8 weights.

The folder's transformer is exported once by torch's ONNX exporter; ``int8`` is ONNX
Runtime's dynamic quantisation of that export (weights per output channel, activations per
input). Both files are kept under the toolkit's cache folder, in a folder named for the
model's weight hash, so an export is made once per machine and never serves other weights.

Each text runs alone: nothing is padded, and a text's vector does not depend on the texts
beside it (int8 activations are scaled per input). The usable cores each run one text at a
time, since ONNX Runtime releases the interpreter's lock while it computes.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from toolkit.arrays import usable_cores
from toolkit.errors import ConfigError, shown

log = logging.getLogger("toolkit")

PRECISIONS = ("fp32", "int8")


def _read_json(path: Path) -> dict | list:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ConfigError(f"embedding.backend: onnx cannot read {path.name} of the model folder ({err})") from None


def folder_layout(folder: Path) -> tuple[Path, str, int | None]:
    """(the transformer's folder, pooling mode, longest input in word pieces) of a
    sentence-transformers folder, or a one-line error when it is not a transformer followed
    by mean or CLS pooling (the layouts this backend reproduces)."""
    modules_file = folder / "modules.json"
    if not modules_file.is_file():
        return folder, "mean", None
    modules = _read_json(modules_file)
    kinds = {str(m.get("type", "")).rsplit(".", 1)[-1]: m.get("path", "") for m in modules if isinstance(m, dict)}
    if set(kinds) - {"Transformer", "Pooling", "Normalize"} or "Transformer" not in kinds:
        raise ConfigError(f"embedding.backend: onnx runs a transformer with mean or CLS pooling; the model folder "
                          f"has modules {sorted(kinds)} (use backend: torch)")
    transformer = folder / kinds["Transformer"]
    mode = "mean"
    if "Pooling" in kinds:
        pooling = _read_json(folder / kinds["Pooling"] / "config.json")
        modes = sorted(key.removeprefix("pooling_mode_") for key, on in pooling.items()
                       if key.startswith("pooling_mode_") and on is True)
        if modes not in (["mean_tokens"], ["cls_token"]):
            raise ConfigError(f"embedding.backend: onnx runs mean or CLS pooling; the model folder pools by "
                              f"{', '.join(modes) or 'nothing'} (use backend: torch)")
        mode = modes[0].split("_")[0]
    settings = transformer / "sentence_bert_config.json"
    if not settings.is_file():
        settings = folder / "sentence_bert_config.json"
    limit = _read_json(settings).get("max_seq_length") if settings.is_file() else None
    return transformer, mode, limit


def _export(transformer: Path, target: Path) -> None:
    """torch's exporter on the transformer (eager attention, whose graph ONNX Runtime runs
    at any batch and length)."""
    import torch
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    model = AutoModel.from_pretrained(str(transformer), attn_implementation="eager").eval()
    tokenizer = AutoTokenizer.from_pretrained(str(transformer))
    sample = tokenizer(["an example", "a second, longer example"], padding=True, return_tensors="pt")
    names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in sample]

    class Hidden(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, *inputs):
            return self.inner(**dict(zip(names, inputs))).last_hidden_state

    axes = {n: {0: "batch", 1: "tokens"} for n in [*names, "hidden"]}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(Hidden(model), tuple(sample[n] for n in names), str(target), input_names=names,
                          output_names=["hidden"], dynamic_axes=axes, opset_version=17, dynamo=False)


def _quantise(source: Path, target: Path) -> None:
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    quiet = logging.getLogger().level
    logging.getLogger().setLevel(logging.ERROR)  # "consider pre-processing": advice for static quantisation
    try:
        quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True)
    finally:
        logging.getLogger().setLevel(quiet)


def exported_model(folder: Path, model_id: str, precision: str, root: Path) -> Path:
    """The ONNX file of ``folder``'s transformer at ``precision``: made on first use under
    ``root/models/<model_id>/`` (atomically, so a crash or a second process leaves no half
    file), read from there afterwards."""
    if precision not in PRECISIONS:
        raise ConfigError(f"embedding.precision: {precision!r} is not one of {', '.join(PRECISIONS)}")
    home = root / "models" / model_id
    target = home / f"model-{precision}.onnx"
    if target.is_file():
        return target
    home.mkdir(parents=True, exist_ok=True)
    transformer, _, _ = folder_layout(folder)
    with tempfile.TemporaryDirectory(dir=home) as tmp:
        full = Path(tmp) / "model-fp32.onnx"
        _export(transformer, full)
        made = full
        if precision == "int8":
            made = Path(tmp) / "model-int8.onnx"
            _quantise(full, made)
        os.replace(made, target)
    return target


def unsupported(folder: Path) -> str | None:
    """Why ``folder`` cannot run on this backend (its layout, or no ``tokenizer.json``), or None."""
    try:
        transformer, _, _ = folder_layout(folder)
    except ConfigError as err:
        return str(err)
    if not (transformer / "tokenizer.json").is_file():
        return (f"embedding.backend: onnx needs the model folder's tokenizer.json ({shown(str(folder))} has none; "
                "use backend: torch)")
    return None


def load_encoder(folder: Path, model_id: str, precision: str, root: Path) -> OnnxEncoder:
    """The encoder of ``folder`` at ``precision``, its export kept under ``root`` (or, when
    ``root`` cannot be written, in a temporary folder for this process)."""
    reason = unsupported(folder)
    if reason:
        raise ConfigError(reason)
    transformer, pooling, limit = folder_layout(folder)
    try:
        model_file = exported_model(folder, model_id, precision, root)
    except OSError as err:
        log.info("embedding: cannot keep the ONNX export in %s (%s); exporting to a temporary folder",
                 root, getattr(err, "strerror", None) or err)
        model_file = exported_model(folder, model_id, precision, Path(tempfile.mkdtemp(prefix="toolkit-")))
    return OnnxEncoder(model_file, transformer / "tokenizer.json", pooling, limit)


class OnnxEncoder:
    """``encoder(texts) -> unit vectors`` from an exported transformer.

    Parameters
    ----------
    model_file : Path
        The ONNX file (:func:`exported_model`).
    tokenizer_file : Path
        The folder's ``tokenizer.json``.
    pooling : {"mean", "cls"}
        How token vectors make a text's vector.
    max_length : int or None
        Word pieces kept per text (the model's window).
    threads : int or None
        Texts encoded at once; the usable cores when None.
    """

    def __init__(self, model_file: Path, tokenizer_file: Path, pooling: str = "mean", max_length: int | None = None,
                 threads: int | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1  # one text per core: no padding, and cores never wait on each other
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self.session = ort.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])
        self.inputs = [i.name for i in self.session.get_inputs()]
        self.tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self.tokenizer.no_padding()
        if max_length:
            self.tokenizer.enable_truncation(max_length)
        self.pooling = pooling
        self.threads = threads or usable_cores()

    def _one(self, encoding) -> np.ndarray:
        ids = np.asarray([encoding.ids], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids),
                 "token_type_ids": np.asarray([encoding.type_ids], dtype=np.int64)}
        hidden = self.session.run(None, {name: feeds[name] for name in self.inputs})[0][0]
        vector = hidden[0] if self.pooling == "cls" else hidden.mean(axis=0)
        return vector / max(float(np.linalg.norm(vector)), 1e-12)

    def __call__(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.session.get_outputs()[0].shape[-1] or 0), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(list(texts))
        if self.threads <= 1:
            rows = [self._one(e) for e in encodings]
        else:
            with ThreadPoolExecutor(self.threads) as pool:
                rows = list(pool.map(self._one, encodings))
        return np.vstack(rows).astype(np.float32)
