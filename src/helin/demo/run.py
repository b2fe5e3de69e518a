"""``helin demo``: a whole helin on loopback with a demo company, its agents' softphones and a
carrier placing calls, all in one process, printing what moves until stopped.

Order of things: pick a free RTP range, bind the trunk on 127.0.0.2 (its port goes into the
trunk's outbound URI), provision the company, start helin (SIP on a free port of 127.0.0.1),
start the phones (REGISTER, ``*40``), then place calls until Ctrl-C, SIGTERM or
``--duration``. Stopping hangs up the callers, lets helin end its calls, unregisters the
phones, stops helin and disables the demo trunk again.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import random
import signal
import socket
import sys
from dataclasses import dataclass

from helin.acd.model import Outcome
from helin.app import Helin
from helin.config import Settings
from helin.demo import company as demo_company
from helin.demo.audio import Counters, Ticker
from helin.demo.monitor import Monitor
from helin.demo.phone import Habits, Phone
from helin.demo.trunk import Answers, Traffic, Trunk
from helin.sip.wire import Address

HOST = "127.0.0.1"
RTP_SPAN = 1000
"""Ports in the RTP range helin is given."""
STATUS_EVERY = 2.0
POLL_EVERY = 0.5
SETTLE = 5.0
"""Seconds to let helin end its calls after the callers hung up."""


@dataclass(frozen=True, slots=True)
class Options:
    agents: int = 5
    rate: float = 15.0
    """Calls per minute."""
    duration: float | None = None
    """Seconds to run (None: until Ctrl-C or SIGTERM)."""
    seed: int | None = None


class DemoError(RuntimeError):
    """The demo cannot start (the message says why)."""


def run(settings: Settings, options: Options) -> int:
    """Run the demo; the process's exit status."""
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    try:
        return asyncio.run(_main(settings, options))
    except DemoError as exc:
        print(f"helin demo: {exc}", file=sys.stderr)
        return 1


def free_rtp_range(rng: random.Random, span: int = RTP_SPAN, attempts: int = 30) -> tuple[int, int]:
    """A range of ``span`` UDP ports on 127.0.0.1 that are all free right now."""
    for _ in range(attempts):
        low = rng.randrange(20000, 60000 - span, 2)
        if all(_udp_free(port) for port in range(low, low + span)):
            return low, low + span - 1
    raise DemoError(f"found no {span} free UDP ports in a row for RTP")


def _udp_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


async def _main(settings: Settings, options: Options) -> int:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    if options.duration is not None:
        loop.call_later(options.duration, stop.set)
    rng = random.Random(options.seed)
    settings = settings.model_copy(
        update={
            "sip_host": HOST,
            "sip_port": 0,
            "http_port": 0,  # beside a helin serve on the usual port
            "rtp_ports": free_rtp_range(rng),
        }
    )
    url = settings.effective_database_url
    ticker = Ticker()
    callers = Counters()
    trunk = Trunk(
        host=demo_company.TRUNK_HOST,
        server=Address(HOST, 0),
        traffic=Traffic(
            rate=options.rate,
            share=tuple(
                (name, number, demo_company.SHARE[name])
                for name, number in demo_company.GROUPS.items()
            ),
        ),
        ticker=ticker,
        counters=callers,
        answers=Answers(),
        rng=rng,
    )
    try:
        await trunk.start()
    except OSError as exc:
        if exc.errno == errno.EADDRNOTAVAIL:
            raise DemoError(
                f"cannot bind {demo_company.TRUNK_HOST} (Linux has all of "
                "127.0.0.0/8 on loopback; elsewhere add it as an alias)"
            ) from None
        raise
    outbound = f"sip:{demo_company.TRUNK_HOST}:{trunk.port}"
    try:
        company = demo_company.provision(url, settings.data_dir, options.agents, outbound)
        helin = Helin(settings)
        await helin.start()
    except BaseException:
        await trunk.stop()
        raise
    try:
        return await _traffic(helin, company, trunk, ticker, stop, options, rng, callers)
    finally:
        await helin.stop()
        await ticker.stop()
        await trunk.stop()
        demo_company.retire_trunk(url, settings.data_dir, outbound)


async def _traffic(
    helin: Helin,
    company: demo_company.Company,
    trunk: Trunk,
    ticker: Ticker,
    stop: asyncio.Event,
    options: Options,
    rng: random.Random,
    callers: Counters,
) -> int:
    """Phones up, calls placed and watched until ``stop``; then everything hung up."""
    server = Address(HOST, helin.sip_port)
    trunk.server = server
    phone_counters = Counters()
    answers = trunk.answers
    phones = [
        Phone(
            agent,
            server=server,
            realm=demo_company.SIP_DOMAIN,
            ticker=ticker,
            counters=phone_counters,
            habits=Habits(),
            rng=random.Random(rng.random()),
            on_answer=lambda caller, agent: answers.answered(caller),
        )
        for agent in company.agents
    ]
    monitor = Monitor(company, helin.runtime.engine, helin.sessions)
    low, high = helin.settings.rtp_ports
    monitor.say(
        f"helin demo: {demo_company.TENANT} on SIP {HOST}:{helin.sip_port}, RTP {low}-{high}, "
        f"trunk {demo_company.TRUNK_HOST}:{trunk.port}, {len(phones)} agents, "
        f"{options.rate:g} calls/min; Ctrl-C stops"
    )
    ticker.start()
    try:
        if not await _start_phones(phones, monitor):
            raise DemoError("no phone could register and log in")
        placing = asyncio.get_running_loop().create_task(trunk.run(stop))
        await _watch(monitor, stop)
        await placing
    finally:
        stop.set()
        hung_up = await trunk.hang_up_all()
        await _settle(helin)
        monitor.finished_calls()
        await asyncio.gather(*(phone.stop() for phone in phones), return_exceptions=True)
    total = monitor.totals()
    monitor.say(
        f"stopped: {trunk.placed} calls placed, {total[Outcome.ANSWERED]} answered, "
        f"{total[Outcome.ABANDONED]} abandoned, {hung_up} hung up at the end; RTP packets: "
        f"callers {callers.sent} sent/{callers.received} received, "
        f"phones {phone_counters.sent} sent/{phone_counters.received} received"
    )
    return 0


async def _start_phones(phones: list[Phone], monitor: Monitor) -> int:
    """Start, register and log in every phone; how many made it."""

    async def one(phone: Phone) -> bool:
        await phone.start()
        if not await phone.register():
            monitor.say(f"phone {phone.agent.sip_username} could not register")
            return False
        phone.keep_registered()
        if not await phone.dial_feature("*40"):
            monitor.say(f"phone {phone.agent.sip_username} could not log in with *40")
            return False
        return True

    results = await asyncio.gather(*(one(phone) for phone in phones))
    ready = sum(results)
    monitor.say(f"{ready} of {len(phones)} softphones registered and logged in with *40")
    return ready


async def _watch(monitor: Monitor, stop: asyncio.Event) -> None:
    """Print finished calls every ``POLL_EVERY`` s and the groups every ``STATUS_EVERY`` s."""
    loop = asyncio.get_running_loop()
    next_status = loop.time() + STATUS_EVERY
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), POLL_EVERY)
        monitor.finished_calls()
        if loop.time() >= next_status:
            next_status += STATUS_EVERY
            monitor.groups()


async def _settle(helin: Helin) -> None:
    """Give helin up to ``SETTLE`` s to end the calls the callers hung up."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SETTLE
    while helin.calls is not None and helin.calls.calls and loop.time() < deadline:
        await asyncio.sleep(0.1)
