"""Micro-batching through the real server on a loopback port: concurrent requests share forward passes, and each
still gets exactly the answer it gets alone; requests of different adapters share a pass, each read by its own."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import NAME
from helpers import API_KEY, call, running
from phiner.analyze.registry import AdapterRegistry
from phiner.analyze.tagger import Tagger
from phiner.core.errors import PhinerError
from phiner.model.windows import Windowing
from phiner.serve.app import create_app

SMALL_WINDOWS = Windowing(max_length=32, pad_to_max_length=False, stride=8)
"""Windows of 32 tokens: a text of a few sentences takes several, so requests' windows interleave in passes."""


def note(i: int) -> str:
    """Note ``i``: ``i`` sentences of filler, the name in the middle (1 to 6 windows of 32 tokens)."""
    filler = "Pasienten er stabil og sover godt. "
    return f"Notat {i}: " + filler * (i // 2) + f"{NAME} ringte kl {i}. " + filler * (i - i // 2)


def batching(base):
    status, body = call(base, "/v1/model")
    assert status == 200
    return body["batching"]


def entities(body):
    return [(e["start"], e["end"], e["label"], e["text"]) for e in body["entities"]]


def at_once(base, bodies, path="/v1/entities"):
    """Send every body in ``bodies`` at the same moment, one thread each; the answers in order."""
    start = threading.Barrier(len(bodies))

    def one(body):
        start.wait()
        return call(base, path, body)

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(one, bodies))


def test_given_16_concurrent_requests_then_each_gets_its_answer_alone_in_fewer_forward_passes(
    name_tagger, roberta_tokenizer
):
    tagger = Tagger(name_tagger, roberta_tokenizer, windowing=SMALL_WINDOWS)
    app = create_app(tagger, api_key=API_KEY, max_body_bytes=200_000, max_queue=64, batch_wait_ms=50)
    bodies = [{"texts": [note(i), note(15 - i)]} if i % 4 == 0 else {"text": note(i)} for i in range(16)]
    with running(app) as base:
        alone = [call(base, "/v1/entities", body) for body in bodies]
        before = batching(base)
        together = at_once(base, bodies)
        after = batching(base)
    assert [status for status, _ in together] == [200] * 16
    assert [body for _, body in together] == [body for _, body in alone]  # offsets, labels, scores, sources
    for (_, one), body in zip(alone, bodies):
        for answer in [one] if "text" in body else one["results"]:
            assert [label for _, _, label, _ in entities(answer)] == ["PATIENT"]
    passes_alone = before["forward_passes"]
    passes_together = after["forward_passes"] - before["forward_passes"]
    assert after["requests"] - before["requests"] == 16
    assert passes_together < 16 and passes_together < passes_alone, (passes_together, passes_alone)
    assert after["shared_passes"] > before["shared_passes"]
    assert after["windows"] - before["windows"] == before["windows"]  # the same windows, in fewer passes
    assert (after["max_windows"], after["max_tokens"], after["wait_ms"]) == (16, 4096, 50)


@pytest.fixture(scope="module")
def registry(adapter_runs):
    return AdapterRegistry.load(None, adapter_runs, detector=None)


def test_given_two_adapters_in_one_gathered_pass_then_each_request_gets_its_adapters_answer(registry):
    text = "Notat 3: Kari kom i dag."
    app = create_app(registry, api_key=API_KEY, batch_wait_ms=2000)  # a pass waits for both requests
    with running(app) as base:
        before = batching(base)
        answers = at_once(base, [{"text": text, "adapter": "patient"}, {"text": text, "adapter": "loc"}])
        after = batching(base)
    assert [(status, entities(body)) for status, body in answers] == [
        (200, [(9, 13, "PATIENT", "Kari")]),
        (200, [(9, 13, "LOC", "Kari")]),
    ]
    assert after["forward_passes"] - before["forward_passes"] == 1
    assert after["mixed_adapter_passes"] - before["mixed_adapter_passes"] == 1


def test_given_16_concurrent_requests_to_mixed_adapters_then_each_gets_its_answer_alone(registry):
    names = ["Kari", "Ola", "Nordmann", "Hansen"]
    bodies = [
        {"text": f"Notat {i}: {names[i % 4]} kom i dag. " * (1 + i % 3), "adapter": ("patient", "loc")[i % 2]}
        for i in range(16)
    ]
    app = create_app(registry, api_key=API_KEY, max_queue=64, batch_wait_ms=50)
    with running(app) as base:
        alone = [call(base, "/v1/redact", body) for body in bodies]
        before = batching(base)
        together = at_once(base, bodies, path="/v1/redact")
        after = batching(base)
    assert [status for status, _ in together] == [200] * 16
    assert [body["redacted"] for _, body in together] == [body["redacted"] for _, body in alone]
    assert all(f"[{body['adapter'].upper()}]" in answer["redacted"] for (_, answer), body in zip(alone, bodies))
    assert after["forward_passes"] - before["forward_passes"] < 16
    assert after["mixed_adapter_passes"] > before["mixed_adapter_passes"]


def test_given_a_negative_batch_wait_then_the_app_refuses_to_start(name_tagger, roberta_tokenizer):
    with pytest.raises(PhinerError, match="batch wait"):
        create_app(Tagger(name_tagger, roberta_tokenizer), batch_wait_ms=-1)


def test_given_short_and_long_requests_at_once_then_passes_keep_the_short_windows_from_the_long_ones_padding(
    name_tagger, roberta_tokenizer
):
    long_windows = Windowing(max_length=256, pad_to_max_length=False, stride=64)
    tagger = Tagger(name_tagger, roberta_tokenizer, windowing=long_windows)
    long_text = "Pasienten er stabil og sover godt. " * 16 + f"{NAME} ringte."  # one window of ~200 tokens
    bodies = [{"text": long_text} if i % 2 else {"text": f"{NAME} ringte."} for i in range(16)]
    app = create_app(tagger, api_key=API_KEY, max_queue=64, batch_wait_ms=500)  # all 16 in one plan
    with running(app) as base:
        alone = [call(base, "/v1/entities", body) for body in bodies]
        before = batching(base)
        together = at_once(base, bodies)
        after = batching(base)
    assert [body for _, body in together] == [body for _, body in alone]
    longest = len(roberta_tokenizer(long_text)["input_ids"])
    assert 150 < longest <= 256
    padded = after["padded_tokens"] - before["padded_tokens"]
    tokens = after["tokens"] - before["tokens"]
    assert after["forward_passes"] - before["forward_passes"] == 2  # the 8 short windows apart from the 8 long
    assert padded < 16 * longest and padded - tokens < 8 * 8, (padded, tokens)


def test_given_a_batcher_without_a_thread_then_run_reads_on_the_calling_thread_until_closed(
    name_tagger, roberta_tokenizer
):
    from phiner.serve.batcher import Batcher

    tagger = Tagger(name_tagger, roberta_tokenizer, windowing=SMALL_WINDOWS)
    passes_on = []
    batcher = Batcher(max_windows=4, thread=False, check=lambda _: passes_on.append(threading.current_thread()))
    texts = [note(i) for i in range(6)]
    answers = {}

    def client(i):
        deadline = time.monotonic() + 60
        with batcher.turn.hold(deadline):
            answers[i] = tagger.through(lambda features: batcher.logits(tagger, features, deadline)).predict([texts[i]])

    def clients():
        try:
            with ThreadPoolExecutor(max_workers=6) as pool:
                list(pool.map(client, range(6)))
        finally:  # a client that failed must not leave run() below waiting for ever
            batcher.close()

    driver = threading.Thread(target=clients)
    driver.start()
    batcher.run()  # returns once the clients' thread closed it
    driver.join()
    assert [answers[i] for i in range(6)] == [tagger.predict([t]) for t in texts]
    assert passes_on and set(passes_on) == {threading.current_thread()}
    with pytest.raises(PhinerError, match="thread of its own"):
        Batcher().run()


def test_given_the_turn_held_then_it_is_lent_while_its_holder_waits_and_held_again_after():
    from phiner.serve.batcher import Busy, Turn

    turn, order = Turn(), []
    lent, taken = threading.Event(), threading.Event()

    def other():
        lent.wait()
        with turn.hold(time.monotonic() + 5):
            order.append("other")
            taken.set()
            time.sleep(0.1)

    thread = threading.Thread(target=other)
    thread.start()
    with turn.hold():
        order.append("holder")
        with turn.lent():
            lent.set()
            assert taken.wait(5)  # the other thread took the turn while this one waited
        order.append("holder again")  # only after the other let it go
    thread.join()
    assert order == ["holder", "other", "holder again"]
    with turn.hold():  # held: another thread waits only until its deadline
        refused = []
        blocked = threading.Thread(target=lambda: refused.append(_try_hold(turn)))
        blocked.start()
        blocked.join()
    assert isinstance(refused[0], Busy)


def _try_hold(turn):
    try:
        with turn.hold(time.monotonic() + 0.05):
            return None
    except Exception as err:  # the Busy raised in the thread, handed back to the test
        return err
