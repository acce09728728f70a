"""Our loaders against aiodataloader's own, on drawn sequences of calls.

``_KeyedLoader`` skips ``DataLoader.__init__``'s checks and keeps a primed value without its future
until the key is loaded (``loaders.py``). Whatever a request does with a loader (prime, clear, clear
all, load, load many, in any order, values and exceptions alike), it must get the answers and make
the batch calls that aiodataloader's ``DataLoader`` gives for the same calls.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from aiodataloader import DataLoader
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from videoengage.loaders import Read, _KeyedLoader

KEYS = [1, 2, 3, (1, 2)]
MISSING = 3  # the batch function finds no row for this key


class PlainLoader(DataLoader[Any, Any]):
    """aiodataloader as its documentation shows it, with the same batch function as ours."""

    def __init__(self, read: Read[Any]) -> None:
        super().__init__()
        self._read = read

    async def batch_load_fn(self, keys: list[Any]) -> list[Any]:
        found = await self._read(keys)
        return [found.get(key) for key in keys]


values = st.one_of(st.integers(0, 3), st.none(), st.builds(ValueError, st.sampled_from(["a", "b"])))
keys = st.sampled_from(KEYS)
calls = st.lists(
    st.one_of(
        st.tuples(st.just("prime"), keys, values),
        st.tuples(st.just("clear"), keys),
        st.tuples(st.just("clear_all")),
        st.tuples(st.just("load"), keys),
        st.tuples(st.just("load_many"), st.lists(keys, max_size=3)),
        st.tuples(st.just("settle")),
    ),
    max_size=14,
)


def _answer(value: Any) -> Any:
    return ("raised", type(value).__name__, value.args) if isinstance(value, BaseException) else value


async def _run(
    make: Callable[[Read[Any]], DataLoader[Any, Any]], script: Sequence[tuple[Any, ...]]
) -> tuple[Any, Any]:
    batches: list[list[Any]] = []

    async def read(batch: Sequence[Any]) -> dict[Any, Any]:
        batches.append(list(batch))
        return {key: f"row {key}" for key in batch if key != MISSING}

    loader = make(read)
    answers: list[Any] = []
    pending: list[asyncio.Future[Any]] = []
    for call in [*script, ("settle",)]:
        if call[0] == "prime":
            loader.prime(call[1], call[2])
        elif call[0] == "clear":
            loader.clear(call[1])
        elif call[0] == "clear_all":
            loader.clear_all()
        elif call[0] == "load":
            pending.append(loader.load(call[1]))
        elif call[0] == "load_many":
            pending.append(loader.load_many(call[1]))
        else:
            settled = await asyncio.gather(*pending, return_exceptions=True)
            answers.append([[_answer(v) for v in x] if isinstance(x, list) else _answer(x) for x in settled])
            pending = []
    return answers, batches


def test_loaders_answer_as_aiodataloader_does() -> None:
    compared = 0

    @settings(max_examples=400, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
    @given(script=calls)
    def compare(script: list[tuple[Any, ...]]) -> None:
        nonlocal compared
        ours = asyncio.run(_run(_KeyedLoader, script))
        theirs = asyncio.run(_run(PlainLoader, script))
        assert ours == theirs, script
        compared += 1

    compare()
    assert compared > 200, compared  # Hypothesis does not run a draw it has run before


def test_a_primed_loader_that_is_never_loaded_makes_no_future() -> None:
    async def run() -> None:
        loader: _KeyedLoader[int, str] = _KeyedLoader(lambda keys: asyncio.sleep(0, {}))
        loader.prime(1, "row").clear(2).prime(2, "other")
        assert loader._cache == {}
        assert await loader.load(1) == "row"
        assert list(loader._cache) == [1]

    asyncio.run(run())
