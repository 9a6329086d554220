#!/usr/bin/env python3
"""Real client connections through an XMPP server into a MUC: the load generator of the `c2s`
group of scripts/bench/run.sh.

Logs in ROOMS x OCCUPANTS clients over plain TCP (SASL PLAIN, no TLS) as PREFIX1..PREFIXn@DOMAIN,
binds a resource, joins ROOMS rooms at the MUC domain (the first occupant of each room creates it
and submits the owner configuration form with muc#roomconfig_persistentroom = 1, waiting for the
result, before the others join), waits until every client has seen every occupant's presence, then
runs the message phases: every occupant sends MESSAGES groupchat messages with a body, one in
flight (the next one goes out when its own reflection comes back). Every client counts the
groupchat messages with a body it receives by scanning bytes (no XML parse in the message phase).

A delivery is one groupchat message received by one occupant (its own reflection included): a
phase must end with exactly rooms x occupants x occupants x messages of them, or the run fails.
During the measured message phase the CPU time (utime + stime from /proc/PID/stat) of the server
and of the MUC component is read before and after, giving CPU µs per delivery. The load
generator's own CPU is measured as well: at 90 % of a core or more it is the bottleneck
("bench_saturated", shown as "bench-bound" in the table) and the throughput is a floor.

One JSON line (the field names of muc-bench's lines, which scripts/bench/table.py reads) is
appended to --json-out; a summary goes to standard output. Standard library only.
"""
import argparse
import asyncio
import base64
import json
import os
import re
import sys
import time

END_MESSAGE = b"</message>"
END_BODY = b"</body>"
ERROR_TYPE = (b"type='error'", b'type="error"')
TAG = re.compile(rb"<(/?)([^\s/>]+)[^>]*?(/?)>")
ATTR = {name: re.compile(rb"\s" + name.encode() + rb"=(?:'([^']*)'|\"([^\"]*)\")")
        for name in ("id", "type", "from")}
CLK_TCK = os.sysconf("SC_CLK_TCK")
NS_MUC = "http://jabber.org/protocol/muc"


def attr(raw, name):
    m = ATTR[name].search(raw, 0, raw.find(b">") + 1)
    if not m:
        return None
    return (m.group(1) if m.group(1) is not None else m.group(2)).decode()


class Failure(Exception):
    pass


def proc_cpu_ticks(pid):
    """utime + stime of a process (all its threads, exited ones included) in clock ticks."""
    if not pid:
        return None
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return None


def machine_busy_ticks():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + (v[4] if len(v) > 4 else 0)
    steal = v[7] if len(v) > 7 else 0
    return sum(v[:8]) - idle - steal


class Client(asyncio.Protocol):
    """One client connection. Setup phases split the stream into stanzas (a tag-depth scan) and
    resolve futures; the message phase only counts bytes (see data_received)."""

    def __init__(self, gen, index, user, room, nick):
        self.gen = gen
        self.index = index
        self.user = user
        self.room = room
        self.nick = nick
        self.occupant_jid = f"{room}/{nick}"
        self.transport = None
        self.buf = b""
        self.fast = False
        self.waiters = {}
        self.presences = 0
        self.closed = asyncio.get_running_loop().create_future()
        # Message phase state.
        self.marker = f"<body>u{index}.".encode()
        self.to_send = 0
        self.sent = 0
        self.received = 0
        self.sent_at = 0.0
        self.padding = "x" * max(0, gen.args.payload - len(f"u{index}.000000."))

    # --- transport ---------------------------------------------------------------------------

    def connection_made(self, transport):
        self.transport = transport

    def connection_lost(self, exc):
        if not self.closed.done():
            self.closed.set_result(exc)
        if self.gen.phase not in ("closing", "done"):
            self.gen.fail(f"{self.user}: connection lost in phase {self.gen.phase}: {exc}")
        for fut in self.waiters.values():
            if not fut.done():
                fut.set_exception(Failure(f"{self.user}: connection lost"))

    def send(self, data):
        self.transport.write(data.encode() if isinstance(data, str) else data)

    def data_received(self, data):
        if self.fast:
            self.count(data)
            return
        self.buf += data
        self.split()

    # --- the message phase: byte counting ----------------------------------------------------

    def count(self, data):
        """Counts complete messages: everything up to the last </message> of the buffer. A
        message carries one body; with one message in flight per sender, a client's own
        reflection (its body starts with its own marker) appears at most once per buffer."""
        buf = self.buf + data if self.buf else data
        last = buf.rfind(END_MESSAGE)
        if last < 0:
            self.buf = buf
            return
        end = last + len(END_MESSAGE)
        n = buf.count(END_BODY, 0, end)
        gen = self.gen
        if buf.find(ERROR_TYPE[0], 0, end) >= 0 or buf.find(ERROR_TYPE[1], 0, end) >= 0:
            gen.errors += 1
            if gen.first_error is None:
                gen.first_error = buf[:end][-600:].decode(errors="replace")
        own = buf.find(self.marker, 0, end) >= 0
        self.buf = buf[end:]
        self.received += n
        gen.deliveries += n
        if own:
            now = time.perf_counter()
            gen.latencies.append(now - self.sent_at)
            if self.sent < self.to_send:
                self.send_message()
        if gen.deliveries >= gen.expected and not gen.phase_done.done():
            gen.phase_done.set_result(True)

    def send_message(self):
        self.sent += 1
        self.gen.sent += 1
        self.sent_at = time.perf_counter()
        self.transport.write(
            f"<message to='{self.room}' type='groupchat' id='m{self.sent}'><body>u{self.index}.{self.sent:06d}."
            f"{self.padding}</body></message>".encode())

    # --- setup phases: stanza splitting --------------------------------------------------------

    def split(self):
        buf = self.buf
        depth = 0
        start = 0
        keep = 0
        for m in TAG.finditer(buf):
            closing, name, selfclosing = m.group(1), m.group(2), m.group(3)
            if name[:1] in (b"?", b"!"):
                keep = m.end()
                continue
            if name == b"stream:stream":
                if depth == 0:
                    keep = m.end()
                    self.event("open", m.group(0))
                    if closing:
                        self.event("close", None)
                continue
            if closing:
                depth -= 1
                if depth == 0:
                    keep = m.end()
                    self.stanza(name, buf[start:keep])
            elif selfclosing:
                if depth == 0:
                    keep = m.end()
                    self.stanza(name, buf[m.start():keep])
            else:
                if depth == 0:
                    start = m.start()
                depth += 1
        self.buf = buf[keep:]

    def event(self, key, value):
        fut = self.waiters.pop(key, None)
        if fut is not None and not fut.done():
            fut.set_result(value)

    def stanza(self, name, raw):
        if name == b"stream:features":
            self.event("features", raw)
        elif name in (b"success", b"failure"):
            self.event("auth", raw)
        elif name == b"iq":
            self.event("iq:" + (attr(raw, "id") or ""), raw)
        elif name == b"presence":
            frm = attr(raw, "from") or ""
            kind = attr(raw, "type")
            if frm.split("/")[0] != self.room:
                return
            if kind == "error":
                fut = self.waiters.pop("joined", None)
                if fut is not None and not fut.done():
                    fut.set_exception(Failure(f"{self.user}: join error {raw[:400]!r}"))
                return
            if kind == "unavailable":
                self.presences -= 1
                self.gen.presences -= 1
                return
            self.presences += 1
            self.gen.presences += 1
            if frm == self.occupant_jid and (b"code='110'" in raw or b'code="110"' in raw):
                self.event("joined", raw)
            if self.gen.presences >= self.gen.presences_expected and self.gen.presence_done is not None \
                    and not self.gen.presence_done.done():
                self.gen.presence_done.set_result(True)
        elif name == b"message":
            if b"<body" in raw:
                self.gen.setup_messages += 1
            if attr(raw, "type") == "error":
                self.gen.errors += 1
                if self.gen.first_error is None:
                    self.gen.first_error = raw[:600].decode(errors="replace")

    def wait(self, key):
        fut = asyncio.get_running_loop().create_future()
        self.waiters[key] = fut
        return fut

    # --- protocol steps ------------------------------------------------------------------------

    def open_stream(self):
        self.send(f"<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
                  f"to='{self.gen.args.domain}' version='1.0'>")

    async def login(self, password):
        args = self.gen.args
        loop = asyncio.get_running_loop()
        await loop.create_connection(lambda: self, args.host, args.port)
        features = self.wait("features")
        self.open_stream()
        raw = await features
        if b"PLAIN" not in raw:
            raise Failure(f"{self.user}: no SASL PLAIN offered: {raw[:400]!r}")
        auth = self.wait("auth")
        token = base64.b64encode(f"\0{self.user}\0{password}".encode()).decode()
        self.send(f"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{token}</auth>")
        raw = await auth
        if not raw.startswith(b"<success"):
            raise Failure(f"{self.user}: authentication failed: {raw[:400]!r}")
        features = self.wait("features")
        self.open_stream()
        stream_features = await features
        bound = self.wait("iq:bind")
        self.send("<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>bench</resource></bind></iq>")
        raw = await bound
        if attr(raw, "type") != "result":
            raise Failure(f"{self.user}: bind failed: {raw[:400]!r}")
        if b"xmpp-session" in stream_features and b"<optional" not in stream_features:
            done = self.wait("iq:session")
            self.send("<iq type='set' id='session'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>")
            await done

    async def join(self, owner):
        joined = self.wait("joined")
        self.send(f"<presence to='{self.occupant_jid}'><x xmlns='{NS_MUC}'><history maxstanzas='0'/></x></presence>")
        await joined
        if owner:
            result = self.wait("iq:config")
            self.send(f"<iq type='set' id='config' to='{self.room}'><query xmlns='{NS_MUC}#owner'>"
                      "<x xmlns='jabber:x:data' type='submit'>"
                      f"<field var='FORM_TYPE'><value>{NS_MUC}#roomconfig</value></field>"
                      "<field var='muc#roomconfig_persistentroom'><value>1</value></field>"
                      "</x></query></iq>")
            raw = await result
            if attr(raw, "type") != "result":
                raise Failure(f"{self.user}: room configuration refused: {raw[:600]!r}")

    def start_fast(self):
        self.fast = True
        if self.buf:
            rest, self.buf = self.buf, b""
            self.count(rest)

    async def close(self):
        if self.transport is None or self.transport.is_closing():
            return
        self.send("</stream:stream>")
        try:
            await asyncio.wait_for(asyncio.shield(self.closed), 5)
        except asyncio.TimeoutError:
            self.transport.close()


class Generator:
    def __init__(self, args):
        self.args = args
        self.phase = "setup"
        self.failure = None
        self.failed = None
        self.deliveries = 0
        self.expected = 0
        self.sent = 0
        self.errors = 0
        self.first_error = None
        self.setup_messages = 0
        self.presences = 0
        self.presences_expected = args.rooms * args.occupants * args.occupants
        self.presence_done = None
        self.phase_done = None
        self.latencies = []
        self.clients = []

    def fail(self, why):
        if self.failure is None:
            self.failure = why
        if self.failed is not None and not self.failed.done():
            self.failed.set_result(why)

    async def guarded(self, aw, seconds, what):
        """Awaits aw, failing on a timeout or on a lost connection."""
        task = asyncio.ensure_future(aw)
        done, _ = await asyncio.wait({task, self.failed}, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            return task.result()
        task.cancel()
        if self.failed in done:
            raise Failure(self.failed.result())
        raise Failure(f"{what}: timed out after {seconds} s")

    async def windowed(self, coros, window):
        sem = asyncio.Semaphore(window)

        async def one(c):
            async with sem:
                return await c
        await asyncio.gather(*(one(c) for c in coros))

    def snapshot(self):
        return {
            "time": time.perf_counter(),
            "server": proc_cpu_ticks(self.args.server_pid),
            "service": proc_cpu_ticks(self.args.service_pid),
            "self": sum(os.times()[:2]),
            "machine": machine_busy_ticks(),
        }

    async def message_phase(self, name, per_sender):
        args = self.args
        self.phase = name
        self.deliveries = 0
        self.sent = 0
        self.latencies = []
        senders = [c for c in self.clients if (c.index - 1) % args.occupants < args.senders]
        self.expected = args.occupants * len(senders) * per_sender  # senders of every room
        self.phase_done = asyncio.get_running_loop().create_future()
        for c in self.clients:
            c.received = 0
        for c in senders:
            c.to_send = c.sent + per_sender
        before = self.snapshot()
        for c in senders:
            c.send_message()
        timed_out = False
        try:
            await self.guarded(self.phase_done, args.timeout, f"{name} phase")
        except Failure as e:
            if "timed out" not in str(e):
                raise
            timed_out = True
        after = self.snapshot()
        seconds = after["time"] - before["time"]
        if not timed_out:
            # Anything beyond the expected count (duplicates) arrives right after the last one.
            await asyncio.sleep(0.2)
        return self.phase_report(before, after, seconds, timed_out)

    def phase_report(self, before, after, seconds, timed_out):
        deliveries = self.deliveries
        cpu = {}
        machine_cores = (after["machine"] - before["machine"]) / CLK_TCK / seconds if seconds > 0 else None
        measured = 0.0
        for label, key, pid in (("server", "server", self.args.server_pid),
                                ("idle_component" if self.args.service_idle else "service", "service", self.args.service_pid)):
            if before[key] is None or after[key] is None:
                continue
            ticks = after[key] - before[key]
            sec = ticks / CLK_TCK
            measured += sec
            cpu[label] = {
                "cpu_ms": round(sec * 1000, 2),
                "utilisation": round(sec / seconds, 3) if seconds > 0 else None,
                "us_per_item": round(sec * 1e6 / deliveries, 3) if deliveries else None,
            }
        own = after["self"] - before["self"]
        measured += own
        cpu["bench"] = {
            "cpu_ms": round(own * 1000, 2),
            "utilisation": round(own / seconds, 3) if seconds > 0 else None,
            "us_per_item": round(own * 1e6 / deliveries, 3) if deliveries else None,
            "saturated": seconds >= 0.5 and own / seconds >= 0.9,
        }
        lat = sorted(self.latencies)

        def pct(p):
            if not lat:
                return None
            return round(lat[min(len(lat) - 1, int(len(lat) * p / 100))] * 1e6, 1)
        return {
            "seconds": round(seconds, 4),
            "timed_out": timed_out,
            "sent": self.sent,
            "deliveries": deliveries,
            "expected": self.expected,
            "missing": max(0, self.expected - deliveries),
            "extra": max(0, deliveries - self.expected),
            "deliveries_per_second": round(deliveries / seconds, 1) if seconds > 0 else None,
            "messages_per_second": round(self.sent / seconds, 1) if seconds > 0 else None,
            "latency_us": {"count": len(lat), "p50": pct(50), "p90": pct(90), "p99": pct(99),
                           "max": round(lat[-1] * 1e6, 1) if lat else None},
            "cpu": cpu,
            "machine": {
                "busy_cores": round(machine_cores, 2) if machine_cores is not None else None,
                "other_cores": round(max(0.0, machine_cores - measured / seconds), 2)
                if machine_cores is not None and seconds > 0 else None,
            },
        }

    async def quiet(self, seconds=10.0, threshold=0.05):
        """Waits (at most `seconds`) until the server and the component use less than `threshold`
        of a core over 0.3 s: the presence traffic of the joins has drained."""
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            a = self.snapshot()
            await asyncio.sleep(0.3)
            b = self.snapshot()
            busy = sum((b[k] - a[k]) for k in ("server", "service") if a[k] is not None and b[k] is not None)
            if busy / CLK_TCK / (b["time"] - a["time"]) < threshold:
                return

    async def run(self):
        args = self.args
        loop = asyncio.get_running_loop()
        self.failed = loop.create_future()
        run_id = args.run_id or f"{args.tag.lower()}{os.getpid()}"
        n = 0
        rooms = []
        for r in range(args.rooms):
            room = f"{run_id}-{r}@{args.muc}"
            members = []
            for o in range(args.occupants):
                n += 1
                c = Client(self, n, f"{args.user_prefix}{n}", room, f"n{o}")
                members.append(c)
                self.clients.append(c)
            rooms.append(members)
        phases = {}
        correctness = {"ok": False}
        result = {}
        try:
            t0 = time.perf_counter()
            self.phase = "logins"
            await self.guarded(self.windowed([c.login(args.password) for c in self.clients], args.window),
                               args.setup_timeout, "logins")
            t1 = time.perf_counter()
            phases["logins"] = {"seconds": round(t1 - t0, 3), "count": len(self.clients),
                                "per_second": round(len(self.clients) / (t1 - t0), 1)}
            self.phase = "joins"
            self.presence_done = loop.create_future()

            async def fill(members):
                await members[0].join(owner=True)
                await asyncio.gather(*(c.join(owner=False) for c in members[1:]))
            await self.guarded(self.windowed([fill(m) for m in rooms], max(1, args.window // max(1, args.occupants))),
                               args.setup_timeout, "joins")
            await self.guarded(self.presence_done, args.setup_timeout, "presences of the joins")
            t2 = time.perf_counter()
            phases["joins"] = {"seconds": round(t2 - t1, 3), "count": len(self.clients),
                               "per_second": round(len(self.clients) / (t2 - t1), 1)}
            await self.quiet()
            for c in self.clients:
                c.start_fast()
            if args.warmup:
                phases["warmup"] = await self.message_phase("warmup", args.warmup)
                if phases["warmup"]["timed_out"] or self.failure:
                    raise Failure(self.failure or "warm-up phase timed out")
            phases["messages"] = await self.message_phase("messages", args.messages)
        except Failure as e:
            self.fail(str(e))
        except OSError as e:
            self.fail(f"{type(e).__name__}: {e}")
        finally:
            self.phase = "closing"
            await asyncio.gather(*(c.close() for c in self.clients), return_exceptions=True)
            self.phase = "done"

        m = phases.get("messages")
        problems = []
        if self.failure:
            problems.append(self.failure)
        if m is None:
            problems.append("no message phase")
        else:
            if m["missing"]:
                problems.append(f"missing={m['missing']}")
            if m["extra"]:
                problems.append(f"extra={m['extra']}")
        if self.errors:
            problems.append(f"errors={self.errors}")
        if self.setup_messages:
            problems.append(f"unexpected_messages_in_setup={self.setup_messages}")
        correctness = {"ok": not problems, "problems": problems, "errors": self.errors,
                       "first_error": self.first_error, "failure": self.failure}
        saturated = [name for name, p in phases.items() if p.get("cpu", {}).get("bench", {}).get("saturated")]
        result = {
            "mode": "c2s",
            "target": args.target,
            "tag": args.tag,
            "scenario": {"rooms": args.rooms, "occupants": args.occupants, "messages": args.messages,
                         "senders": args.senders, "payload": args.payload, "in_flight": 1, "warmup": args.warmup},
            "joins_per_second": phases.get("joins", {}).get("per_second"),
            "logins_per_second": phases.get("logins", {}).get("per_second"),
            "deliveries_per_second": m and m["deliveries_per_second"],
            "messages_per_second": m and m["messages_per_second"],
            "p50_us": m and m["latency_us"]["p50"],
            "p99_us": m and m["latency_us"]["p99"],
            "cpu_us_per_delivery": m and m["cpu"].get("server", {}).get("us_per_item"),
            "component_cpu_us_per_delivery": m and m["cpu"].get("service", {}).get("us_per_item"),
            "bench_cpu_us_per_delivery": m and m["cpu"]["bench"]["us_per_item"],
            "ok": not problems,
            "bench_saturated": saturated,
            "phases": phases,
            "correctness": correctness,
            "muc": args.muc,
            "server_pid": args.server_pid,
            "service_pid": args.service_pid,
        }
        return result


def summary(r):
    parts = []
    if r.get("deliveries_per_second") is not None:
        parts.append(f"{r['deliveries_per_second']:.0f} deliveries/s")
    if r.get("cpu_us_per_delivery") is not None:
        parts.append(f"server {r['cpu_us_per_delivery']:.2f} µs CPU/delivery")
    if r.get("component_cpu_us_per_delivery") is not None:
        parts.append(f"component {r['component_cpu_us_per_delivery']:.2f} µs")
    m = r["phases"].get("messages")
    if m:
        b = m["cpu"]["bench"]
        parts.append(f"load generator {b['utilisation']:.0%} of a core")
        parts.append(f"p99 {m['latency_us']['p99'] / 1000:.1f} ms" if m["latency_us"]["p99"] else "")
    parts.append("OK" if r["ok"] else "FAILED: " + "; ".join(r["correctness"]["problems"]))
    if r["bench_saturated"]:
        parts.append("bench-bound in " + ",".join(r["bench_saturated"]))
    return ", ".join(p for p in parts if p)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True, help="the server's c2s port")
    p.add_argument("--domain", default="localhost", help="the users' domain")
    p.add_argument("--muc", required=True, help="the MUC domain (e.g. muc.localhost)")
    p.add_argument("--user-prefix", default="u", help="accounts are PREFIX1..PREFIXn (default u)")
    p.add_argument("--password", default="bench")
    p.add_argument("--rooms", type=int, required=True)
    p.add_argument("--occupants", type=int, required=True)
    p.add_argument("--messages", type=int, required=True, help="messages per sender in the measured phase")
    p.add_argument("--senders", type=int, default=0, help="senders per room (default: every occupant)")
    p.add_argument("--warmup", type=int, default=2, help="messages per sender of an unmeasured first phase")
    p.add_argument("--payload", type=int, default=64, help="body length in bytes")
    p.add_argument("--window", type=int, default=100, help="logins (and joining clients) at once")
    p.add_argument("--server-pid", type=int, help="the XMPP server's pid (CPU per delivery)")
    p.add_argument("--service-pid", type=int, help="the MUC component's pid")
    p.add_argument("--service-idle", action="store_true",
                   help="the component is not the MUC under test (its CPU is reported as idle_component)")
    p.add_argument("--target", required=True, help="the result line's target (e.g. c2s-ours)")
    p.add_argument("--tag", required=True, help="the result line's tag (the scenario letter)")
    p.add_argument("--run-id", help="prefix of the room names (default: the tag and the pid)")
    p.add_argument("--timeout", type=float, default=300, help="seconds a message phase may take")
    p.add_argument("--setup-timeout", type=float, default=180, help="seconds logins or joins may take")
    p.add_argument("--json-out", help="append the JSON line to this file")
    args = p.parse_args()
    if args.senders <= 0 or args.senders > args.occupants:
        args.senders = args.occupants
    gen = Generator(args)
    result = asyncio.run(gen.run())
    line = json.dumps(result, separators=(",", ":"))
    print(line)
    print(summary(result), file=sys.stderr)
    if args.json_out:
        with open(args.json_out, "a") as f:
            f.write(line + "\n")
    sys.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
