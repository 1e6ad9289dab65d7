"""The paced sender on a virtual clock: limits, 429s, retries, blocked chats, stopping."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.delivery.sender import Outgoing, Sender
from bot.clock import VirtualTime


class FakeSend:
    """A send function that records (virtual time, chat, text) and raises scripted errors per chat."""

    def __init__(self, time: VirtualTime) -> None:
        self.time, self.sent, self.calls = time, [], 0
        self.errors: dict[int, list[Exception]] = {}

    async def __call__(self, message: Outgoing) -> int:
        self.calls += 1
        queue = self.errors.get(message.chat_id)
        if queue:
            raise queue.pop(0)
        self.sent.append((self.time.now, message.chat_id, message.text))
        return len(self.sent)

    def times(self, chat_id: int) -> list[float]:
        return [t for t, chat, _ in self.sent if chat == chat_id]

    def texts(self, chat_id: int) -> list[str]:
        return [text for _, chat, text in self.sent if chat == chat_id]


@pytest.fixture
def time() -> VirtualTime:
    return VirtualTime()


@pytest.fixture
def send(time, monkeypatch) -> FakeSend:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # RetryAfter warns when built without it (PTB 22.2+)
    return FakeSend(time)


def sender(send: FakeSend, time: VirtualTime, **options) -> Sender:
    return Sender(send, monotonic=time.monotonic, sleep=time.sleep, **options)


async def deliver(s: Sender, messages, **kwargs):
    outcomes = []

    async def collect(outcome):
        outcomes.append(outcome)

    s.submit(messages)
    left = await s.run(collect, **kwargs)
    return outcomes, left


def msgs(chat_id: int, n: int) -> list[Outgoing]:
    return [Outgoing(chat_id, f"m{i}", tag=(chat_id, i)) for i in range(n)]


async def test_global_rate_stays_under_the_limit(send, time):
    """Ninety chats at the default pace: never more than 30 in any one-second window, and close to 30/s overall."""
    outcomes, _ = await deliver(sender(send, time), [m for chat in range(1, 91) for m in msgs(chat, 1)])
    assert [o.status for o in outcomes] == ["sent"] * 90
    stamps = [t for t, _, _ in send.sent]
    assert max(sum(1 for u in stamps if t <= u < t + 1 - 1e-9) for t in stamps) <= 30
    assert 2.9 <= stamps[-1] - stamps[0] < 3.2  # about 30 a second, spread evenly rather than in clumps


async def test_one_chat_gets_one_message_a_second_in_order(send, time):
    """Messages of one private chat leave one a second, in the order submitted."""
    await deliver(sender(send, time), msgs(7, 4))
    assert send.texts(7) == ["m0", "m1", "m2", "m3"]
    gaps = [b - a for a, b in zip(send.times(7), send.times(7)[1:])]
    assert min(gaps) >= 1.0 - 1e-9


async def test_groups_get_twenty_a_minute(send, time):
    """A group chat (negative id) gets at most one message every three seconds."""
    await deliver(sender(send, time), msgs(-100, 3))
    times = send.times(-100)
    assert times[2] - times[0] >= 6.0 - 1e-9


async def test_retry_after_parks_only_that_chat(send, time):
    """A 429 parks its chat for retry_after seconds while other chats keep going; nothing lost or reordered."""
    send.errors[1] = [RetryAfter(timedelta(seconds=10))]
    s = sender(send, time)
    outcomes, left = await deliver(s, msgs(1, 3) + msgs(2, 3))
    assert left == [] and s.throttled == 1 and len(outcomes) == 6
    assert send.texts(1) == send.texts(2) == ["m0", "m1", "m2"]
    assert max(send.times(2)) < 10 <= min(send.times(1))


async def test_network_errors_back_off_then_succeed(send, time):
    """A network error and a timeout are retried after growing pauses, then the message is sent once."""
    send.errors[1] = [NetworkError("down"), TimedOut("slow")]
    outcomes, _ = await deliver(sender(send, time, backoff=2.0), msgs(1, 1))
    assert [o.status for o in outcomes] == ["sent"] and send.calls == 3
    assert send.times(1)[0] >= 2.0 + 4.0


async def test_network_errors_past_the_bound_give_back_the_chat_in_order(send, time):
    """After the last retry the message and the chat's later ones come back as 'retry', in order."""
    send.errors[1] = [NetworkError("down")] * 10
    outcomes, _ = await deliver(sender(send, time, network_retries=2), msgs(1, 3) + msgs(2, 1))
    retried = [o.message.text for o in outcomes if o.status == "retry"]
    assert retried == ["m0", "m1", "m2"] and send.texts(2) == ["m0"] and send.calls == 4
    assert {o.error for o in outcomes if o.status == "retry"} == {"NetworkError"}


async def test_forbidden_blocks_the_chat_without_more_requests(send, time):
    """A 403 answers 'blocked' for that message and every later one of the chat, with one request only."""
    send.errors[1] = [Forbidden("blocked")]
    outcomes, _ = await deliver(sender(send, time), msgs(1, 3) + msgs(2, 1))
    assert [o.status for o in outcomes if o.message.chat_id == 1] == ["blocked"] * 3
    assert send.calls == 2 and send.texts(2) == ["m0"]


async def test_bad_request_fails_one_message_only(send, time):
    """A 400 fails that message with its error class; the chat's next message still goes."""
    send.errors[1] = [BadRequest("bad")]
    outcomes, _ = await deliver(sender(send, time), msgs(1, 2))
    assert [(o.status, o.error) for o in outcomes] == [("failed", "BadRequest"), ("sent", None)]


async def test_stop_finishes_in_flight_and_hands_back_the_rest(send, time):
    """Once asked to stop, nothing new starts and the unsent messages are handed back."""
    outcomes, left = await deliver(sender(send, time), msgs(1, 3), should_stop=lambda: len(send.sent) >= 1)
    assert [o.status for o in outcomes] == ["sent"] and [m.text for m in left] == ["m1", "m2"]


async def test_refill_is_asked_until_empty(send, time):
    """The sender asks for more work while its queue runs low and stops when none is left."""
    batches = [msgs(1, 2), msgs(2, 2), []]

    async def refill():
        return batches.pop(0)

    outcomes, left = await deliver(sender(send, time), [], refill=refill, low_water=1)
    assert len(outcomes) == 4 and left == [] and batches == []


async def test_a_message_counts_until_a_second_after_its_answer(send, time):
    """Telegram counts a message when it arrives, anywhere between its start and its answer: so the 31st message
    starts only a second after the 1st was answered, whatever the round trip (counting from the start drew 429s)."""
    starts, answers = [], []

    async def slow(message: Outgoing) -> int:
        started = time.now
        starts.append(started)
        while time.now < started + 0.2:  # the round trip, in small steps (sleeping moves the shared clock)
            await time.sleep(0.001)
        answers.append((time.now, started))
        return await send(message)

    s = Sender(slow, monotonic=time.monotonic, sleep=time.sleep)
    outcomes, _ = await deliver(s, [Outgoing(i, "x") for i in range(1, 91)])
    assert len(outcomes) == 90
    answered_by_start = [answer for answer, _ in sorted(answers, key=lambda pair: pair[1])]
    assert all(starts[k] >= answered_by_start[k - 30] + 1.0 - 1e-9 for k in range(30, 90))


async def test_replies_count_against_the_same_second(send, time):
    """Replies a handler sends count against the bot's limit: with three just answered, the first second holds no
    more than 30 messages in all."""
    s = sender(send, time)
    for chat in (10_001, 10_002, 10_003):
        s.limits.done(chat, s.limits.start(chat))  # three replies, just now
    outcomes, _ = await deliver(s, [Outgoing(i, "x") for i in range(1, 61)])
    assert len(outcomes) == 60
    assert 3 + sum(1 for t, _, _ in send.sent if t < 1.0) <= 30


async def test_replies_keep_each_chats_one_a_second(send, time):
    """A reply right after a reminder to its chat waits out the chat's second; another chat's does not."""
    s = sender(send, time)
    await deliver(s, msgs(1, 1))
    assert s.limits.reply_wait(1) == pytest.approx(send.times(1)[0] + 1.0 - time.monotonic()) and \
        s.limits.reply_wait(1) > 0
    assert s.limits.reply_wait(2) == 0


async def test_a_reminder_waits_a_second_after_a_reply_to_its_chat_was_answered(send, time):
    """A reply still on its way holds its chat; once answered, the chat's next reminder leaves a second later."""
    s = sender(send, time)
    slot = s.limits.start(5)  # a handler's reply to chat 5, on its way

    async def answer_later():
        await time.sleep(0.5)
        s.limits.done(5, slot)
    replying = asyncio.ensure_future(answer_later())
    await deliver(s, msgs(5, 1) + msgs(6, 1))
    await replying
    assert send.times(5)[0] >= 1.5 - 1e-9 and send.times(6)[0] <= 0.5


async def test_a_waiting_reply_takes_the_first_room_before_the_sender(send, time):
    """With the second full, a reply waits for the first place that opens, about a second at most, and the sender
    leaves it that place."""
    s = sender(send, time)
    for chat in range(100, 130):
        s.limits.done(chat, s.limits.start(chat))  # thirty messages answered at 0
    replied = []

    async def reply():
        slot = await s.limits.admit(7, time.sleep, 1.0)
        replied.append(time.now)
        s.limits.done(7, slot)
    waiting = asyncio.ensure_future(reply())
    await asyncio.sleep(0)
    await deliver(s, [Outgoing(i, "x") for i in range(1, 4)])
    await waiting
    assert replied == [pytest.approx(1.0)]
    assert min(t for t, _, _ in send.sent) >= 1.0 - 1e-9
