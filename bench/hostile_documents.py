"""``python -m bench.hostile_documents``: the CPU each hostile document costs before anything executes.

The contract (issue #10): no document the limits admit costs more than 50 ms of CPU to parse and
validate, and none they refuse costs more than 5 ms to refuse. Each shape is sent just under and just
over the limit it meets, in random variants with random comments so that no cache hits, through the
schema's real pipeline in-process (the parse cache, the limits, the validation cache and validation);
execution is stopped before it starts. CPU is this thread's time (``time.thread_time``).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from graphql import ExecutionResult, GraphQLError, get_introspection_query
from strawberry.extensions import SchemaExtension

from videoengage.errors import Unauthenticated
from videoengage.schema.schema import VideoengageSchema, build_schema
from videoengage.settings import Settings

ADMITTED_MS = 50.0
REFUSED_MS = 5.0
PAGE = "messages(conversationId: 1, first: 1)"
MESSAGE_LEAVES = ["id", "conversationId", "type", "body", "mediaUrl", "clientMessageId", "createdAt"]
Shape = Callable[[random.Random, bool], str]


def _repeat(text: str, times: int) -> str:
    return " ".join([text] * times)


def _fragment_bomb(_rng: random.Random, over: bool) -> str:
    levels = 40 if over else 7  # 2**7 + 1 fields admitted; 2**40 refused without expanding
    chain = " ".join(f"fragment F{n} on User {{ ...F{n + 1} ...F{n + 1} }}" for n in range(levels))
    return f"{{ viewer {{ ...F0 }} }} {chain} fragment F{levels} on User {{ id }}"


def _padded_bomb(rng: random.Random, over: bool) -> str:
    """A fragment bomb after 1,200 tokens of variables: refused before the parser reads them."""
    variables = " ".join(f"$v{n}: Int" for n in range(300))
    return _fragment_bomb(rng, over).replace("{ viewer", f"query Padded({variables}) {{ viewer", 1)


def _siblings(rng: random.Random, over: bool) -> str:
    leaves = " ".join(rng.choice(MESSAGE_LEAVES) for _ in range(197 if over else 196))
    return f"{{ {PAGE} {{ edges {{ node {{ {leaves} }} }} }} }}"


def _aliases(rng: random.Random, over: bool) -> str:
    count = 21 if over else 20
    wide = [
        f"a{n}: pageInfo {{ {_repeat(rng.choice(['hasNextPage', 'endCursor']), 8)} }}" for n in range(count)
    ]
    return f"{{ {PAGE} {{ {' '.join(wide)} }} }}"


def _introspection(rng: random.Random, over: bool) -> str:
    if over:
        return (
            '{ __type(name: "Video") { fields { type { ' + "ofType { " * 30 + "name" + " }" * 30 + " } } } }"
        )
    options = ["descriptions", "specified_by_url", "directive_is_repeatable", "schema_description"]
    options += ["input_value_deprecation", "one_of"]
    return get_introspection_query(**{option: rng.random() < 0.5 for option in options})


def _operations(_rng: random.Random, over: bool) -> str:
    operations = [f"query Q{n} {{ viewer {{ {_repeat('id', 19)} }} }}" for n in range(10)]
    extra = " query Extra { viewer { id } }" if over else ""
    return " ".join(operations) + extra


SHAPES: dict[str, Shape] = {
    "duplicated leaves": lambda _r, over: f"{{ viewer {{ {_repeat('id', 200 if over else 199)} }} }}",
    "duplicated objects": lambda _r, over: (
        f"{{ {PAGE} {{ {_repeat('pageInfo { hasNextPage }', 100 if over else 99)} }} }}"
    ),
    "duplicated root fields": lambda _r, over: f"{{ {_repeat('viewer { id }', 11 if over else 10)} }}",
    "400 duplicated root fields": lambda _r, _over: f"{{ {_repeat('viewer { id }', 400)} }}",
    "sibling fields": _siblings,
    "fragment spreads": lambda _r, over: (
        f"{{ viewer {{ {_repeat('...F', 200 if over else 199)} }} }} fragment F on User {{ id }}"
    ),
    "fragment bomb": _fragment_bomb,
    "padded fragment bomb": _padded_bomb,
    "aliases": _aliases,
    "nested depth": lambda _r, over: (
        "{ viewer { " + "x { " * (10 if over else 9) + "id" + " }" * (12 if over else 11)
    ),
    "directive flood": lambda _r, over: (
        f"{{ viewer {_repeat('@skip(if: false)', 286 if over else 283)} {{ id }} }}"
    ),
    "variable flood": lambda _r, over: (
        f"query Q({' '.join(f'$v{n}: Int' for n in range(498 if over else 496))}) {{ viewer {{ id }} }}"
    ),
    "introspection": _introspection,
    "introspection fields": lambda _r, over: (
        f"{{ __schema {{ types {{ {_repeat('name', 399 if over else 398)} }} }} }}"
    ),
    "several operations": _operations,
}


def with_noise(rng: random.Random, document: str) -> str:
    """The same document after a random comment, with random white space: new to every cache.

    One comment only: graphql-core counts comments as tokens, and the edges are counted in tokens.
    """
    noisy = [f"# {rng.getrandbits(64):016x}\n"]
    for word in document.split(" "):
        noisy.append(word)
        noisy.append(rng.choice([" ", "  ", "\n", " , "]))
    return "".join(noisy)


@dataclass
class Outcome:
    shape: str
    over: bool
    cpu_ms: float
    validated: bool
    message: str


@dataclass
class _Observed:
    validated: bool = False


class _StopBeforeExecution(SchemaExtension):
    """Notes whether validation ran and stops the operation before any resolver."""

    observed = _Observed()

    def on_validate(self) -> Iterator[None]:
        type(self).observed.validated = True
        yield

    def on_execute(self) -> Iterator[None]:
        self.execution_context.result = ExecutionResult(data=None, errors=[GraphQLError("not executed")])
        yield


@dataclass
class _RefusingContext:
    """What ``RequireViewer`` asks for: authentication, which the benchmark always refuses."""

    viewer_id: int = field(default=0)

    async def authenticate(self) -> int:
        raise Unauthenticated("the benchmark executes nothing")


def benchmark_schema(production: bool) -> VideoengageSchema:
    schema = build_schema(Settings.model_construct(production=production))
    schema.extensions = (*schema.extensions, _StopBeforeExecution)
    return schema


async def _measure(schema: VideoengageSchema, document: str) -> tuple[float, bool, str]:
    _StopBeforeExecution.observed = _Observed()
    gc.collect()
    started = time.thread_time()
    result = await schema.execute(document, context_value=_RefusingContext())
    cpu_ms = (time.thread_time() - started) * 1000
    message = result.errors[0].message if result.errors else ""
    return cpu_ms, _StopBeforeExecution.observed.validated, message


async def _run(schema: VideoengageSchema, shapes: list[str], variants: int, seed: int) -> list[Outcome]:
    rng = random.Random(seed)
    outcomes = []
    for shape in shapes:
        for over in (False, True):
            for _ in range(variants):
                document = with_noise(rng, SHAPES[shape](rng, over))
                cpu_ms, validated, message = await _measure(schema, document)
                outcomes.append(Outcome(shape, over, cpu_ms, validated, message))
    return outcomes


def run(*, production: bool, variants: int, shapes: list[str] | None = None, seed: int = 10) -> list[Outcome]:
    """Every outcome, one per document: ``variants`` random documents per shape and side."""
    schema = benchmark_schema(production)
    return asyncio.run(_run(schema, shapes or list(SHAPES), variants, seed))


def report(outcomes: list[Outcome]) -> tuple[list[str], bool]:
    """Lines of a Markdown table, the worst case per shape and side, and whether the contract held."""
    lines = [
        "| shape | side | worst CPU ms | validated | answer |",
        "|---|---|--:|---|---|",
    ]
    held = True
    groups: dict[tuple[str, bool], list[Outcome]] = {}
    for outcome in outcomes:
        groups.setdefault((outcome.shape, outcome.over), []).append(outcome)
    for (shape, over), group in groups.items():
        worst = max(group, key=lambda outcome: outcome.cpu_ms)
        refused_before_validation = not worst.validated
        bound = REFUSED_MS if refused_before_validation else ADMITTED_MS
        held = held and all(o.cpu_ms <= (ADMITTED_MS if o.validated else REFUSED_MS) for o in group)
        answer = (worst.message or "(valid; stopped before execution)").replace("|", "/")[:70]
        mark = "" if worst.cpu_ms <= bound else " **over**"
        lines.append(
            f"| {shape} | {'over' if over else 'under'} | {worst.cpu_ms:.2f}{mark} "
            f"| {'yes' if worst.validated else 'no, refused'} | {answer} |"
        )
    return lines, held


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hostile_documents", description=__doc__)
    parser.add_argument("--variants", type=int, default=20, help="random documents per shape and side")
    parser.add_argument("--seed", type=int, default=10)
    arguments = parser.parse_args()
    held_everywhere = True
    for production in (False, True):
        seed = arguments.seed + production  # other documents than the first run: no cache hits
        outcomes = run(production=production, variants=arguments.variants, seed=seed)
        lines, held = report(outcomes)
        admitted = max((o.cpu_ms for o in outcomes if o.validated), default=0.0)
        refused = max((o.cpu_ms for o in outcomes if not o.validated), default=0.0)
        print(f"\n{'production' if production else 'development'}: {len(outcomes)} documents")
        print("\n".join(lines))
        print(
            f"worst admitted {admitted:.2f} ms (contract {ADMITTED_MS:.0f}), "
            f"worst refused {refused:.2f} ms (contract {REFUSED_MS:.0f}): {'held' if held else 'BROKEN'}"
        )
        held_everywhere = held_everywhere and held
    return 0 if held_everywhere else 1


if __name__ == "__main__":
    sys.exit(main())
