"""aifootprint.labels(): nesting, decorators, asyncio tasks, threads, validation."""

from __future__ import annotations

import asyncio
import contextvars
import threading

import pytest

import aifootprint as af
from aifootprint._labels import current_labels


def test_nesting_overrides_and_removal() -> None:
    assert dict(current_labels()) == {}
    with af.labels(project="bot", feature="triage") as outer:
        assert dict(outer) == {"project": "bot", "feature": "triage"}
        with af.labels(feature="summary", run=3, beta=True):
            assert dict(current_labels()) == {
                "project": "bot",
                "feature": "summary",
                "run": "3",
                "beta": "true",
            }
            with af.labels(project=None):
                assert dict(current_labels()) == {"feature": "summary", "run": "3", "beta": "true"}
        assert dict(current_labels()) == {"project": "bot", "feature": "triage"}
    assert dict(current_labels()) == {}


def test_labels_survive_an_exception_inside() -> None:
    with pytest.raises(KeyError), af.labels(project="x"):
        raise KeyError("boom")
    assert dict(current_labels()) == {}


def test_decorator_on_sync_and_async_functions() -> None:
    @af.labels(feature="sync")
    def f(x: int) -> dict[str, str]:
        return {**current_labels(), "x": str(x)}

    @af.labels(feature="async")
    async def g() -> dict[str, str]:
        await asyncio.sleep(0)
        return dict(current_labels())

    with af.labels(project="p"):
        assert f(1) == {"project": "p", "feature": "sync", "x": "1"}
        assert asyncio.run(g()) == {"project": "p", "feature": "async"}
    assert f.__name__ == "f" and dict(current_labels()) == {}


def test_concurrent_tasks_keep_their_own_labels() -> None:
    async def task(name: str) -> list[str]:
        seen = []
        async with af.labels(task=name):
            for _ in range(5):
                await asyncio.sleep(0)
                seen.append(current_labels()["task"])
        return seen

    async def main() -> list[list[str]]:
        return list(await asyncio.gather(*(task(str(i)) for i in range(20))))

    for i, seen in enumerate(asyncio.run(main())):
        assert seen == [str(i)] * 5


def test_threads_start_without_labels_unless_given_the_context() -> None:
    seen: dict[str, dict[str, str]] = {}
    with af.labels(project="p"):
        t = threading.Thread(target=lambda: seen.__setitem__("plain", dict(current_labels())))
        ctx = contextvars.copy_context()
        u = threading.Thread(target=lambda: ctx.run(lambda: seen.__setitem__("ctx", dict(current_labels()))))
        t.start()
        u.start()
        t.join()
        u.join()
    assert seen == {"plain": {}, "ctx": {"project": "p"}}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"9lives": "x"}, "labels.9lives: a label name starts with a letter"),
        ({"ok": ["list"]}, "labels.ok: must be a str, int, float or bool"),
        ({"ok": "x" * 300}, "labels.ok: a label value is at most 256 characters"),
    ],
)
def test_bad_labels_name_the_field(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(af.InputError, match=message):
        af.labels(**kwargs)


def test_generators_cannot_be_decorated() -> None:
    def gen() -> object:
        yield 1

    with pytest.raises(af.InputError, match="cannot decorate the generator"):
        af.labels(x="1")(gen)


def test_one_labels_object_entered_by_many_tasks_and_threads() -> None:
    shared = af.labels(job="batch")

    async def task(i: int) -> list[str]:
        out = []
        async with shared:
            for _ in range(3):
                await asyncio.sleep(0)
                out.append(current_labels().get("job", ""))
        out.append(current_labels().get("job", "none"))
        return out

    async def main() -> list[list[str]]:
        return list(await asyncio.gather(*(task(i) for i in range(10))))

    assert asyncio.run(main()) == [["batch", "batch", "batch", "none"]] * 10
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(200):
                with shared, shared:
                    assert current_labels()["job"] == "batch"
                assert "job" not in current_labels()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
