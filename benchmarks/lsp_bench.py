"""Warm latency of ``flake8-flax lsp``: from a ``didChange`` to the ``publishDiagnostics`` of that version.

    python benchmarks/lsp_bench.py              # benchmarks/model_file.py (301 lines), 100 changes
    python benchmarks/lsp_bench.py --runs 300 --file some.py

The server is started once and warmed up (catalog loaded, first lint done); then each change toggles one line in
the middle of the file between a legacy ``nnx.Optimizer`` call (FLX201) and its fixed form, so every publication
is checked to be the fresh one. "after a pause": changes 150 ms apart (each is linted at once); "in a burst": five
changes 20 ms apart, timed from the last one (the debounce coalesces them). Prints the median and the spread.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from queue import Queue

HERE = Path(__file__).resolve().parent
LEGACY = "optimizer = nnx.Optimizer(model, optax.adam(1e-3))\n"
FIXED = "optimizer = nnx.Optimizer(model, optax.adam(1e-3), wrt=nnx.Param)\n"


class Client:
    """A plain JSON-RPC client over the server's stdio."""

    def __init__(self) -> None:
        self.server = subprocess.Popen([sys.executable, "-m", "flake8_flax", "lsp"], stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE)
        self.inbox: Queue = Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        while True:
            length = 0
            while (line := self.server.stdout.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if not line:
                return
            self.inbox.put(json.loads(self.server.stdout.read(length)))

    def send(self, message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        self.server.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        self.server.stdin.flush()

    def wait(self, matches) -> dict:
        while not matches(message := self.inbox.get(timeout=60)):
            pass
        return message

    def diagnostics(self, uri: str, version: int) -> list:
        message = self.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                            and m["params"]["uri"] == uri and m["params"].get("version") == version)
        return message["params"]["diagnostics"]


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux ``/proc``; NaN elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--file", type=Path, default=HERE / "model_file.py")
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    lines = args.file.read_text(encoding="utf-8").splitlines(keepends=True)
    middle = len(lines) // 2
    texts = {flavour: "".join(lines[:middle] + [flavour] + lines[middle:]) for flavour in (LEGACY, FIXED)}
    uri = args.file.resolve().as_uri()

    client = Client()
    client.send({"id": 1, "method": "initialize", "params": {"processId": None, "rootUri": None, "capabilities": {}}})
    client.wait(lambda m: m.get("id") == 1)
    client.send({"method": "initialized", "params": {}})
    started = time.perf_counter()
    client.send({"method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": uri, "languageId": "python", "version": 1, "text": texts[LEGACY]}}})
    client.diagnostics(uri, 1)
    first = time.perf_counter() - started
    version = 1

    def change(text: str) -> None:
        nonlocal version
        version += 1
        client.send({"method": "textDocument/didChange", "params": {
            "textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}})

    def fresh(text: str) -> None:
        codes = [d["code"] for d in client.diagnostics(uri, version)]
        assert ("FLX201" in codes) == (text is texts[LEGACY]), codes

    paused, burst = [], []
    cpu_before = _cpu_seconds(client.server.pid)
    for run in range(args.runs):
        text = texts[FIXED if run % 2 == 0 else LEGACY]
        time.sleep(0.15)
        started = time.perf_counter()
        change(text)
        fresh(text)
        paused.append(time.perf_counter() - started)
    cpu = (_cpu_seconds(client.server.pid) - cpu_before) / args.runs
    for run in range(max(args.runs // 5, 5)):
        time.sleep(0.15)
        for step in range(5):
            if step:
                time.sleep(0.02)
            text = texts[FIXED if (run + step) % 2 == 0 else LEGACY]
            change(text)
            started = time.perf_counter()
        fresh(text)
        burst.append(time.perf_counter() - started)
    client.send({"id": 2, "method": "shutdown"})
    client.wait(lambda m: m.get("id") == 2)
    client.send({"method": "exit"})
    client.server.wait(timeout=10)

    def row(name: str, values: list[float]) -> str:
        ms = sorted(v * 1000 for v in values)
        return (f"| {name} | {len(ms)} | {statistics.median(ms):.1f} | {ms[int(len(ms) * 0.9)]:.1f} | "
                f"{ms[0]:.1f} | {ms[-1]:.1f} |")

    print(f"{args.file.name}: {len(lines) + 1} lines; first open (catalog load + lint): {first * 1000:.0f} ms; "
          f"server CPU per change after a pause: {cpu * 1000:.1f} ms\n")
    print("| change | runs | median ms | p90 ms | min ms | max ms |\n| --- | --- | --- | --- | --- | --- |")
    print(row("after a pause", paused))
    print(row("last of a burst of 5, 20 ms apart", burst))


if __name__ == "__main__":
    main()
