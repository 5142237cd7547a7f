"""wrk runs with a generated Lua script whose ``done`` prints one JSON line, parsed here.

The same options (threads, connections, duration, headers) are given to darkroom and to its
reference in a scenario, so the load generator takes the same share of the two cores on both
sides. A scenario that needs a new URL per request passes ``paths``: wrk's threads walk that list
interleaved (thread i of n takes items i, i+n, i+2n, ...), so no two requests of a run share a
path until the list is exhausted (``wrapped`` says whether it was). Counting status codes needs a
Lua ``response`` hook, which costs wrk time on every response, so only the runs that need the
codes (renders, 429s) ask for it; the others rely on wrk's own count of non-2xx/3xx answers.
"""

from __future__ import annotations

import json
import signal
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

_MARK = "WRKJSON "

_COMMON = """
local threads = {}
local next_id = 0
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

statuses = {}

function done(summary, latency, requests)
  local codes = {}
  local issued = 0
  for _, t in ipairs(threads) do
    local s = t:get("statuses") or {}
    for code, n in pairs(s) do codes[code] = (codes[code] or 0) + n end
    issued = issued + (t:get("issued") or 0)
  end
  local parts = {}
  for code, n in pairs(codes) do table.insert(parts, string.format('"%d": %d', code, n)) end
  local e = summary.errors
  io.write(string.format(
    '%s{"requests": %d, "duration_us": %d, "bytes": %d, "issued": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d, "mean": %f}, ' ..
    '"statuses": {%s}}\\n',
    MARK, summary.requests, summary.duration, summary.bytes, issued,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean, table.concat(parts, ", ")))
end
"""

_COUNT_STATUSES = """
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
"""

_PATHS = """
local n = 0
issued = 0
function request()
  local k = n * NTHREADS + id
  n = n + 1
  issued = issued + 1
  return wrk.format(nil, PATHS[(k % #PATHS) + 1])
end
"""


@dataclass(frozen=True)
class WrkResult:
    """One wrk run: counts, rate and latency percentiles (milliseconds)."""

    requests: int
    seconds: float
    bytes: int
    errors: dict[str, int]
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    statuses: dict[int, int] = field(default_factory=dict)
    issued: int = 0  # requests generated from ``paths`` (0 without paths)
    wrapped: bool = False  # the path list ran out and restarted

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def bytes_per_response(self) -> float:
        return self.bytes / self.requests if self.requests else 0.0

    @property
    def failed(self) -> int:
        """Socket errors, timeouts and answers outside 2xx/3xx."""
        return sum(self.errors.values())

    def as_dict(self) -> dict[str, object]:
        return {
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            "rps": round(self.rps, 1),
            "p50_ms": round(self.p50_ms, 3),
            "p90_ms": round(self.p90_ms, 3),
            "p99_ms": round(self.p99_ms, 3),
            "max_ms": round(self.max_ms, 3),
            "bytes_per_response": round(self.bytes_per_response),
            "errors": self.errors,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "wrapped": self.wrapped,
        }


class WrkRun:
    """A wrk process started in the background; ``result`` waits for it (``interrupt`` ends it
    early: wrk stops on SIGINT and still prints its summary)."""

    def __init__(
        self,
        wrk: str,
        url: str,
        *,
        threads: int,
        connections: int,
        seconds: float,
        headers: Mapping[str, str] | None = None,
        paths: Sequence[str] | None = None,
        count_statuses: bool = False,
        timeout_s: float = 10.0,
    ) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="darkroom-wrk-")
        self._paths = len(paths) if paths else 0
        script = Path(self._folder.name) / "run.lua"
        script.write_text(_script(threads, paths, count_statuses))
        argv = [
            wrk,
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            f"--timeout={timeout_s:g}s",
            "-s",
            str(script),
        ]
        for name, value in (headers or {}).items():
            argv += ["-H", f"{name}: {value}"]
        argv.append(url)
        self.argv = argv
        self._process = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )

    @property
    def pid(self) -> int:
        return self._process.pid

    def interrupt(self) -> None:
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGINT)

    def result(self, timeout: float | None = None) -> WrkResult:
        try:
            out, _ = self._process.communicate(timeout=timeout)
        except BaseException:
            self._process.kill()
            self._process.wait()
            raise
        finally:
            self._folder.cleanup()
        line = next((x for x in out.splitlines() if x.startswith(_MARK)), None)
        if line is None:
            raise RuntimeError(f"wrk printed no summary (exit {self._process.returncode}):\n{out}")
        raw = json.loads(line[len(_MARK) :])
        latency = raw["latency_us"]
        issued = int(raw["issued"])
        return WrkResult(
            requests=int(raw["requests"]),
            seconds=raw["duration_us"] / 1e6,
            bytes=int(raw["bytes"]),
            errors={k: int(v) for k, v in raw["errors"].items()},
            p50_ms=latency["p50"] / 1000,
            p90_ms=latency["p90"] / 1000,
            p99_ms=latency["p99"] / 1000,
            max_ms=latency["max"] / 1000,
            statuses={int(k): int(v) for k, v in raw["statuses"].items()},
            issued=issued,
            wrapped=bool(self._paths) and issued > self._paths,
        )


def _script(threads: int, paths: Sequence[str] | None, count_statuses: bool) -> str:
    parts = [f"MARK = {_lua_string(_MARK)}\n", _COMMON]
    if count_statuses:
        parts.append(_COUNT_STATUSES)
    if paths:
        listed = ",\n".join(_lua_string(p) for p in paths)
        parts.append(f"NTHREADS = {threads}\nPATHS = {{\n{listed}\n}}\n")
        parts.append(_PATHS)
    return "".join(parts)


def _lua_string(text: str) -> str:
    return json.dumps(text)  # ASCII paths: a JSON string is a valid Lua string
