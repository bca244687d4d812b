"""Frame pacing: the newest Snapshot is drawn, every one is acknowledged once, only after the frame's
paint and a rest in proportion to its cost; a deferred panel part gets an event-loop turn of its own."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ganstudio.gui.frame_pacing import FramePacer, FramePacing, Idle


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_frames_arriving_together_are_drawn_once_as_the_newer_and_both_acknowledged():
    pacing = FramePacing(clock=Clock())
    assert pacing.arrived("a") is True  # schedule a draw
    assert pacing.arrived("b") is False  # the scheduled draw will take it
    assert pacing.take() == "b"
    assert pacing.take() is None  # nothing new: a second timer has nothing to draw
    assert pacing.idle() is Idle.FRAME_OVER
    assert pacing.release() == 2
    assert pacing.release() == 0


def test_the_frame_is_over_at_the_first_idle_after_the_draw_and_rests_in_proportion():
    clock = Clock()
    pacing = FramePacing(budget=0.5, clock=clock)
    assert pacing.idle() is Idle.NO_FRAME and not pacing.in_frame
    pacing.arrived("a")
    clock.t += 1.0  # waiting in the timer queue is not the frame's cost
    pacing.take()
    assert pacing.in_frame
    clock.t += 0.040
    assert pacing.idle() is Idle.FRAME_OVER and not pacing.in_frame
    assert pacing.cost_s == pytest.approx(0.040)
    assert pacing.rest_ms() == 40  # drawing 40 ms of every 80: half the thread, the budget
    pacing.budget = 0.8
    assert pacing.rest_ms() == 10  # 40 ms of every 50


def test_a_deferred_panel_part_gets_its_own_turn_and_counts_in_the_frame():
    clock = Clock()
    pacing = FramePacing(budget=1.0, clock=clock)
    pacing.arrived("a")
    pacing.take()
    pacing.part_due = True  # the draw left a metric plot for after the samples' paint
    clock.t += 0.010
    assert pacing.idle() is Idle.DRAW_PART
    assert pacing.in_frame and not pacing.part_due
    clock.t += 0.015
    assert pacing.idle() is Idle.FRAME_OVER
    assert pacing.cost_s == pytest.approx(0.025)
    assert pacing.rest_ms() == 0


def test_a_frame_drawn_before_the_last_is_over_extends_it():
    clock = Clock()
    pacing = FramePacing(clock=clock)
    pacing.arrived("a")
    pacing.take()
    clock.t += 0.010
    assert pacing.arrived("b") is True
    assert pacing.take() == "b"
    clock.t += 0.010
    assert pacing.idle() is Idle.FRAME_OVER
    assert pacing.cost_s == pytest.approx(0.020)
    assert pacing.release() == 2


def test_a_budget_outside_zero_to_one_is_refused():
    for budget in (0.0, -0.5, 1.5):
        with pytest.raises(ValueError, match="budget"):
            FramePacing(budget=budget)


@given(st.lists(st.sampled_from(["arrive", "draw", "idle", "release"]), max_size=60))
def test_every_frame_is_acknowledged_exactly_once_and_each_draw_shows_the_newest(ops):
    pacing = FramePacing(clock=Clock())
    arrived = acknowledged = scheduled = 0
    newest = None
    for op in ops:
        if op == "arrive":
            arrived += 1
            newest = arrived
            scheduled += pacing.arrived(arrived)
        elif op == "draw" and scheduled:  # a draw runs only from a timer that arrived() asked for
            scheduled -= 1
            frame = pacing.take()
            assert frame is None or frame == newest
        elif op == "idle":
            pacing.idle()
        elif op == "release":
            acknowledged += pacing.release()
        assert scheduled <= 1
    while scheduled:
        scheduled -= 1
        pacing.take()
    while pacing.idle() is not Idle.NO_FRAME:
        pass
    acknowledged += pacing.release()
    assert acknowledged == arrived


class Recorder:
    def __init__(self, defer_part: bool = False, draw_s: float = 0.0) -> None:
        self.log: list[tuple[str, object, float]] = []
        self.defer_part = defer_part
        self.draw_s = draw_s
        self.pacer: FramePacer | None = None

    def note(self, what: str, value: object = None) -> None:
        self.log.append((what, value, time.perf_counter()))

    def draw(self, frame) -> None:
        self.note("draw", frame)
        time.sleep(self.draw_s)
        if self.defer_part:
            self.pacer.part_due = True

    def kinds(self) -> list[str]:
        return [k for k, _, _ in self.log]


def _pacer(rec: Recorder, budget: float) -> FramePacer:
    rec.pacer = FramePacer(draw=rec.draw, draw_part=lambda: rec.note("part"), frame_over=lambda: rec.note("over"),
                           frame_done=lambda: rec.note("done"), budget=budget)
    return rec.pacer


def test_the_pacer_draws_the_newest_frame_then_acknowledges_each_after_the_paint(qtbot):
    rec = Recorder()
    pacer = _pacer(rec, budget=1.0)
    pacer.on_frame("a")
    pacer.on_frame("b")
    assert rec.log == []  # drawn from a timer, not inside the signal that brought the frame
    qtbot.waitUntil(lambda: rec.kinds().count("done") == 2, timeout=3000)
    assert rec.kinds() == ["draw", "over", "done", "done"]
    assert rec.log[0][1] == "b"
    assert not pacer.in_frame


def test_the_pacer_draws_a_deferred_part_in_a_later_turn_before_the_frame_is_over(qtbot):
    rec = Recorder(defer_part=True)
    pacer = _pacer(rec, budget=1.0)
    pacer.on_frame("a")
    qtbot.waitUntil(lambda: "done" in rec.kinds(), timeout=3000)
    assert rec.kinds() == ["draw", "part", "over", "done"]


def test_the_pacer_rests_before_acknowledging_so_drawing_keeps_to_its_budget(qtbot):
    rec = Recorder(draw_s=0.060)
    pacer = _pacer(rec, budget=0.5)
    pacer.on_frame("a")
    qtbot.waitUntil(lambda: "done" in rec.kinds(), timeout=3000)
    times = {k: t for k, _, t in rec.log}
    assert pacer.pacing.cost_s >= 0.060
    assert times["done"] - times["over"] >= 0.9 * pacer.pacing.cost_s  # rest = cost at a budget of one half
