"""torch -> ONNX for the five graphs of a model bundle.

Exporter: the TorchScript-based ("legacy") `torch.onnx.export(..., dynamo=False)` at opset 17.
The graphs are small explicit modules (graphs.py), so the tracer sees plain tensor code; every
batch/length axis is declared dynamic and the tests run the graphs at other sizes than the
traced ones. The dims are named (S, L, B, M, T, ...) and those names go into the manifest.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import onnx
import torch
from onnx import numpy_helper

from embsum.model import EmbSum

from .graphs import (
    ContentGraph,
    DecoderCore,
    DecoderFirst,
    DecoderStep,
    EncoderGraph,
    UserHeadGraph,
)

OPSET = 17
EXPORTER = f"torch.onnx.export(dynamo=False) torch {torch.__version__.split('+')[0]}"

SESSION_ENCODER = "session_encoder.onnx"
DECODER_FIRST = "decoder_first.onnx"
DECODER_STEP = "decoder_step.onnx"
USER_HEAD = "user_head.onnx"
CONTENT_ENCODER = "content_encoder.onnx"
GRAPH_FILES = (SESSION_ENCODER, DECODER_FIRST, DECODER_STEP, USER_HEAD, CONTENT_ENCODER)
WEIGHTS = "weights.bin"
# Initializers at least this big go to the shared weights file; smaller ones stay in the graph.
EXTERNAL_MIN_BYTES = 1024
ALIGN = 4096

_ONNX_DTYPES = {
    onnx.TensorProto.FLOAT: "float32",
    onnx.TensorProto.INT64: "int64",
    onnx.TensorProto.INT32: "int32",
    onnx.TensorProto.BOOL: "bool",
}


def past_names(layers: int, prefix: str) -> list[str]:
    """Per layer: self-attention K, V, then cross-attention K, V (prefix 'past' or 'present')."""
    names = []
    for i in range(layers):
        names += [
            f"{prefix}.{i}.self.key",
            f"{prefix}.{i}.self.value",
            f"{prefix}.{i}.cross.key",
            f"{prefix}.{i}.cross.value",
        ]
    return names


def self_names(layers: int, prefix: str) -> list[str]:
    names = []
    for i in range(layers):
        names += [f"{prefix}.{i}.self.key", f"{prefix}.{i}.self.value"]
    return names


@dataclass
class _Spec:
    file: str
    module: torch.nn.Module
    args: tuple
    inputs: dict[str, list]  # name -> full shape: int (fixed) or str (a named dynamic dim)
    outputs: dict[str, list]

    def dynamic_axes(self) -> dict[str, dict[int, str]]:
        return {
            name: {i: d for i, d in enumerate(shape) if isinstance(d, str)}
            for name, shape in {**self.inputs, **self.outputs}.items()
        }


def _dummy(model: EmbSum):
    """Distinct sizes for every dynamic axis, so the tracer cannot confuse two of them."""
    g = torch.Generator().manual_seed(0)
    cfg = model.config
    d = model.d_model
    tc = model.t5.config
    S, L, B, M, T, K1, N, Lc = 3, 9, 2, 11, 3, 5, 4, 7

    def ids(n, length):
        x = torch.randint(3, 500, (n, length), generator=g)
        x[:, 0] = cfg.sos_id
        return x

    def mask(n, length):
        m = torch.ones(n, length, dtype=torch.long)
        for r in range(1, n):
            m[r, length - r :] = 0
        return m

    heads, dkv = tc.num_heads, tc.d_kv
    layers = tc.num_decoder_layers
    past = []
    for _ in range(layers):
        past += [
            torch.randn(B, heads, T, dkv, generator=g),
            torch.randn(B, heads, T, dkv, generator=g),
            torch.randn(B, heads, M, dkv, generator=g),
            torch.randn(B, heads, M, dkv, generator=g),
        ]
    z_mask = torch.ones(B, K1, dtype=torch.long)
    z_mask[1, 1 : K1 - 1] = 0
    return dict(
        enc=(ids(S, L), mask(S, L)),
        first=(torch.zeros(B, 1, dtype=torch.long), torch.randn(B, M, d, generator=g), mask(B, M)),
        step=(torch.randint(3, 500, (B, 1), generator=g), mask(B, M), *past),
        head=(torch.randn(B, K1, d, generator=g), z_mask),
        content=(ids(N, Lc), mask(N, Lc)),
    )


def _specs(model: EmbSum) -> list[_Spec]:
    tc = model.t5.config
    layers, heads, dkv, d, vocab = (
        tc.num_decoder_layers,
        tc.num_heads,
        tc.d_kv,
        model.d_model,
        tc.vocab_size,
    )
    m, n = model.config.m, model.config.n_content
    encoder = EncoderGraph(model).eval()
    core = DecoderCore(model).eval()
    dummy = _dummy(model)
    step_out = {"logits": ["B", vocab], "hidden": ["B", d], "next_id": ["B"]}

    def kv(names, self_len):
        return {k: ["B", heads, self_len if ".self." in k else "M", dkv] for k in names}

    return [
        _Spec(
            SESSION_ENCODER,
            encoder,
            dummy["enc"],
            {"input_ids": ["S", "L"], "attention_mask": ["S", "L"]},
            {"token_states": ["S", "L", d]},
        ),
        _Spec(
            DECODER_FIRST,
            DecoderFirst(core).eval(),
            dummy["first"],
            {"input_ids": ["B", 1], "memory": ["B", "M", d], "memory_mask": ["B", "M"]},
            {**step_out, **kv(past_names(layers, "present"), 1)},
        ),
        _Spec(
            DECODER_STEP,
            DecoderStep(core).eval(),
            dummy["step"],
            {
                "input_ids": ["B", 1],
                "memory_mask": ["B", "M"],
                **kv(past_names(layers, "past"), "T"),
            },
            {**step_out, **kv(self_names(layers, "present"), "T_plus_1")},
        ),
        _Spec(
            USER_HEAD,
            UserHeadGraph(model).eval(),
            dummy["head"],
            {"z": ["B", "K_plus_1", d], "z_mask": ["B", "K_plus_1"]},
            {"upe": ["B", m, d]},
        ),
        _Spec(
            CONTENT_ENCODER,
            ContentGraph(model, encoder).eval(),
            dummy["content"],
            {"content_ids": ["N", "Lc"], "content_mask": ["N", "Lc"]},
            {"cpe": ["N", n, d], "cpe_key": ["N", n, d]},
        ),
    ]


def _stamp_shapes(path: Path, spec: _Spec) -> None:
    """Write the declared shapes onto the graph's inputs/outputs.

    The tracer cannot always prove a fixed size (heads, d_kv after a dynamic Reshape) and then
    invents a dim name such as 'Transposepresent.1.self.key_dim_3'; the manifest and the Java
    side should see the real contract. A size the exporter did fix must agree with the declared one.
    """
    model = onnx.load(str(path))
    for values, declared in ((model.graph.input, spec.inputs), (model.graph.output, spec.outputs)):
        for v in values:
            want = declared[v.name]
            dims = v.type.tensor_type.shape.dim
            if len(dims) != len(want):
                raise RuntimeError(f"{spec.file}: {v.name} has rank {len(dims)}, declared {want}")
            for dim, w in zip(dims, want):
                if dim.HasField("dim_value") and isinstance(w, int) and dim.dim_value != w:
                    raise RuntimeError(
                        f"{spec.file}: {v.name} has size {dim.dim_value} where {w} is declared"
                    )
                if isinstance(w, int):
                    dim.Clear()
                    dim.dim_value = w
                else:
                    dim.Clear()
                    dim.dim_param = w
    onnx.save(model, str(path))


def _value_infos(values) -> list[dict[str, Any]]:
    out = []
    for v in values:
        t = v.type.tensor_type
        shape = [
            dim.dim_param if dim.HasField("dim_param") else int(dim.dim_value)
            for dim in t.shape.dim
        ]
        out.append(
            {
                "name": v.name,
                "dtype": _ONNX_DTYPES.get(t.elem_type, str(t.elem_type)),
                "shape": shape,
            }
        )
    return out


def graph_signature(path: str | Path) -> dict[str, Any]:
    """Input/output names, dtypes and shapes (symbolic dims by name) as stored in an .onnx file."""
    m = onnx.load(str(path), load_external_data=False)
    return {"inputs": _value_infos(m.graph.input), "outputs": _value_infos(m.graph.output)}


def share_weights(out_dir: Path, files: list[str]) -> int:
    """Move every large initializer of the graphs into one `weights.bin`, stored once.

    The encoder weights are in session_encoder and content_encoder, the decoder weights in
    decoder_first and decoder_step, the (tied) embedding in four graphs: deduplicating by content
    makes the bundle about 2.5x smaller. The graphs reference the file by the relative location
    "weights.bin" (ONNX external data, offsets aligned to 4096), so they must be loaded from their
    path in the bundle directory. Returns the file size.
    """
    offsets: dict[bytes, tuple[int, int]] = {}
    with open(out_dir / WEIGHTS, "wb") as out:
        for f in files:
            model = onnx.load(str(out_dir / f))
            for init in model.graph.initializer:
                data = numpy_helper.to_array(init)
                raw = data.tobytes()  # little-endian, as ONNX raw_data is
                if len(raw) < EXTERNAL_MIN_BYTES:
                    continue
                key = hashlib.sha256(raw).digest() + str((data.dtype, data.shape)).encode()
                if key not in offsets:
                    pos = out.tell()
                    pad = (-pos) % ALIGN
                    out.write(b"\0" * pad)
                    offsets[key] = (pos + pad, len(raw))
                    out.write(raw)
                offset, length = offsets[key]
                for fld in ("raw_data", "float_data", "int32_data", "int64_data", "double_data"):
                    init.ClearField(fld)
                del init.external_data[:]
                for k, v in (
                    ("location", WEIGHTS),
                    ("offset", str(offset)),
                    ("length", str(length)),
                ):
                    entry = init.external_data.add()
                    entry.key, entry.value = k, v
                init.data_location = onnx.TensorProto.EXTERNAL
            onnx.save(model, str(out_dir / f))
        return out.tell()


def export_graphs(
    model: EmbSum, out_dir: str | Path, opset: int = OPSET
) -> dict[str, dict[str, Any]]:
    """Write the five .onnx files (+ weights.bin) into out_dir; returns {file: signature}."""
    out_dir = Path(out_dir)
    model = model.eval()
    sigs = {}
    for spec in _specs(model):
        path = out_dir / spec.file
        with torch.no_grad(), warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")  # deprecation notice of the TorchScript exporter
            torch.onnx.export(
                spec.module,
                spec.args,
                str(path),
                dynamo=False,
                opset_version=opset,
                input_names=list(spec.inputs),
                output_names=list(spec.outputs),
                dynamic_axes=spec.dynamic_axes(),
                do_constant_folding=True,
            )
        sig = graph_signature(path)
        got_in = [v["name"] for v in sig["inputs"]]
        got_out = [v["name"] for v in sig["outputs"]]
        if got_in != list(spec.inputs) or got_out != list(spec.outputs):
            raise RuntimeError(
                f"{spec.file}: exported names {got_in} -> {got_out} differ from the "
                f"declared {list(spec.inputs)} -> {list(spec.outputs)}"
            )
        _stamp_shapes(path, spec)
        sig = graph_signature(path)
        sigs[spec.file] = sig
    share_weights(out_dir, list(sigs))
    for f in sigs:
        onnx.checker.check_model(str(out_dir / f))  # with the external data in place
    return sigs
