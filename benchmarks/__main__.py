"""Run the benchmarks and print their table: `python -m benchmarks [--runs N] [--only NAME ...]`."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import platform
import sys
import time

from homeassistant.const import __version__ as HA_VERSION

from .harness import Figure, table

BENCHMARKS = {
    "vendor_calls": "Vendor calls",
    "feed_parsing": "Feed parsing",
    "calendar": "Calendar queries",
    "setup": "Setup and refresh",
    "memory": "Memory",
    "hostile": "Hostile feeds",
    "activation": "Scheduled activation",
}


async def _async_main(names: list[str], runs: int) -> list[Figure]:
    figures: list[Figure] = []
    for name in names:
        module = importlib.import_module(f".bench_{name}", __package__)
        started = time.perf_counter()
        print(f"… {BENCHMARKS[name]}", file=sys.stderr, flush=True)
        figures += await module.async_run(runs)
        print(
            f"  done in {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
            flush=True,
        )
    return figures


def main() -> int:
    """Run, print, and exit 1 if a goal was missed (0 otherwise)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--runs", type=int, default=7, help="timed runs per figure (median)"
    )
    parser.add_argument(
        "--only", nargs="*", choices=sorted(BENCHMARKS), default=list(BENCHMARKS)
    )
    args = parser.parse_args()
    # Start-up notices that say nothing about lockbooking (a custom integration is loaded,
    # no fast zlib): the table is what matters here.
    logging.getLogger("homeassistant.loader").setLevel(logging.ERROR)
    logging.getLogger("aiohttp_fast_zlib").setLevel(logging.ERROR)
    print(
        f"Home Assistant {HA_VERSION}, Python {platform.python_version()}, {platform.machine()}; median of {args.runs} runs"
    )
    figures = asyncio.run(_async_main(args.only, args.runs))
    print(table(figures))
    missed = [f for f in figures if f.met is False]
    if missed:
        print(
            f"{len(missed)} goal(s) missed: "
            + "; ".join(f"{f.benchmark}: {f.measure}" for f in missed)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
