#!/usr/bin/env python3
"""The archive seen by a client library nobody here wrote (slixmpp, from PyPI).

    archive.py send HOST PORT ROOM COUNT FILE   user@localhost creates ROOM (persistent), sends
                                                COUNT messages and writes what it received back
                                                (stanza id, body), in order, to FILE as JSON
    archive.py read HOST PORT ROOM FILE         user2@localhost pages through ROOM's archive with
                                                slixmpp's XEP-0313 plugin (RSM pages of 7) and
                                                checks it holds exactly FILE's messages, in order,
                                                under the same ids

Both log in with password 'password' over plain TCP (the private test servers allow it). Exit
status 0 when the phase succeeded; a one-line reason otherwise.
"""
import asyncio
import json
import sys

import slixmpp
from slixmpp import JID

TIMEOUT = 30


class Client(slixmpp.ClientXMPP):
    def __init__(self, jid):
        super().__init__(jid, "password")
        for plugin in ("xep_0004", "xep_0030", "xep_0045", "xep_0059", "xep_0313", "xep_0359"):
            self.register_plugin(plugin)
        # The private servers of `make interop` speak plain TCP on loopback.
        self.enable_starttls = False
        self.enable_direct_tls = False
        self.enable_plaintext = True
        self.plugin["feature_mechanisms"].unencrypted_plain = True

    async def start(self, host, port):
        self.connect(host, int(port))
        await self.wait_until("session_start", timeout=TIMEOUT)
        self.send_presence()


async def send(host, port, room, count, path):
    c = Client("user@localhost")
    await c.start(host, port)
    room = JID(room)
    await c.plugin["xep_0045"].join_muc_wait(room, "Romeo", maxstanzas=0, timeout=TIMEOUT)
    form = c.plugin["xep_0004"].make_form(ftype="submit")
    form.add_field(var="FORM_TYPE", ftype="hidden", value="http://jabber.org/protocol/muc#roomconfig")
    form.add_field(var="muc#roomconfig_persistentroom", ftype="boolean", value=True)
    await c.plugin["xep_0045"].set_room_config(room, form, timeout=TIMEOUT)

    received = []
    done = asyncio.get_running_loop().create_future()

    def on_message(msg):
        if msg["from"].bare != room.bare or not msg["body"]:
            return
        received.append([msg["stanza_id"]["id"], msg["body"]])
        if len(received) == count and not done.done():
            done.set_result(True)

    c.add_event_handler("groupchat_message", on_message)
    for i in range(count):
        c.send_message(mto=room, mbody=f"slixmpp says {i}", mtype="groupchat")
    await asyncio.wait_for(done, TIMEOUT)
    bodies = [b for _, b in received]
    if bodies != [f"slixmpp says {i}" for i in range(count)]:
        raise SystemExit(f"the room reflected {len(bodies)} messages out of order or altered")
    if not all(i for i, _ in received):
        raise SystemExit("a reflected message carried no stanza id")
    with open(path, "w") as f:
        json.dump(received, f)
    c.disconnect()
    print(f"sent {count} messages; the room reflected them with their stanza ids")


async def read(host, port, room, path):
    with open(path) as f:
        expected = json.load(f)
    c = Client("user2@localhost")
    await c.start(host, port)
    got = []
    async for result in c.plugin["xep_0313"].iterate(jid=JID(room), rsm={"max": 7}):
        forwarded = result["mam_result"]["forwarded"]["stanza"]
        got.append([result["mam_result"]["id"], forwarded["body"]])
    c.disconnect()
    if got != expected:
        raise SystemExit(f"the archive returned {len(got)} messages; expected the {len(expected)} that were delivered, "
                         f"first difference at {next((i for i, (a, b) in enumerate(zip(got, expected)) if a != b), min(len(got), len(expected)))}")
    print(f"read {len(got)} messages back through XEP-0313, same ids, same order")


def main(argv):
    if len(argv) >= 6 and argv[1] == "send":
        asyncio.run(send(argv[2], argv[3], argv[4], int(argv[5]), argv[6]))
    elif len(argv) >= 5 and argv[1] == "read":
        asyncio.run(read(argv[2], argv[3], argv[4], argv[5]))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
