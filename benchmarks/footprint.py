#!/usr/bin/env python3
"""Footprint benchmark: start-up time and memory of the real `python -m bot run` process.

1. Knowledge start-up in-process: ``bot.app.load(config)`` (read + validate YAML, build the two
   search indices, train the intent model), timed in 5 fresh subprocesses; median reported
   (target ≤ 1 s), with the import time of ``bot.app`` and a warm per-phase breakdown beside it.
2. The real process: ``python -m bot run`` with TELEGRAM_BOT_TOKEN / TELEGRAM_BASE_URL pointing at
   the Telegram emulator of the e2e tests and MOTCUA_CONFIG at a temporary copy of config.yaml and
   knowledge/ (so the database is created there, never in the repository). A "/start" is sent right
   after launch; start-up = launch → the welcome reply visible in the emulator (budget < 2 s). The
   moment the bot first fetched that update (its first getUpdates) is reported too.
3. ~200 events of mixed traffic: questions from concurrent citizens, menu browsing through buttons,
   an ambiguous question answered through its button, and two complete complaint intakes through
   buttons, one of which types an old address ("phường 6, quận 3") at the ward step, which makes the
   bot import vietnamadminunits. Resident memory (VmRSS, VmHWM from /proc/PID/status) is sampled
   throughout and at the end (budget: RSS < 200 MB).

Usage:  python benchmarks/footprint.py [--runs 5] [--users 10] [--questions 17]
Needs Node.js and the emulator's npm packages: run `bash scripts/test` once if
tests/e2e/emulator/node_modules is missing. Writes benchmarks/results/footprint.json.
Loopback only; bounded in time (well under 3 minutes).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_HERE = Path(__file__).resolve().parent
for _path in (str(_HERE), str(_HERE.parent / "tests" / "e2e")):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from harness import BotMessage, Emulator  # noqa: E402
from telegram_throughput import (  # noqa: E402
    QUESTIONS,
    RESULTS,
    ROOT,
    HistoryReader,
    expected_replies,
    percentile,
    require_emulator,
)

START_BUDGET_S = 2.0
RSS_BUDGET_MB = 200.0
LOAD_TARGET_S = 1.0
OLD_ADDRESS = "phường 6, quận 3"
CODE = re.compile(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}\b")
FIRST_CHAT = 710_000_000

# Run in a fresh interpreter: cold imports, cold caches, as at a real start.
LOAD_PROBE = r"""
import json, sys, time
t0 = time.perf_counter()
from pathlib import Path
from bot.app import load
t1 = time.perf_counter()
loaded = load(Path(sys.argv[1]))
t2 = time.perf_counter()
# Warm breakdown (second pass in the same process: imports and lazy caches already paid).
from bot.catalogue import load_catalogue
from bot.commitments import load_commitments
from bot.intents import load_intents
from bot.knowledge import build_knowledge
from bot.lexicon import load_lexicon
d = Path(sys.argv[1]).parent / loaded.config.knowledge_dir
a = time.perf_counter()
lexicon, _ = load_lexicon(d / "lexicon.yaml")
intents, _ = load_intents(d / "intents.yaml")
procedures, _ = load_catalogue(d / "procedures")
commitments, _ = load_commitments(d / "commitments")
b = time.perf_counter()
build_knowledge(procedures, commitments, lexicon, intents)
c = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "load_s": t2 - t1, "warm_yaml_validate_s": b - a, "warm_index_train_s": c - b}))
"""


def copy_deployment(into: Path) -> Path:
    """config.yaml and knowledge/ copied to ``into``; returns the config path (database goes beside it)."""
    shutil.copy2(ROOT / "config.yaml", into / "config.yaml")
    shutil.copytree(ROOT / "knowledge", into / "knowledge")
    return into / "config.yaml"


def measure_load(config: Path, runs: int) -> dict[str, Any]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-c", LOAD_PROBE, str(config)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        wall = time.perf_counter() - started
        if proc.returncode != 0:
            raise SystemExit(f"knowledge load failed:\n{proc.stderr[-2000:]}")
        sample = json.loads(proc.stdout.strip().splitlines()[-1])
        sample["process_wall_s"] = wall
        samples.append(sample)
    keys = samples[0].keys()
    return {
        "runs": runs,
        "median": {k: round(statistics.median(s[k] for s in samples), 3) for k in keys},
        "min": {k: round(min(s[k] for s in samples), 3) for k in keys},
        "max": {k: round(max(s[k] for s in samples), 3) for k in keys},
    }


# --- the bot process ------------------------------------------------------------------------------


def proc_status(pid: int) -> dict[str, float]:
    """VmRSS / VmHWM / VmSize in MB and the thread count, from /proc/PID/status."""
    out: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM", "VmSize"):
            out[key] = int(value.split()[0]) / 1024
        elif key == "Threads":
            out[key] = int(value)
    return out


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class MemorySampler:
    pid: int
    interval: float = 0.05
    samples: list[tuple[float, float]] = field(default_factory=list)  # (seconds since launch, RSS MB)
    launched: float = 0.0

    async def run(self) -> None:
        while True:
            with contextlib.suppress(OSError, ValueError):
                self.samples.append((time.perf_counter() - self.launched, proc_status(self.pid)["VmRSS"]))
            await asyncio.sleep(self.interval)


@dataclass
class Traffic:
    events: int = 0
    errors: int = 0
    timeouts: int = 0
    latencies: list[float] = field(default_factory=list)
    steps: dict[str, float] = field(default_factory=dict)  # named steps -> latency
    marks: dict[str, dict[str, float]] = field(default_factory=dict)  # memory at named moments
    codes: list[str] = field(default_factory=list)


class Citizen:
    """One simulated person in a private chat, waiting for each reply before the next event."""

    def __init__(self, emulator: Emulator, reader: HistoryReader, chat_id: int, traffic: Traffic, timeout: float):
        self.emulator = emulator
        self.reader = reader
        self.chat_id = chat_id
        self.traffic = traffic
        self.timeout = timeout

    async def _await(
        self, sent_update: int, sent_at: float, count: int, predicate: Callable[[BotMessage], bool] | None, step: str
    ) -> BotMessage | None:
        future = self.reader.expect(self.chat_id, sent_update, count=count, predicate=predicate)
        try:
            visible_at, messages = await asyncio.wait_for(future, self.timeout)
        except TimeoutError:
            self.traffic.timeouts += 1
            print(f"  timeout at step {step!r} in chat {self.chat_id}", file=sys.stderr)
            return None
        latency = visible_at - sent_at
        self.traffic.latencies.append(latency)
        if step:
            self.traffic.steps[step] = round(latency * 1000, 1)
        return messages[-1]

    async def say(
        self, text: str, *, count: int = 1, until: Callable[[BotMessage], bool] | None = None, step: str = ""
    ) -> BotMessage | None:
        self.traffic.events += 1
        sent_at = time.perf_counter()
        try:
            if text.startswith("/"):
                command, _, args = text.partition(" ")
                sent = await self.emulator.send_command(self.chat_id, self.chat_id, command, args)
            else:
                sent = await self.emulator.send_message(self.chat_id, self.chat_id, text)
        except Exception as exc:
            self.traffic.errors += 1
            print(f"  send failed in chat {self.chat_id}: {exc}", file=sys.stderr)
            return None
        return await self._await(sent.update_id, sent_at, count, until, step)

    async def press(
        self,
        message: BotMessage | None,
        data: str | None = None,
        *,
        label_prefix: str | None = None,
        until: Callable[[BotMessage], bool] | None = None,
        step: str = "",
    ) -> BotMessage | None:
        if message is None:
            self.traffic.errors += 1
            return None
        if data is None:
            button = next((b for b in message.buttons if label_prefix is None or b.text.startswith(label_prefix)), None)
            data = button.callback_data if button else None
        if data is None:
            self.traffic.errors += 1
            print(f"  no button to press on {message.text!r:.80}", file=sys.stderr)
            return None
        self.traffic.events += 1
        sent_at = time.perf_counter()
        try:
            sent = await self.emulator.press_button(self.chat_id, self.chat_id, message, data)
        except Exception as exc:
            self.traffic.errors += 1
            print(f"  press {data!r} failed in chat {self.chat_id}: {exc}", file=sys.stderr)
            return None
        return await self._await(sent.update_id, sent_at, 1, until, step)


def has(fragment: str) -> Callable[[BotMessage], bool]:
    return lambda m: fragment in (m.text or "")


async def intake(citizen: Citizen, *, old_address: bool, pid: int) -> None:
    """A complete complaint through buttons, from /phananh to the tracking code."""
    traffic = citizen.traffic
    tag = "old-address" if old_address else "ward-name"
    step = await citizen.say("/phananh", until=has("phường/xã nào"), step=f"{tag}: /phananh")
    if old_address:
        traffic.marks["before old-address step"] = proc_status(pid)
        confirm = await citizen.say(OLD_ADDRESS, until=has("Theo địa giới mới"), step=f"{tag}: type {OLD_ADDRESS!r}")
        traffic.marks["after old-address step"] = proc_status(pid)
        step = await citizen.press(confirm, "i:wardok", until=has("hành vi gì"), step=f"{tag}: confirm ward")
    else:
        # The ward step offers no buttons until a name is typed (a province has ~170 wards).
        step = await citizen.say("Bến Thành", until=has("hành vi gì"), step=f"{tag}: type ward")
    step = await citizen.press(step, "i:cat:hach-dich", until=has("khi nào"), step=f"{tag}: category")
    step = await citizen.press(step, "i:when:today", until=has("kể lại sự việc"), step=f"{tag}: when")
    step = await citizen.say(
        "Cán bộ quầy một cửa quát tháo, không hướng dẫn, bắt tôi đi lại ba lần mới nhận hồ sơ",
        until=has("Tên cán bộ"),
        step=f"{tag}: description",
    )
    step = await citizen.press(step, "i:skip", until=has("Mã hồ sơ"), step=f"{tag}: skip official")
    step = await citizen.press(step, "i:skip", until=has("một ảnh"), step=f"{tag}: skip dossier")
    step = await citizen.press(step, "i:skip", until=has("Danh tính"), step=f"{tag}: skip photo")
    step = await citizen.press(step, "i:anon", until=has("Kiểm tra lại"), step=f"{tag}: anonymous")
    done = await citizen.press(step, "i:submit", until=lambda m: bool(CODE.search(m.text or "")), step=f"{tag}: submit")
    match = CODE.search(done.text or "") if done else None
    if match:
        traffic.codes.append(match.group(0))
        await citizen.say(f"/tracuu {match.group(0)}", until=has(match.group(0)), step=f"{tag}: /tracuu code")
    else:
        traffic.errors += 1


async def browse(citizen: Citizen) -> None:
    """Menu, fields, a procedure through buttons; commitments; an ambiguous question and its button."""
    menu = await citizen.say("/thutuc")
    field_list = await citizen.press(menu, label_prefix=None)
    await citizen.press(field_list, label_prefix=None)
    await citizen.say("/camket")
    choices = await citizen.say("khai tu online", until=has("thủ tục nào"))
    if choices is not None:
        data = next((b.callback_data for b in choices.buttons if (b.callback_data or "").startswith("p:")), None)
        await citizen.press(choices, data)
    await citizen.say("/trogiup")


async def asker(citizen: Citizen, texts: list[str], expected: dict[str, int]) -> None:
    for text in texts:
        await citizen.say(text, count=expected.get(text, 1))


async def run_bot(args: argparse.Namespace, config: Path, expected: dict[str, int]) -> dict[str, Any]:
    emulator = Emulator()
    emulator.start()
    log_path = config.parent / "bot.log"
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": emulator.token,
        "TELEGRAM_BASE_URL": emulator.base_url,
        "MOTCUA_CONFIG": str(config),
        "PYTHONUNBUFFERED": "1",
    }
    traffic = Traffic()
    result: dict[str, Any] = {}
    proc: subprocess.Popen[bytes] | None = None
    with open(log_path, "wb") as log:
        try:
            async with HistoryReader(emulator, args.reader_interval) as reader:
                launched = time.perf_counter()
                launched_wall = time.time()
                proc = subprocess.Popen(
                    [sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
                )
                sampler = MemorySampler(proc.pid, launched=launched)
                sampler_task = asyncio.create_task(sampler.run())
                # "/start" right after launch: it waits in the emulator until the bot's first getUpdates.
                sent = await emulator.send_command(FIRST_CHAT, FIRST_CHAT, "/start")
                try:
                    visible_at, _ = await asyncio.wait_for(
                        reader.expect(FIRST_CHAT, sent.update_id), timeout=args.start_timeout
                    )
                except TimeoutError:
                    raise SystemExit(
                        f"the bot did not answer /start within {args.start_timeout} s:\n{log_path.read_text()[-3000:]}"
                    ) from None
                result["start_s"] = visible_at - launched
                read_at = reader.user_read_at.get(sent.update_id)
                result["first_getupdates_s"] = None if read_at is None else read_at - launched
                result["application_started_log_s"] = _log_started(log_path, launched_wall)
                traffic.marks["after start-up"] = proc_status(proc.pid)
                # Idle CPU: run_polling's defaults (poll_interval 0, long-poll timeout 10 s) make the bot
                # re-ask at once, and the emulator, unlike Telegram, never holds a getUpdates open.
                idle_from = cpu_seconds(proc.pid)
                await asyncio.sleep(args.idle)
                result["idle_cpu_share"] = (cpu_seconds(proc.pid) - idle_from) / args.idle
                cpu_start = cpu_seconds(proc.pid)

                started = time.perf_counter()
                citizens = [Citizen(emulator, reader, FIRST_CHAT + 1 + n, traffic, args.timeout) for n in range(64)]
                texts = [q for q, _ in QUESTIONS]
                jobs = [
                    intake(citizens[0], old_address=True, pid=proc.pid),
                    intake(citizens[1], old_address=False, pid=proc.pid),
                    browse(citizens[2]),
                ]
                for n in range(args.users):
                    mine = [texts[(n * 5 + i) % len(texts)] for i in range(args.questions)]
                    jobs.append(asker(citizens[3 + n], mine, expected))
                await asyncio.wait_for(asyncio.gather(*jobs), timeout=args.traffic_budget)
                result["traffic_s"] = time.perf_counter() - started
                await asyncio.sleep(0.5)  # let in-flight work (outbox pass) settle before the final sample
                traffic.marks["end"] = proc_status(proc.pid)
                result["cpu_traffic_s"] = cpu_seconds(proc.pid) - cpu_start
                sampler_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sampler_task
                result["rss_peak_sampled_mb"] = max((rss for _, rss in sampler.samples), default=None)
                result["reader"] = reader.stats.summary()
        finally:
            if proc is not None:
                result["exit_code"] = _stop(proc)
            await emulator.aclose()
            emulator.stop()
    result["traffic"] = traffic
    result["log_tail"] = log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
    result["database_created_in_temp"] = (config.parent / "data" / "motcua.sqlite3").exists()
    return result


def _log_started(log_path: Path, launched_wall: float) -> float | None:
    """Seconds from launch to PTB's "Application started" log line, if logged (second resolution + ms)."""
    for line in log_path.read_text(encoding="utf-8", errors="replace").splitlines():
        if "Application started" in line:
            with contextlib.suppress(ValueError):
                stamp = dt.datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f")
                return stamp.timestamp() - launched_wall
    return None


def _stop(proc: subprocess.Popen[bytes]) -> int | None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)  # run_polling stops gracefully on SIGINT
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    return proc.returncode


# --- report ---------------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report(load_stats: dict[str, Any], run: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    traffic: Traffic = run["traffic"]
    end = traffic.marks.get("end", {})
    rss = end.get("VmRSS")
    hwm = end.get("VmHWM")
    lat = traffic.latencies
    med = load_stats["median"]
    rows = [
        (
            "knowledge load: bot.app.load(config), median",
            f"{med['load_s']:.3f} s",
            f"≤ {LOAD_TARGET_S} s",
            verdict(med["load_s"] <= LOAD_TARGET_S),
        ),
        ("  import bot.app (fresh interpreter), median", f"{med['import_s']:.3f} s", "", ""),
        ("  warm re-run: YAML + validation", f"{med['warm_yaml_validate_s']:.3f} s", "", ""),
        ("  warm re-run: indices + intent model", f"{med['warm_index_train_s']:.3f} s", "", ""),
        ("  whole probe process (interpreter + import + load)", f"{med['process_wall_s']:.3f} s", "", ""),
        (
            "start-up: launch → /start answered",
            f"{run['start_s']:.3f} s",
            f"< {START_BUDGET_S} s",
            verdict(run["start_s"] < START_BUDGET_S),
        ),
        (
            "  launch → first getUpdates (update fetched)",
            "—" if run["first_getupdates_s"] is None else f"{run['first_getupdates_s']:.3f} s",
            "",
            "",
        ),
        (
            "  launch → 'Application started' logged",
            "—" if run["application_started_log_s"] is None else f"{run['application_started_log_s']:.3f} s",
            "",
            "",
        ),
        ("memory after start-up: VmRSS", f"{traffic.marks.get('after start-up', {}).get('VmRSS', 0):.1f} MB", "", ""),
        (
            "memory at end: VmRSS",
            f"{rss:.1f} MB" if rss else "—",
            f"< {RSS_BUDGET_MB:.0f} MB",
            verdict(bool(rss) and rss < RSS_BUDGET_MB),
        ),
        (
            "memory at end: VmHWM (peak)",
            f"{hwm:.1f} MB" if hwm else "—",
            f"< {RSS_BUDGET_MB:.0f} MB",
            verdict(bool(hwm) and hwm < RSS_BUDGET_MB),
        ),
    ]
    before = traffic.marks.get("before old-address step", {}).get("VmRSS")
    after = traffic.marks.get("after old-address step", {}).get("VmRSS")
    if before and after:
        rows.append(("  RSS added by the old-address step (vietnamadminunits)", f"{after - before:+.1f} MB", "", ""))
    rows += [
        ("traffic: events (messages + button presses)", str(traffic.events), "", ""),
        (
            "traffic: errors / timeouts",
            f"{traffic.errors} / {traffic.timeouts}",
            "0 / 0",
            verdict(traffic.errors == 0 and traffic.timeouts == 0),
        ),
        ("traffic: wall time", f"{run['traffic_s']:.2f} s", "", ""),
        (
            "traffic: reply latency p50 / p95 / max",
            f"{1000 * (percentile(lat, 50) or 0):.0f} / {1000 * (percentile(lat, 95) or 0):.0f} / "
            f"{1000 * max(lat, default=0):.0f} ms",
            "",
            "",
        ),
        ("traffic: bot CPU time", f"{run['cpu_traffic_s']:.2f} s", "", ""),
        ("idle bot CPU before traffic (emulator: no long polling)", f"{100 * run['idle_cpu_share']:.0f} %", "", ""),
        (
            "complaints filed (tracking codes)",
            ", ".join(traffic.codes) or "none",
            "2",
            verdict(len(traffic.codes) == 2),
        ),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'value':>22}  {'budget':>9}  result")
    print("-" * (width + 45))
    for name, value, budget, result in rows:
        print(f"{name:<{width}}  {value:>22}  {budget:>9}  {result}")
    print("\nintake step latencies (ms):")
    for name, ms in traffic.steps.items():
        print(f"  {name:<40} {ms:>8.1f}")
    marks = {k: {kk: round(vv, 1) for kk, vv in v.items()} for k, v in traffic.marks.items()}
    return {
        "benchmark": "footprint",
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "settings": {
            "users": args.users,
            "questions_per_user": args.questions,
            "reader_interval_s": args.reader_interval,
        },
        "knowledge_load": load_stats,
        "start": {
            "launch_to_start_reply_s": round(run["start_s"], 3),
            "launch_to_first_getupdates_s": None
            if run["first_getupdates_s"] is None
            else round(run["first_getupdates_s"], 3),
            "launch_to_application_started_log_s": None
            if run["application_started_log_s"] is None
            else round(run["application_started_log_s"], 3),
        },
        "memory_mb": marks,
        "rss_peak_sampled_mb": None if run.get("rss_peak_sampled_mb") is None else round(run["rss_peak_sampled_mb"], 1),
        "traffic": {
            "events": traffic.events,
            "errors": traffic.errors,
            "timeouts": traffic.timeouts,
            "wall_s": round(run["traffic_s"], 3),
            "latency_ms": {
                "p50": round(1000 * (percentile(lat, 50) or 0), 1),
                "p95": round(1000 * (percentile(lat, 95) or 0), 1),
                "max": round(1000 * max(lat, default=0), 1),
            },
            "bot_cpu_s": round(run["cpu_traffic_s"], 2),
            "bot_idle_cpu_share": round(run["idle_cpu_share"], 3),
            "intake_steps_ms": traffic.steps,
            "complaint_codes": traffic.codes,
        },
        "budgets": {
            "knowledge_load_s": {
                "target": LOAD_TARGET_S,
                "value": med["load_s"],
                "pass": med["load_s"] <= LOAD_TARGET_S,
            },
            "start_s": {
                "budget": START_BUDGET_S,
                "value": round(run["start_s"], 3),
                "pass": run["start_s"] < START_BUDGET_S,
            },
            "rss_mb": {
                "budget": RSS_BUDGET_MB,
                "value": None if rss is None else round(rss, 1),
                "pass": bool(rss) and rss < RSS_BUDGET_MB,
            },
            "hwm_mb": {
                "budget": RSS_BUDGET_MB,
                "value": None if hwm is None else round(hwm, 1),
                "pass": bool(hwm) and hwm < RSS_BUDGET_MB,
            },
        },
        "bot_exit_code": run.get("exit_code"),
        "database_created_in_temp": run.get("database_created_in_temp"),
        "reader": run.get("reader"),
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="fresh subprocesses timing bot.app.load (default 5)")
    parser.add_argument("--users", type=int, default=10, help="concurrent citizens asking questions (default 10)")
    parser.add_argument("--questions", type=int, default=17, help="questions per citizen (default 17)")
    parser.add_argument("--idle", type=float, default=1.0, help="seconds of idle CPU measured after start-up")
    parser.add_argument("--reader-interval", type=float, default=0.02)
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds to wait for one reply")
    parser.add_argument("--start-timeout", type=float, default=30.0)
    parser.add_argument("--traffic-budget", type=float, default=90.0, help="max seconds for the mixed traffic")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    require_emulator()
    with tempfile.TemporaryDirectory(prefix="motcua-footprint-") as tmp:
        config = copy_deployment(Path(tmp))
        print(f"deployment copied to {tmp}; timing bot.app.load in {args.runs} fresh subprocesses…", flush=True)
        load_stats = measure_load(config, args.runs)
        # Replies per question, computed before the bot starts so it cannot disturb the start-up timing.
        expected = expected_replies([q for q, _ in QUESTIONS])
        print("starting `python -m bot run` against the emulator…", flush=True)
        run = asyncio.run(run_bot(args, config, expected))
        print()
        out = report(load_stats, run, args)
        if not run.get("database_created_in_temp"):
            print("\nwarning: no database appeared in the temporary deployment", file=sys.stderr)
    traffic: Traffic = run["traffic"]
    if traffic.errors or traffic.timeouts:
        print(f"\nbot log (tail):\n{run['log_tail']}", file=sys.stderr)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / "footprint.json"
    path.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"\nwrote {path.relative_to(ROOT)}")
    budgets_ok = all(b["pass"] for b in out["budgets"].values())
    return 0 if budgets_ok and not (traffic.errors or traffic.timeouts) else 1


if __name__ == "__main__":
    sys.exit(main())
