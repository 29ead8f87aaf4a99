#!/usr/bin/python3
"""Drives `sigplay play --control` with Python's websockets (Debian's
python3-websockets), a client we did not write. Usage:
  control_client.py PORT TOKEN STATE_FILE|- SECOND_SOURCE SHOT_PATH|- MODE
MODE is "window" or "headless". Prints "ok: ..." per check; exits 1 at the
first failure."""
import asyncio
import json
import os
import sys

import websockets

PORT, TOKEN, STATE, SECOND, SHOT, MODE = sys.argv[1:7]
URL = f"ws://127.0.0.1:{PORT}/"


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def ok(msg):
    print(f"ok: {msg}")


class Client:
    def __init__(self, ws):
        self.ws, self.rid, self.events = ws, 0, []

    async def cmd(self, *command):
        self.rid += 1
        await self.ws.send(json.dumps({"command": list(command), "request_id": self.rid}))
        return await self.reply(self.rid)

    async def reply(self, rid):
        while True:
            # long enough for a window that is still opening on a busy machine
            m = json.loads(await asyncio.wait_for(self.ws.recv(), 60))
            if "event" in m:
                self.events.append(m)
            elif m.get("request_id") == rid:
                return m


async def refused(url, **kw):
    try:
        async with websockets.connect(url, open_timeout=5, **kw) as ws:
            await ws.send(json.dumps({"command": ["get_property", "time"]}))
            await asyncio.wait_for(ws.recv(), 5)
    except (websockets.exceptions.InvalidStatusCode, websockets.exceptions.ConnectionClosed,
            websockets.exceptions.InvalidHandshake):
        return True
    return False


def state():
    with open(STATE) as f:
        return json.load(f)


async def wait_for(pred, what, timeout=15):
    for _ in range(int(timeout * 10)):
        if await pred():
            return
        await asyncio.sleep(0.1)
    fail(f"timed out waiting for {what}")


async def main():
    # 1. authentication
    if not await refused(URL):
        fail("a client without a token was not closed")
    if not await refused(URL + "?token=wrong"):
        fail("a wrong ?token= was accepted")
    async with websockets.connect(URL) as ws:
        await ws.send(json.dumps({"auth": "wrong"}))
        try:
            await asyncio.wait_for(ws.recv(), 5)
            fail("a wrong {auth} was answered")
        except websockets.exceptions.ConnectionClosed:
            pass
    ok("no token, a wrong ?token= and a wrong {auth} are refused")
    async with websockets.connect(URL) as ws:
        await ws.send(json.dumps({"auth": TOKEN}))
        r = json.loads(await asyncio.wait_for(ws.recv(), 5))
        if r.get("error") != "success":
            fail(f"auth by message: {r}")
        c = Client(ws)
        if (await c.cmd("get_property", "duration_ms"))["data"] <= 0:
            fail("duration after {auth}")
    ok("{auth: TOKEN} and ?token= are accepted")

    async with websockets.connect(URL + "?token=" + TOKEN) as ws:
        c = Client(ws)
        # 2. seek, with the state file agreeing
        await c.cmd("set_property", "pause", True)
        r = await c.cmd("seek", 30000)
        if r["error"] != "success":
            fail(f"seek: {r}")
        t = (await c.cmd("get_property", "time"))["data"]
        if abs(t - 30000) > 100:
            fail(f"time after seek 30000 is {t}")
        if STATE != "-":
            async def agrees():
                return abs(state()["t_ms"] - 30000) <= 100
            await wait_for(agrees, "the state file at 30000")
        ok(f"seek 30000: time {t}" + (", state file agrees" if STATE != "-" else ""))
        # 3. pause, speed, layout
        if (await c.cmd("get_property", "pause"))["data"] is not True:
            fail("pause true not reported")
        r = await c.cmd("set_property", "speed", 1.5)
        if r["error"] != "success" or (await c.cmd("get_property", "speed"))["data"] != 1.5:
            fail(f"speed 1.5: {r}")
        if (await c.cmd("set_property", "speed", 7))["error"] == "success":
            fail("speed 7 accepted")
        r = await c.cmd("set_property", "layout", "grid")
        if r["error"] != "success" or (await c.cmd("get_property", "layout"))["data"] != "grid":
            fail(f"layout grid: {r}")
        if STATE != "-":
            async def grid():
                s = state()
                return s["layout"] == "grid" and s["speed"] == 1.5 and s["paused"]
            await wait_for(grid, "the state file with grid, 1.5x, paused")
        ok("pause, speed 1.5 (7 refused), layout grid")
        # 4. observe: events in order
        for i, p in enumerate(["time", "pause", "ended", "buffering", "chapter"], 1):
            if (await c.cmd("observe_property", i, p))["error"] != "success":
                fail(f"observe {p}")
        await c.cmd("set_property", "pause", False)
        await asyncio.sleep(1.5)
        await c.cmd("set_property", "pause", True)
        # the change is published on the player's next pass, which may come
        # after a reply: ask again (bounded) until the pause event is in
        for _ in range(40):
            await c.cmd("get_property", "time")  # drains the events sent before it
            pauses = [e["data"] for e in c.events if e["name"] == "pause"]
            if len(pauses) >= 3:
                break
            await asyncio.sleep(0.05)
        times = [e["data"] for e in c.events if e["name"] == "time"]
        pauses = [e["data"] for e in c.events if e["name"] == "pause"]
        names = {e["name"] for e in c.events}
        if not {"time", "pause", "ended", "buffering", "chapter"} <= names:
            fail(f"initial values of every observed property: got {sorted(names)}")
        if len(times) < 3 or times != sorted(times):
            fail(f"time events not increasing: {times}")
        if len(times) > 1.5 * 4 + 3:
            fail(f"more than 4 time events a second: {len(times)}")
        if pauses[:3] != [True, False, True]:
            fail(f"pause events: {pauses}")
        ok(f"observe: {len(times)} time events in order, pause true/false/true")
        # 5. screenshot
        if SHOT != "-":
            r = await c.cmd("screenshot", SHOT)
            if r["error"] != "success" or not os.path.getsize(SHOT):
                fail(f"screenshot: {r}")
            ok(f"screenshot written to {r['data']}")
        else:
            r = await c.cmd("screenshot", "/nonexistent/x.png")
            if r["error"] == "success":
                fail("headless screenshot claimed success")
            ok("headless screenshot is an error reply")
        # 6. 50 malformed messages; the player runs on
        bad = ["", "{", "[]", "null", "42", '"x"', '{"command": 5}', '{"command": []}',
               '{"command": [5]}', '{"command": ["nope"]}', '{"command": ["seek"]}',
               '{"command": ["seek", "x"]}', '{"command": ["seek", 1, "sideways"]}',
               '{"command": ["set_property", "time", 5]}', '{"command": ["set_property", "x", 1]}',
               '{"command": ["set_property", "pause", 3]}', '{"command": ["get_property"]}',
               '{"command": ["observe_property", "a", "time"]}', '{"command": ["load"]}',
               '{"command": ["load", ""]}', '{"command": ["quit", 1]}', "\x00\x01",
               '{"command": ["seek", 1e400]}', '{"command": ["layout", {}]}']
        bad += ['{"command": ["seek", %s]}' % ("[" * (i + 1)) for i in range(50 - len(bad) - 2)]
        bad += ['{"command": ["get_property", "' + "a" * 5000 + '"]}', '{"request_id": 3}']
        assert len(bad) == 50
        for m in bad:
            await ws.send(m)
        errs = 0
        for _ in bad:
            r = json.loads(await asyncio.wait_for(ws.recv(), 10))
            while "event" in r:
                r = json.loads(await asyncio.wait_for(ws.recv(), 10))
            errs += r["error"] != "success"
        if errs != 50:
            fail(f"{errs} of 50 malformed messages got an error reply")
        if (await c.cmd("get_property", "duration_ms"))["data"] <= 0:
            fail("player gone after malformed messages")
        ok("50 malformed messages: 50 error replies, the player runs on")
        # 7. at most 8 clients: a ninth is refused
        extra = [await websockets.connect(URL + "?token=" + TOKEN) for _ in range(7)]
        if not await refused(URL + "?token=" + TOKEN):
            fail("a ninth client was accepted")
        for e in extra:
            await e.close()
        ok("8 clients connect, a ninth is refused")
        # 8. load a second recording
        d0 = (await c.cmd("get_property", "duration_ms"))["data"]
        r = await c.cmd("load", SECOND)
        if r["error"] != "success":
            fail(f"load: {r}")
        src = (await c.cmd("get_property", "source"))["data"]
        d1 = (await c.cmd("get_property", "duration_ms"))["data"]
        t1 = (await c.cmd("get_property", "time"))["data"]
        if src != SECOND or d1 == d0 or t1 > 2000:
            fail(f"after load: source {src}, duration {d0} -> {d1}, time {t1}")
        if (await c.cmd("load", "/nonexistent/replay.json"))["error"] == "success":
            fail("load of a missing SOURCE succeeded")
        if (await c.cmd("get_property", "source"))["data"] != SECOND:
            fail("a failed load replaced the recording")
        ok(f"load: duration {d0} -> {d1}; a failed load keeps the current one")
        # 9. quit
        r = await c.cmd("quit")
        if r["error"] != "success":
            fail(f"quit: {r}")
    ok("quit answered")


asyncio.run(main())
print("PASS")
