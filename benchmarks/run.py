#!/usr/bin/env python3
"""talosbond's performance benchmark (not part of the test suite).

    python benchmarks/run.py            # figures, one per line, with the scenario and this machine's cores
    python benchmarks/run.py --json     # one JSON object; every figure in seconds
    python benchmarks/run.py --table RESULTS.json   # the README's table from a saved --json run

1. Fleet discovery through the Talos API source: 1000 nodes (15 links, 10 addresses, 24 routes each, as a
   Kubernetes worker with a bond and a VLAN has) served by tests/talos_test_server.py in its own process,
   20 ms added to every call; beside it the same work one call at a time over 50 nodes (per node), their
   ratio, and the server's own CPU time (a slow server is not a slow client).
   Beside wall time: the client's CPU seconds per 1000 nodes, and the fan-out ratio measured in the same run.
2. A figure that does not move with machine load: the client's instructions per node under
   `valgrind --tool=callgrind` (two small fleets, the difference divided by the extra nodes, so start-up
   and imports cancel out).
3. Scale: 1000 and 5000 nodes of the same scenario, each client in its own process, its peak RSS and seconds
   (the best of --repeat runs, the highest peak RSS); the growth from 1000 to 5000 nodes is the median over
   --repeat back-to-back pairs.
4. Parsing a 1000-node `talosctl get links -o yaml` stream (15,000 documents).
5. Cold start of `talosbond --version` and `talosbond discover --from <fixture> -o json`, each beside
   `python -c pass`.
6. `talosbond discover --from FLEET` on a 1000-node capture (the same synthetic nodes), table output: what a
   person sees, grouped by hardware shape.

Timings are the best of --repeat runs (cold starts: the median of 10), since other work on the machine only
ever adds time; the load average at the start and end is reported, as the machine may be shared.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import re
import resource
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
MIN_FANOUT = 25.0  # the fan-out must be at least this many times faster per node than one call at a time
MAX_RSS_BYTES = 1 << 30  # peak RSS of the 5000-node client
MAX_GROWTH = 5.0  # 5x the nodes may take at most 5x the time (linear)
# The instructions per node recorded in the README; a run more than 10% above it is a regression.
RECORDED_INSTRUCTIONS_PER_NODE = 7_423_000  # commit 5ce7fb9, README (16,222,000 on grpclib, 90d90db)
FLEET_NODES = 1000
SCALE_NODES = 5000
CALLGRIND_NODES = (4, 20)
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
            "client_cpu_seconds_per_1000_nodes": best["client_cpu_seconds"] * 1000 / FLEET_NODES,
            "target_seconds": TARGETS["fleet_discovery"],
            "physical_floor_seconds": LATENCY,
        },
        "sequential_discovery": {
            "scenario": f"the same work one call at a time over {SEQUENTIAL_NODES} nodes",
            "seconds": wall_seq,
            "client_cpu_seconds": cpu_seq,
            "per_node_seconds": sequential_per_node,
        },
        "fanout": {
            "scenario": "per-node time one call at a time / per-node time of the fan-out, both in this run",
            "ratio": sequential_per_node / fanout_per_node,
            "target_ratio": MIN_FANOUT,
        },
    }


def node_names(count: int) -> list[str]:
    """The names make_fleet gives its nodes, in order."""
    return [f"10.0.{i // 250}.{i % 250 + 2}" for i in range(count)]


def client_main(endpoint_config: str, count: int) -> int:
    """One fleet discovery in this process (for callgrind and the scale runs); prints JSON figures."""
    conn = Connection(nodes=tuple(node_names(count)), talosconfig=endpoint_config, source="api")
    wall, cpu, found = _timed(lambda: discover(conn))
    if found.errors or len(found.nodes) != count:
        print(json.dumps({"error": str(found.errors[:3])}))
        return 1
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB
    print(json.dumps({"seconds": wall, "client_cpu_seconds": cpu, "peak_rss_bytes": rss}))
    return 0


def _client(config: Path, count: int, under: list[str] | None = None) -> dict[str, Any]:
    cmd = [*(under or []), sys.executable, str(Path(__file__).resolve()), "--client", str(config), str(count)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    figures = json.loads(lines[-1]) if lines else {"error": proc.stderr[-500:]}
    if proc.returncode != 0 or "error" in figures:
        raise SystemExit(f"client run ({count} nodes) failed: {figures}")
    return dict(figures)


def _fleet_server(work: Path, count: int, latency: float, log: Any) -> tuple[Server, Path]:
    fleet_dir = work / f"fleet-{count}"
    if not fleet_dir.is_dir():
        server_mod.make_fleet(fleet_dir, count)
    pki = server_mod.Pki()
    pki.save(work / f"pki-{count}")
    log(f"starting the test server with {count} nodes ...")
    srv = Server(fleet_dir, work / f"pki-{count}", latency)
    config = server_mod.write_talosconfig(work / f"talosconfig-{count}", ca=pki.ca,
                                          client=pki.issue(server=False, org="os:admin"), endpoints=[srv.endpoint])
    return srv, config


def _instructions(out: Path) -> int:
    match = re.search(r"^(?:summary|totals): (\d+)", out.read_text(), re.MULTILINE)
    if match is None:
        raise SystemExit(f"no instruction total in {out}")
    return int(match.group(1))


def bench_callgrind(work: Path, log: Any) -> dict[str, Any]:
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return {"instructions_per_node": {"skipped": "valgrind is not installed"}}
    small, large = CALLGRIND_NODES
    srv, config = _fleet_server(work, large, 0.0, log)
    counts: dict[str, int] = {}
    try:
        for count in (small, large):
            out = work / f"callgrind-{count}.out"
            _client(config, count, [valgrind, "--tool=callgrind", f"--callgrind-out-file={out}", "-q"])
            counts[str(count)] = _instructions(out)
            log(f"  callgrind, {count} nodes: {counts[str(count)]:,} instructions")
    finally:
        srv.stop()
    result: dict[str, Any] = {
        "scenario": (f"client instructions per node under valgrind --tool=callgrind: ({large}-node run - "
                     f"{small}-node run) / {large - small}, no latency added"),
        "instructions": (counts[str(large)] - counts[str(small)]) / (large - small),
        "raw_counts": counts,
    }
    if RECORDED_INSTRUCTIONS_PER_NODE:
        result["recorded_instructions"] = RECORDED_INSTRUCTIONS_PER_NODE
        result["target_instructions"] = RECORDED_INSTRUCTIONS_PER_NODE * 1.1
    return {"instructions_per_node": result}


def bench_scale(work: Path, repeat: int, log: Any) -> dict[str, Any]:
    srv, config = _fleet_server(work, SCALE_NODES, LATENCY, log)
    every: dict[int, list[dict[str, Any]]] = {FLEET_NODES: [], SCALE_NODES: []}
    try:
        for _ in range(repeat):  # back-to-back pairs: 1000 nodes, then 5000
            for count, count_runs in every.items():
                count_runs.append(_client(config, count))
                log(f"  {count} nodes: {count_runs[-1]['seconds']:.2f} s")
    finally:
        srv.stop()
    # Each size's fastest run and the highest peak RSS of its runs. The growth is the median over the pairs:
    # the best of each size would compare a short run that fell into one of the machine's faster minutes
    # with a long one that spans slower ones too.
    runs = {count: {**min(count_runs, key=lambda r: r["seconds"]),
                    "peak_rss_bytes": max(r["peak_rss_bytes"] for r in count_runs)}
            for count, count_runs in every.items()}
    ratios = [big["seconds"] / small["seconds"] for small, big in zip(every[FLEET_NODES], every[SCALE_NODES],
                                                                        strict=True)]
    for count, run in runs.items():
        mib = run["peak_rss_bytes"] / 2**20
        log(f"  {count} nodes in a fresh process: {run['seconds']:.2f} s, peak RSS {mib:.0f} MiB")
    growth = statistics.median(ratios)
    return {"scale": {
        "scenario": (f"the fleet scenario with {FLEET_NODES} and {SCALE_NODES} nodes, each client in a fresh process "
                     f"(peak RSS of that process; the fastest of {repeat} runs each, the highest peak RSS; the "
                     f"growth is the median of {repeat} back-to-back pairs)"),
        "seconds": runs[SCALE_NODES]["seconds"],
        "client_cpu_seconds": runs[SCALE_NODES]["client_cpu_seconds"],
        "peak_rss_bytes": runs[SCALE_NODES]["peak_rss_bytes"],
        "target_peak_rss_bytes": MAX_RSS_BYTES,
        f"seconds_{FLEET_NODES}": runs[FLEET_NODES]["seconds"],
        f"peak_rss_bytes_{FLEET_NODES}": runs[FLEET_NODES]["peak_rss_bytes"],
        "growth": growth,
        "growth_of_each_pair": ratios,
        "target_growth": MAX_GROWTH,
    }}


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


def _timed_run(cmd: list[str], **env: str) -> tuple[float, subprocess.CompletedProcess[bytes]]:
    """One run of `cmd` as an installed talosbond runs (bytecode cached, so PYTHONDONTWRITEBYTECODE is
    dropped), with `env` added; its seconds and what it printed. A failing run stops the benchmark."""
    full = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    full.update(PYTHONPATH=str(REPO), **env)
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=full, capture_output=True, check=False)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.decode()[-300:]}")
    return seconds, proc


def _startup(cmd: list[str], times: int = 10) -> dict[str, float]:
    _timed_run(cmd)  # warm-up: bytecode, page cache
    samples = [_timed_run(cmd)[0] for _ in range(times)]
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
    runs = []
    for _ in range(repeat):
        seconds, proc = _timed_run(cmd, COLUMNS="120")
        runs.append(seconds)
        log(f"  fleet table: {seconds:.2f} s")
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
    parser.add_argument("--only", choices=["fleet", "callgrind", "scale", "yaml", "startup", "table"],
                        action="append",
                        help="run only these benchmarks (repeatable)")
    parser.add_argument("--table", type=Path, metavar="JSON", help="print the README table from a --json run")
    parser.add_argument("--client", nargs=2, metavar=("TALOSCONFIG", "NODES"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.client:
        return client_main(args.client[0], int(args.client[1]))
    if args.table:
        print(readme_table(json.loads(args.table.read_text())))
        return 0
    chosen = set(args.only or ["fleet", "callgrind", "scale", "yaml", "startup", "table"])

    def log(line: str) -> None:
        if not args.json:
            print(line, file=sys.stderr, flush=True)

    results: dict[str, Any] = {
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "load_average_at_start": os.getloadavg()},
    }
    work = Path(tempfile.mkdtemp(prefix="talosbond-bench-"))
    try:
        if "fleet" in chosen:
            results.update(bench_fleet(work, args.repeat, log))
        if "callgrind" in chosen:
            results.update(bench_callgrind(work, log))
        if "scale" in chosen:
            results.update(bench_scale(work, args.repeat, log))
        if "yaml" in chosen:
            results.update(bench_yaml(args.repeat, log))
        if "startup" in chosen:
            results.update(bench_startup(work, log))
        if "table" in chosen:
            results.update(bench_fleet_table(work, args.repeat, log))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results["machine"]["load_average_at_end"] = os.getloadavg()
    results["targets_met"] = targets_met(results)

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
    print_extra(results)
    return 0


def _verdict(met: dict[str, bool], name: str) -> str:
    return "" if name not in met else (" (met)" if met[name] else " (**missed**)")


def readme_table(results: dict[str, Any]) -> str:
    """The README's performance table: one row per figure, its target, whether this run met it."""
    met = results.get("targets_met", {})
    rows = ["| figure | measured | target |", "|---|---|---|"]
    for name in ("fleet_discovery", "yaml_parse", "version", "discover_from", "fleet_table"):
        value = results.get(name)
        if value:
            shown = f"{value['seconds']:.2f} s" if value["seconds"] >= 1 else f"{value['seconds'] * 1000:.0f} ms"
            if name == "fleet_discovery":
                shown += (f" (client CPU {value['client_cpu_seconds']:.2f} s, "
                          f"{value['client_cpu_seconds_per_1000_nodes']:.2f} s per 1000 nodes; "
                          f"server CPU {value['server_cpu_seconds']:.2f} s)")
            rows.append(f"| {value['scenario']} | {shown}{_verdict(met, name)} | < {value['target_seconds']:g} s |")
    if "fanout" in results:
        seq = results["sequential_discovery"]
        rows.append(f"| {seq['scenario']}: per node {seq['per_node_seconds'] * 1000:.0f} ms; fan-out ratio | "
                    f"{results['fanout']['ratio']:.0f}x{_verdict(met, 'fanout')} | >= {MIN_FANOUT:g}x |")
    counted = results.get("instructions_per_node", {})
    if "instructions" in counted:
        target = f"<= {counted['target_instructions']:,.0f}" if "target_instructions" in counted else "recorded"
        rows.append(f"| {counted['scenario']} | {counted['instructions']:,.0f}"
                    f"{_verdict(met, 'instructions_per_node')} | {target} |")
    scale = results.get("scale")
    if scale:
        rows.append(f"| {scale['scenario']}: {SCALE_NODES} nodes, peak RSS | {scale['seconds']:.1f} s, "
                    f"{scale['peak_rss_bytes'] / 2**20:.0f} MiB{_verdict(met, 'scale_peak_rss')} | < 1024 MiB |")
        pairs = ", ".join(f"{r:.2f}" for r in scale.get("growth_of_each_pair", ()))
        rows.append(f"| the same: time for {SCALE_NODES} nodes / time for {FLEET_NODES} "
                    f"(fastest {scale[f'seconds_{FLEET_NODES}']:.1f} s), median of the pairs ({pairs}) | "
                    f"{scale['growth']:.2f}x"
                    f"{_verdict(met, 'scale_growth')} | <= {MAX_GROWTH:g}x (linear) |")
    load = results["machine"]
    rows.append("")
    rows.append(f"Measured on {load['cores']} cores, Python {load['python']}; load average (1, 5, 15 min) "
                f"{', '.join(f'{x:.1f}' for x in load['load_average_at_start'])} at the start and "
                f"{', '.join(f'{x:.1f}' for x in load['load_average_at_end'])} at the end.")
    return "\n".join(rows)


def targets_met(results: dict[str, Any]) -> dict[str, bool]:
    checks = {name: results[name]["seconds"] < target for name, target in TARGETS.items() if name in results}
    if "fanout" in results:
        checks["fanout"] = results["fanout"]["ratio"] >= MIN_FANOUT
    scale = results.get("scale")
    if scale:
        checks["scale_peak_rss"] = scale["peak_rss_bytes"] < MAX_RSS_BYTES
        checks["scale_growth"] = scale["growth"] <= MAX_GROWTH
    counted = results.get("instructions_per_node", {})
    if "target_instructions" in counted:
        checks["instructions_per_node"] = counted["instructions"] <= counted["target_instructions"]
    return checks


def print_extra(results: dict[str, Any]) -> None:
    """The figures that are not seconds, with their targets."""
    met = results["targets_met"]
    if "fanout" in results:
        ratio = results["fanout"]
        print(f"fan-out per node vs one call at a time: {ratio['ratio']:.0f}x (target >= {MIN_FANOUT:g}x: "
              f"{'met' if met['fanout'] else 'MISSED'})")
    if "fleet_discovery" in results:
        print(f"client CPU per 1000 nodes: {results['fleet_discovery']['client_cpu_seconds_per_1000_nodes']:.2f} s")
    counted = results.get("instructions_per_node", {})
    if "instructions" in counted:
        target = counted.get("target_instructions")
        verdict = f" (target <= {target:,.0f}: {'met' if met['instructions_per_node'] else 'MISSED'})" if target else ""
        print(f"instructions per node: {counted['instructions']:,.0f}{verdict}")
    scale = results.get("scale")
    if scale:
        print(f"{SCALE_NODES} nodes: {scale['seconds']:.2f} s, peak RSS {scale['peak_rss_bytes'] / 2**20:.0f} MiB "
              f"(target < {MAX_RSS_BYTES / 2**20:.0f} MiB: {'met' if met['scale_peak_rss'] else 'MISSED'}); "
              f"{scale['growth']:.2f}x the {FLEET_NODES}-node time (target <= {MAX_GROWTH:g}x: "
              f"{'met' if met['scale_growth'] else 'MISSED'})")
    load = results["machine"]
    print(f"load average (1, 5, 15 min) at start {load['load_average_at_start']}, at end {load['load_average_at_end']}")


if __name__ == "__main__":
    sys.exit(main())
