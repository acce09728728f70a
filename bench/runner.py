"""One benchmark run: data, tokens, statement counts, the SQL floor, then the served API under wrk,
each measurement followed right away by the same one against the plain Strawberry reference."""

from __future__ import annotations

import contextlib
import secrets
import sys
import tempfile
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from pydantic import SecretStr

from bench.dataset import HOT_VIDEO_ID, DataSet, build, existing_data_set, forget_sent_messages
from bench.load import FloorResult, run_pgbench, run_wrk
from bench.lua_data import write_lua_data
from bench.peer import postgraphile
from bench.postgres_cpu import backend_cpu
from bench.preflight import check_served, check_workloads
from bench.report import Measurement, Report, describe_machine, now
from bench.server import Server, cpu_seconds, rss_mb, serve
from bench.workloads import Workload, missing_fields
from videoengage.auth import issue_token
from videoengage.db.migrate import upgrade
from videoengage.settings import Settings

TOKEN_TTL_SECONDS = 24 * 3600


@dataclass(frozen=True)
class RunOptions:
    database_url: str
    data_set: DataSet
    data_set_name: str
    workloads: tuple[Workload, ...]
    workers: int
    concurrencies: tuple[int, ...]
    duration_seconds: float
    warmup_seconds: float
    floor_seconds: float
    keep_data: bool
    output: Path
    reference: bool = True  # also measure the plain Strawberry reference (bench/plain), side by side
    peer: bool = False  # also measure PostGraphile (bench/peer), side by side


def say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def served_settings(url: str, data: DataSet) -> tuple[Settings, list[str]]:
    """Production settings with a signing secret of this run's own, and a token per driven user
    (``tokens[i]`` is user ``i + 1``'s)."""
    settings = Settings(database_url=url, jwt_secret=SecretStr(secrets.token_urlsafe(48)), production=True)
    return settings, [issue_token(settings, user, TOKEN_TTL_SECONDS) for user in range(1, data.users + 1)]


def run(options: RunOptions) -> Report:
    data = options.data_set
    if options.keep_data and existing_data_set(options.database_url) == data:
        say("reusing the data set already in the database, migrated to this checkout's head")
        upgrade(Settings(database_url=options.database_url).database_url)
        build_seconds = None
    else:
        say(f"building the {options.data_set_name} data set")
        build_seconds = round(build(options.database_url, data), 1)
        say(f"built in {build_seconds} s")

    settings, tokens = served_settings(options.database_url, data)
    missing = missing_fields(options.workloads)
    workloads = tuple(w for w in options.workloads if w.name not in missing)
    report = Report(
        machine=describe_machine(options.database_url),
        run={
            "workers": options.workers,
            "concurrencies": list(options.concurrencies),
            "duration_seconds": options.duration_seconds,
            "warmup_seconds": options.warmup_seconds,
            "floor_seconds": options.floor_seconds,
            "data_set_name": options.data_set_name,
            "data_set": asdict(data),
            "build_seconds": build_seconds,
            "server_settings": "PRODUCTION=true, JWT_SECRET set, default limits, LOG_LEVEL=WARNING",
            "reference": (
                "plain Strawberry + SQLAlchemy ORM + aiodataloader (bench/plain), same workers and database"
                if options.reference
                else None
            ),
            "peer": (
                "PostGraphile 5 (bench/peer/postgraphile), one Node process, "
                f"pool of {postgraphile.POOL_SIZE}"
                if options.peer
                else None
            ),
        },
        skipped={name: f"this server has no {', '.join(fields)}" for name, fields in missing.items()},
    )
    say("checking each workload in-process (and counting its statements there)")
    statements = check_workloads(settings, data, tokens, workloads)
    if options.peer:
        say("installing the PostGraphile peer and its functions")
        postgraphile.install()
        postgraphile.create_functions(options.database_url)

    # The floor first, while no server runs: pgbench and PostgreSQL get the machine to themselves.
    floors = {}
    for workload in workloads:
        forget_sent_messages(options.database_url, data)
        for concurrency in options.concurrencies:
            floors[(workload.name, concurrency)] = _floor(options, workload, concurrency)
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch, contextlib.ExitStack() as servers:
        data_file = Path(scratch) / "data.lua"
        write_lua_data(data_file, data, tokens, workloads)
        peer_data_file = Path(scratch) / "peer-data.lua"
        write_lua_data(peer_data_file, data, tokens, workloads, postgraphile.DOCUMENTS)
        options.output.mkdir(parents=True, exist_ok=True)
        ours = servers.enter_context(
            serve(settings, options.workers, options.output / "server.log", Path(scratch) / "statements")
        )
        plain: Server | None = None
        if options.reference:
            plain = servers.enter_context(
                serve(
                    settings,
                    options.workers,
                    options.output / "plain-server.log",
                    Path(scratch) / "statements-plain",
                    reference=True,
                )
            )
            say("checking each workload against the plain Strawberry reference")
            check_served(plain.url, data, tokens, workloads)
        peer: Server | None = None
        if options.peer:
            peer = servers.enter_context(
                postgraphile.serve_peer(
                    settings,
                    options.database_url,
                    options.output / "postgraphile.log",
                    Path(scratch) / "statements-peer",
                )
            )
        for workload in workloads:
            forget_sent_messages(options.database_url, data)
            for index, concurrency in enumerate(options.concurrencies):
                # Ours, then the reference right after it: the ratio compares runs made under the same
                # load on the machine. Each server warms up before its first run of the workload.
                measurement = _measure(ours, workload, concurrency, options, data_file, warm_up=index == 0)
                reference = (
                    None
                    if plain is None
                    else _measure(plain, workload, concurrency, options, data_file, warm_up=index == 0)
                )
                peer_measurement = (
                    None
                    if peer is None
                    else _measure(peer, workload, concurrency, options, peer_data_file, warm_up=index == 0)
                )
                measurement = replace(
                    measurement,
                    statements_in_process=statements[workload.name],
                    floor=floors[(workload.name, concurrency)],
                    reference=reference,
                    peer=peer_measurement,
                )
                if measurement.ours_per_plain is not None:
                    say(f"{workload.name} c{concurrency} ours/plain: {measurement.ours_per_plain:.2f}x")
                report.measurements.append(measurement)
    report.run["finished_at"] = now()
    return report


def _floor(options: RunOptions, workload: Workload, concurrency: int) -> FloorResult:
    data = options.data_set
    variables = {
        "users": data.users,
        "published": data.published,
        "conversations": data.conversations,
        "hot_video": HOT_VIDEO_ID,
    }
    with backend_cpu(options.database_url) as postgres:
        floor = run_pgbench(
            options.database_url, workload.floor_sql, variables, concurrency, options.floor_seconds
        )
    floor = replace(floor, postgres_cpu_seconds=postgres.seconds)
    say(f"{workload.name} floor c{concurrency}: {floor.tps:.0f} tps, p50 {floor.p50_ms:.2f} ms")
    return floor


def _measure(
    server: Server,
    workload: Workload,
    concurrency: int,
    options: RunOptions,
    data_file: Path,
    *,
    warm_up: bool,
) -> Measurement:
    """The server's requests/s, latency, errors, CPU and memory for one workload and concurrency,
    after an unmeasured warm-up run (at the highest concurrency) when ``warm_up``."""
    if warm_up and options.warmup_seconds > 0:
        run_wrk(server.url, workload.name, data_file, max(options.concurrencies), options.warmup_seconds)
    processes = server.processes
    cpu_before, statements_before = cpu_seconds(processes), server.statements_sent()
    with backend_cpu(options.database_url) as postgres:
        load = run_wrk(server.url, workload.name, data_file, concurrency, options.duration_seconds)
    cpu_used = cpu_seconds(processes) - cpu_before
    statements = server.statements_sent() - statements_before
    if server.processes != processes:
        raise RuntimeError(f"the server's ({server.name}) processes changed during the run (a worker died?)")
    measurement = Measurement(
        workload=workload.name,
        title=workload.title,
        concurrency=concurrency,
        load=load,
        server_cpu_seconds=cpu_used,
        rss_mb_per_worker=[rss_mb(pid) for pid in server.worker_pids()],
        statements_per_request=statements / load.requests if load.requests else 0.0,
        statements_in_process=0.0,
        floor=None,
        postgres_cpu_seconds=postgres.seconds,
    )
    say(
        f"{workload.name} c{concurrency} {server.name}: {load.requests_per_second:.0f} req/s, "
        f"{measurement.cpu_ms_per_request:.2f} CPU ms/req, p99 {load.p99_ms:.1f} ms, {load.errors} errors"
    )
    return measurement
