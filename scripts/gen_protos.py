#!/usr/bin/env python3
"""Regenerate talosbond/proto/*_pb2.py(i) and *_grpc.py from talosbond/proto/*.proto with grpcio-tools.

    python scripts/gen_protos.py           # rewrite the generated files
    python scripts/gen_protos.py --check   # exit 1 if the committed files differ from what would be made

The messages come from protoc's Python generator (`--python_out`, `--pyi_out` for mypy); the service
stubs from grpclib's plugin (`--grpclib_python_out`, only for .proto files that declare a service).
protoc is run with the repository root as include path, so the generated imports read
`from talosbond.proto import ...`.

`--check` compares text. When the installed grpcio-tools makes a different protobuf gencode version than
the committed files carry, the text cannot match; the check then compares what matters (each file's
serialized descriptor, and the grpclib stubs) and says which versions differ.
"""

from __future__ import annotations

import argparse
import ast
import filecmp
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PROTO_DIR = REPO / "talosbond" / "proto"
GENERATED = ("_pb2.py", "_pb2.pyi", "_grpc.py")
_VERSION_LINE = re.compile(r"^# Protobuf Python Version: (\S+)$", re.MULTILINE)


def _protoc(args: list[str]) -> None:
    env = dict(os.environ)
    # grpclib's plugin is a console script beside this interpreter.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    cmd = [sys.executable, "-m", "grpc_tools.protoc", "-I", str(REPO), *args]
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr or proc.stdout)
        raise SystemExit(f"protoc failed: {' '.join(args)}")


def generate(out: Path) -> list[Path]:
    """Generate every output under `out` (mirroring the repo layout); returns the files written."""
    protos = sorted(PROTO_DIR.glob("*.proto"))
    if not protos:
        raise SystemExit(f"no .proto files in {PROTO_DIR}")
    rel = [str(p.relative_to(REPO)) for p in protos]
    _protoc([f"--python_out={out}", f"--pyi_out={out}", *rel])
    with_service = [r for r, p in zip(rel, protos, strict=True) if re.search(r"^service ", p.read_text(), re.M)]
    if with_service:
        _protoc([f"--grpclib_python_out={out}", *with_service])
    return sorted((out / PROTO_DIR.relative_to(REPO)).glob("*_*.py*"))


def _descriptor(path: Path) -> bytes | None:
    """The serialized FileDescriptorProto a `_pb2.py` registers."""
    for node in ast.walk(ast.parse(path.read_text())):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "AddSerializedFile" and node.args
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, bytes)):
            return node.args[0].value
    return None


def _gencode_version(path: Path) -> str:
    match = _VERSION_LINE.search(path.read_text()) if path.is_file() else None
    return match.group(1) if match else "?"


def check(fresh: list[Path], fresh_root: Path) -> list[str]:
    problems = []
    committed = {p.name for p in PROTO_DIR.iterdir() if p.name.endswith(GENERATED)}
    made = {p.name for p in fresh}
    for name in sorted(committed - made):
        problems.append(f"{name}: committed but no longer generated (delete it)")
    for name in sorted(made - committed):
        problems.append(f"{name}: generated but not committed")
    for path in fresh:
        old = PROTO_DIR / path.name
        if not old.is_file() or filecmp.cmp(old, path, shallow=False):
            continue
        new_version, old_version = _gencode_version(path), _gencode_version(old)
        if new_version != old_version and path.name.endswith("_pb2.py"):
            if _descriptor(path) != _descriptor(old):
                problems.append(f"{path.name}: the descriptor differs from its .proto (regenerate)")
        elif new_version != old_version and path.name.endswith("_pb2.pyi"):
            pass  # stub text follows the generator version; the descriptor check above covers content
        else:
            problems.append(f"{path.name}: differs from what its .proto generates (regenerate)")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 on any difference")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="talosbond-protos-") as tmp:
        root = Path(tmp)
        fresh = generate(root)
        if args.check:
            problems = check(fresh, root)
            versions = {_gencode_version(PROTO_DIR / p.name) for p in fresh if p.name.endswith("_pb2.py")}
            installed = {_gencode_version(p) for p in fresh if p.name.endswith("_pb2.py")}
            for problem in problems:
                print(f"gen_protos: {problem}", file=sys.stderr)
            if versions != installed:
                print(f"gen_protos: note: committed gencode {', '.join(sorted(versions))}, installed grpcio-tools "
                      f"makes {', '.join(sorted(installed))}; compared descriptors only", file=sys.stderr)
            if problems:
                print("gen_protos: run `python scripts/gen_protos.py` and commit the result", file=sys.stderr)
                return 1
            print(f"gen_protos: {len(fresh)} generated files match their .proto sources")
            return 0
        for path in fresh:
            shutil.copyfile(path, PROTO_DIR / path.name)
        for stale in PROTO_DIR.iterdir():
            if stale.name.endswith(GENERATED) and stale.name not in {p.name for p in fresh}:
                stale.unlink()
        print(f"gen_protos: wrote {len(fresh)} files to {PROTO_DIR.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
