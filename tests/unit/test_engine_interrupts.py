"""Ctrl-C while sending is counted, never raised mid-way: the engine acts on it between steps."""

from __future__ import annotations

import os
import signal
import threading

import pytest

from attentive_nb.send.engine import interrupts_call


def test_inside_ctrl_c_calls_back_instead_of_raising():
    calls = []
    with interrupts_call(lambda: calls.append("stop")):
        os.kill(os.getpid(), signal.SIGINT)
        os.kill(os.getpid(), signal.SIGINT)
    assert calls == ["stop", "stop"]


def test_outside_ctrl_c_is_a_keyboard_interrupt_again():
    with interrupts_call(lambda: None):
        pass
    with pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGINT)


def test_off_the_main_thread_nothing_changes():
    seen = []

    def work() -> None:
        with interrupts_call(lambda: None):
            seen.append(signal.getsignal(signal.SIGINT))

    before = signal.getsignal(signal.SIGINT)
    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert seen == [before]
