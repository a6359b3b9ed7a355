#!/usr/bin/env python3
"""talosbond's performance benchmark (not part of the test suite).

    python benchmarks/run.py            # figures, one per line, with the scenario and this machine's cores
    python benchmarks/run.py --json     # one JSON object; every figure in seconds

1. Fleet discovery through the Talos API source: 1000 nodes (15 links, 10 addresses, 24 routes each, as a
   Kubernetes worker with a bond and a VLAN has) served by tests/talos_test_server.py in its own process,
   20 ms added to every call; beside it the same work one call at a time over 50 nodes (per node), their
   ratio, and the server's own CPU time (a slow server is not a slow client).
2. Parsing a 1000-node `talosctl get links -o yaml` stream (15,000 documents).
3. Cold start of `talosbond --version` and `talosbond discover --from <fixture> -o json`, each beside
   `python -c pass`.
4. `talosbond discover --from FLEET` on a 1000-node capture (the same synthetic nodes), table output: what a
   person sees, grouped by hardware shape.

Timings are the best of --repeat runs (cold starts: the median of 10), since other work on the machine only
ever adds time.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

import talos_test_server as server_mod  # noqa: E402

from talosbond.discovery import discover  # noqa: E402
from talosbond.parsing.links import parse_links  # noqa: E402
from talosbond.sources import Connection, api  # noqa: E402

TARGETS = {"fleet_discovery": 3.0, "yaml_parse": 2.0, "version": 0.100, "discover_from": 0.250,
           "fleet_table": 3.0}
FLEET_NODES = 1000
SEQUENTIAL_NODES = 50
LATENCY = 0.020
FIXTURE = REPO / "fixtures" / "links" / "fleet-3-identical"


class Server:
    """tests/talos_test_server.py as a separate process, with its CPU time on request."""

    def __init__(self, fleet: Path, pki: Path, latency: float) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(REPO / "tests" / "talos_test_server.py"), "--fleet", str(fleet), "--pki", str(pki),
             "--latency", str(latency), "--lifetime", "900"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            self.proc.kill()
            raise SystemExit(f"test server did not start: {line!r}")
        self.endpoint = f"127.0.0.1:{int(line.split()[1])}"

    def cpu(self) -> tuple[float, int]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("cpu\n")
        self.proc.stdin.flush()
        _, cpu, _, calls = self.proc.stdout.readline().split()
        return float(cpu), int(calls)

    def stop(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def _timed(fn: Any) -> tuple[float, float, Any]:
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def bench_fleet(work: Path, repeat: int, log: Any) -> dict[str, Any]:
    fleet_dir = work / "fleet"
    names = server_mod.make_fleet(fleet_dir, FLEET_NODES)
    pki = server_mod.Pki()
    pki.save(work / "pki")
    config = server_mod.write_talosconfig(work / "talosconfig", ca=pki.ca,
                                          client=pki.issue(server=False, org="os:admin"), endpoints=["x"])
    log(f"starting the test server with {FLEET_NODES} nodes ...")
    srv = Server(fleet_dir, work / "pki", LATENCY)
    try:
        config = server_mod.write_talosconfig(work / "talosconfig", ca=pki.ca,
                                              client=pki.issue(server=False, org="os:admin"),
                                              endpoints=[srv.endpoint])
        # As `talosbond discover` without --save asks for it: decoded records, no re-rendered text.
        conn = Connection(nodes=tuple(names), talosconfig=str(config), source="api")
        runs = []
        for _ in range(repeat):
            cpu0, calls0 = srv.cpu()
            wall, cpu, found = _timed(lambda: discover(conn))
            cpu1, calls1 = srv.cpu()
            if found.errors or len(found.nodes) != FLEET_NODES:
                raise SystemExit(f"fleet discovery failed: {found.errors[:3]}")
            runs.append({"seconds": wall, "client_cpu_seconds": cpu, "server_cpu_seconds": cpu1 - cpu0,
                         "calls": calls1 - calls0})
            log(f"  fleet run: {wall:.2f} s (client CPU {cpu:.2f} s, server CPU {cpu1 - cpu0:.2f} s)")
            del found
        best = min(runs, key=lambda r: r["seconds"])

        sequential_conn = Connection(nodes=tuple(names[:SEQUENTIAL_NODES]), talosconfig=str(config), source="api")
        saved = api.MAX_STREAMS, api.MAX_NODES
        api.MAX_STREAMS, api.MAX_NODES = 1, 1  # one call in flight at any time
        try:
            wall_seq, cpu_seq, found = _timed(lambda: discover(sequential_conn))
        finally:
            api.MAX_STREAMS, api.MAX_NODES = saved
        if found.errors:
            raise SystemExit(f"sequential discovery failed: {found.errors[:3]}")
        log(f"  one call at a time over {SEQUENTIAL_NODES} nodes: {wall_seq:.2f} s")
    finally:
        srv.stop()
    fanout_per_node = best["seconds"] / FLEET_NODES
    sequential_per_node = wall_seq / SEQUENTIAL_NODES
    return {
        "fleet_discovery": {
            "scenario": (f"talosbond.discovery.discover() via the API source: {FLEET_NODES} nodes (15 links, "
                         f"10 addresses, "
                         f"24 routes each; 5 calls per node) through one TLS connection to the loopback test "
                         f"server in its own process, {LATENCY * 1000:.0f} ms added per call"),
            **best,
            "runs_seconds": [r["seconds"] for r in runs],
            "per_node_seconds": fanout_per_node,
            "target_seconds": TARGETS["fleet_discovery"],
            "physical_floor_seconds": LATENCY,
        },
        "sequential_discovery": {
            "scenario": f"the same work one call at a time over {SEQUENTIAL_NODES} nodes",
            "seconds": wall_seq,
            "client_cpu_seconds": cpu_seq,
            "per_node_seconds": sequential_per_node,
        },
        "fanout_speedup_per_node": sequential_per_node / fanout_per_node,
    }


def bench_yaml(repeat: int, log: Any) -> dict[str, Any]:
    text = "---\n".join(server_mod.synthetic_node(i)["links.yaml"] for i in range(FLEET_NODES))
    documents = text.count("\nmetadata:\n")
    runs = []
    for _ in range(repeat):
        wall, _, nodes = _timed(lambda: parse_links(text, "fleet-links.yaml"))
        assert len(nodes) == FLEET_NODES
        runs.append(wall)
        log(f"  yaml parse: {wall:.2f} s")
    return {"yaml_parse": {
        "scenario": f"parse_links() on a {FLEET_NODES}-node `talosctl get links -o yaml` stream "
                    f"({documents} documents, {len(text) / 1e6:.1f} MB)",
        "seconds": min(runs), "runs_seconds": runs, "documents": documents,
        "target_seconds": TARGETS["yaml_parse"],
    }}


def _talosbond_cmd() -> list[str]:
    script = Path(sys.executable).parent / "talosbond"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "talosbond"]


def _startup(cmd: list[str], times: int = 10) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # as installed: bytecode cached
    env["PYTHONPATH"] = str(REPO)
    subprocess.run(cmd, env=env, capture_output=True, check=False)  # warm-up: bytecode, page cache
    samples = []
    for _ in range(times):
        start = time.perf_counter()
        proc = subprocess.run(cmd, env=env, capture_output=True, check=False)
        samples.append(time.perf_counter() - start)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.decode()[-300:]}")
    return {"seconds": statistics.median(samples), "min_seconds": min(samples)}


def bench_startup(work: Path, log: Any) -> dict[str, Any]:
    fixture = FIXTURE
    if not fixture.is_dir():
        fixture = work / "startup-fleet"
        server_mod.make_fleet(fixture, 3)
    floor = _startup([sys.executable, "-c", "pass"])
    version = _startup([*_talosbond_cmd(), "--version"])
    from_fixture = _startup([*_talosbond_cmd(), "discover", "--from", str(fixture), "-o", "json"])
    log(f"  startup: pass {floor['seconds'] * 1000:.0f} ms, --version {version['seconds'] * 1000:.0f} ms, "
        f"discover --from {from_fixture['seconds'] * 1000:.0f} ms")
    shown = fixture.relative_to(REPO) if fixture.is_relative_to(REPO) else fixture
    return {
        "python_pass": {"scenario": "python -c pass (the floor)", **floor},
        "version": {"scenario": "talosbond --version", **version, "target_seconds": TARGETS["version"]},
        "discover_from": {"scenario": f"talosbond discover --from {shown} -o json",
                          **from_fixture, "target_seconds": TARGETS["discover_from"]},
    }


def bench_fleet_table(work: Path, repeat: int, log: Any) -> dict[str, Any]:
    fleet_dir = work / "table-fleet"
    server_mod.make_fleet(fleet_dir, FLEET_NODES)
    cmd = [*_talosbond_cmd(), "discover", "--from", str(fleet_dir)]
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "120"}
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run(cmd, env=env, capture_output=True, check=False)
        runs.append(time.perf_counter() - start)
        if proc.returncode != 0:
            raise SystemExit(f"discover --from the fleet failed: {proc.stderr.decode()[-300:]}")
        log(f"  fleet table: {runs[-1]:.2f} s")
    lines = (proc.stdout + proc.stderr).decode().count("\n")
    return {"fleet_table": {
        "scenario": f"talosbond discover --from a {FLEET_NODES}-node capture (15 links each), table output "
                    f"({lines} lines, grouped by hardware shape)",
        "seconds": min(runs), "runs_seconds": runs, "target_seconds": TARGETS["fleet_table"],
    }}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object (figures in seconds)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure; the best is reported")
    parser.add_argument("--only", choices=["fleet", "yaml", "startup", "table"], action="append",
                        help="run only these benchmarks (repeatable)")
    args = parser.parse_args(argv)
    chosen = set(args.only or ["fleet", "yaml", "startup", "table"])

    def log(line: str) -> None:
        if not args.json:
            print(line, file=sys.stderr, flush=True)

    results: dict[str, Any] = {
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
    }
    work = Path(tempfile.mkdtemp(prefix="talosbond-bench-"))
    try:
        if "fleet" in chosen:
            results.update(bench_fleet(work, args.repeat, log))
        if "yaml" in chosen:
            results.update(bench_yaml(args.repeat, log))
        if "startup" in chosen:
            results.update(bench_startup(work, log))
        if "table" in chosen:
            results.update(bench_fleet_table(work, args.repeat, log))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    checks = {name: results[name]["seconds"] < target for name, target in TARGETS.items() if name in results}
    results["targets_met"] = checks

    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    cores = results["machine"]["cores"]
    for name, value in results.items():
        if not isinstance(value, dict) or "seconds" not in value:
            continue
        target = value.get("target_seconds")
        verdict = ""
        if target is not None:
            verdict = f"  (target < {target:g} s: {'met' if value['seconds'] < target else 'MISSED'})"
        extra = ""
        if "server_cpu_seconds" in value:
            extra = (f"; client CPU {value['client_cpu_seconds']:.2f} s, "
                     f"server CPU {value['server_cpu_seconds']:.2f} s, {value['calls']} calls")
        if "per_node_seconds" in value:
            extra += f"; {value['per_node_seconds'] * 1000:.2f} ms per node"
        print(f"{name}: {value['seconds']:.3f} s{verdict} [{cores} cores] - {value['scenario']}{extra}")
    if "fanout_speedup_per_node" in results:
        print(f"fan-out speed-up per node vs one call at a time: {results['fanout_speedup_per_node']:.0f}x "
              f"[{cores} cores]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
