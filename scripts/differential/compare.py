#!/usr/bin/env python3
"""Compares what scansion scripts received from our service and from Prosody's MUC.

Input: two folders of recordings written by `scansion-run --record DIR` (one JSON file per script),
the first from our service, the second from Prosody's MUC (room domain muc.localhost). Each
recording is normalised on its own (see normalise_recording), then the two are compared per client,
stanza by stanza, order included, as a unified diff of the normalised stanzas (`-` Prosody's MUC,
`+` ours). A script whose diff equals its accepted file (DIFFERENCES/<script>.diff, diff after the
`# reason:` header) counts as "listed"; any other difference as "not listed".

Usage: compare.py [--scripts DIR] [--differences DIR] [--accept SCRIPT]... [--show-listed] OURS PROSODY
Exit status: 0 when no script differs unlisted, 1 otherwise.

Run by scripts/differential/run.sh; see scripts/differential/README.md.
"""

import argparse
import difflib
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

OUR_DOMAIN = "conference.localhost"
PROSODY_DOMAIN = "muc.localhost"
CLIENT = "jabber:client"
NS_OCCUPANT_ID = "urn:xmpp:occupant-id:0"
NS_SID = "urn:xmpp:sid:0"
NS_MAM = "urn:xmpp:mam:2"
NS_RSM = "http://jabber.org/protocol/rsm"
NS_DATA = "jabber:x:data"
NS_COMMANDS = "http://jabber.org/protocol/commands"
NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"
NS_MUC_USER = "http://jabber.org/protocol/muc#user"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# Queries whose items form a set: their order is not compared (XEP-0045 and XEP-0030 give the
# items of an affiliation list, of disco#items and the identities and features of disco#info no
# order; Prosody's comes from a Lua table).
UNORDERED = {
    ("http://jabber.org/protocol/muc#admin", "query"),
    ("http://jabber.org/protocol/disco#items", "query"),
    ("http://jabber.org/protocol/disco#info", "query"),
    # XEP-0059 gives <first/>, <last/> and <count/> no order.
    (NS_RSM, "set"),
}

TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)?$")
# A JID on the user domain with a resource: user@localhost/abc (not room@conference.localhost/Nick).
USER_FULL_JID_RE = re.compile(r"(?<![\w.+-])([\w.+-]+@localhost)/([^\s'\"<>]+)")
SCRIPT_VALUE_RE = re.compile(r"""=\s*(?:'([^']*)'|"([^"]*)")""")
TEXT_RE = re.compile(r">([^<>]+)<")


def script_literals(text):
    """Attribute values and element texts written in the script (substitutions left as written)."""
    values = set()
    for m in SCRIPT_VALUE_RE.finditer(text):
        values.add(m.group(1) if m.group(1) is not None else m.group(2))
    for m in TEXT_RE.finditer(text):
        t = m.group(1).strip()
        if t:
            values.add(t)
    return values


class Normaliser:
    """Normalises the stanzas of one recording; label numbering is per recording, by first appearance."""

    def __init__(self, recording, literals):
        self.literals = literals
        self.labels = {}        # (kind, value) -> label
        self.counters = {}
        self.value_kind = {}    # value -> kind, for ids seen in a labelled position
        self.full_jids = {}
        self.senders = []       # the `from` of the enclosing stanzas (forwarded ones included)
        for c in recording["clients"]:
            if c.get("fullJID"):
                self.full_jids[c["fullJID"]] = "${%s's full JID}" % c["name"]

    def label(self, kind, value, name=None):
        """The label of a generated value: `{kind N}` by first appearance, or `{kind of NAME}` when
        a name is given (occupant ids are named after the occupant JID they first came with, which
        does not depend on the order of presences that Prosody sends in Lua table order)."""
        key = (kind, value)
        if key not in self.labels:
            if name is not None:
                text = "{%s of %s}" % (kind, name)
                if text in self.labels.values():
                    text = "{%s of %s (another)}" % (kind, name)
                self.labels[key] = text
            else:
                self.counters[kind] = self.counters.get(kind, 0) + 1
                self.labels[key] = "{%s %d}" % (kind, self.counters[kind])
            self.value_kind.setdefault(value, kind)
        return self.labels[key]

    def value(self, v, attribute=None, labelled=False):
        """A normalised attribute value or text; `labelled`: an id position labelled by assign_labels."""
        if attribute == "id" and not labelled and v not in self.literals:
            # A generated stanza id (also when it happens to equal the stanza-id, as ours does).
            return "{id}"
        if v in self.value_kind:
            return self.labels[(self.value_kind[v], v)]
        if TIME_RE.match(v):
            return "{time}"

        def jid(m):
            full = m.group(0)
            if full in self.full_jids:
                return self.full_jids[full]
            if m.group(2) in self.literals or full in self.literals:
                return full
            return m.group(1) + "/" + self.label("resource", full)

        return USER_FULL_JID_RE.sub(jid, v)

    def assign_labels(self, e, ns):
        """Labels the generated ids this element carries, before its values are written; true when
        its `id` attribute is such a label."""
        if ns == NS_OCCUPANT_ID and local(e.tag) == "occupant-id" and e.get("id") is not None:
            sender = self.senders[-1] if self.senders else None
            name = sender.replace(PROSODY_DOMAIN, OUR_DOMAIN) if sender and "/" in sender else None
            self.label("occupant-id", e.get("id"), name)
            return True
        if ns == NS_SID and local(e.tag) == "stanza-id" and e.get("id") is not None:
            self.label("stanza-id", e.get("id"))
            return True
        if ns == NS_MAM and local(e.tag) == "result" and e.get("id") is not None:
            self.label("stanza-id", e.get("id"))
            return True
        elif ns == NS_RSM and local(e.tag) in ("first", "last") and (e.text or "").strip():
            t = e.text.strip()
            if t not in self.literals:
                self.label("stanza-id", t)
        return False

    def lines(self, e, parent_ns, depth, out):
        ns = namespace(e.tag)
        if ns == NS_DATA and local(e.tag) == "x":
            strip_form_presentation(e)
        pushed = e.get("from") is not None and local(e.tag) in ("message", "presence", "iq")
        if pushed:
            self.senders.append(e.get("from"))
        try:
            self.element_lines(e, ns, parent_ns, depth, out)
        finally:
            if pushed:
                self.senders.pop()

    def element_lines(self, e, ns, parent_ns, depth, out):
        labelled = self.assign_labels(e, ns)
        if depth == 1 and local(e.tag) == "message" and e.get("type") == "normal":
            # RFC 6121 §5.2.2: a message without type is of type normal.
            del e.attrib["type"]
        if ns == CLIENT and local(e.tag) == "error":
            # The human-readable <text/> of a stanza error (RFC 6120 §8.3.2: "descriptive text",
            # OPTIONAL) is wording; the condition, type and `by` are compared.
            for t in [c for c in e if c.tag == "{%s}text" % NS_STANZAS]:
                e.remove(t)
        if ns == NS_COMMANDS and local(e.tag) == "command" and e.get("sessionid") is not None:
            # XEP-0050 session ids are generated (Prosody: a UUID per execution).
            e.set("sessionid", "{session id}")
        if depth == 1 and e.get(XML_LANG) == "en":
            # Prosody stamps its default language on stanzas that come without one through the
            # component connection; its own MUC's stanzas carry none. Not a behaviour of the MUC.
            del e.attrib[XML_LANG]
        pad = "  " * depth
        head = "<" + local(e.tag)
        if ns != parent_ns:
            head += " xmlns='%s'" % ns
        attrs = []
        for k, v in e.attrib.items():
            name = k
            if k.startswith("{http://www.w3.org/XML/1998/namespace}"):
                name = "xml:" + local(k)
            elif k.startswith("{"):
                name = k
            attrs.append((name, self.value(v, attribute=name, labelled=labelled)))
        for name, v in sorted(attrs):
            head += " %s='%s'" % (name, v)
        text = (e.text or "").strip()
        children = list(e)
        if text:
            text = self.value(text)
        if not children:
            out.append(pad + head + ("/>" if not text else ">" + text + "</" + local(e.tag) + ">"))
            return
        out.append(pad + head + ">")
        if text:
            out.append(pad + "  " + text)
        blocks = []
        for c in children:
            block = []
            self.lines(c, ns, depth + 1, block)
            tail = (c.tail or "").strip()
            if tail:
                block.append(pad + "  " + self.value(tail))
            blocks.append((namespace(c.tag), local(c.tag), block))
        if depth == 1:
            # The order of a stanza's child elements carries no meaning (RFC 6120 §8.4): stable
            # sort by namespace and name; elements of one kind keep their order.
            blocks.sort(key=lambda b: (b[0] != CLIENT, b[0], b[1]))
        elif (ns, local(e.tag)) in UNORDERED:
            blocks.sort(key=lambda b: "\n".join(b[2]))
        elif ns == NS_MUC_USER and local(e.tag) == "x":
            # Several <item/>s (one per session of a multi-session occupant) form a set; Prosody
            # lists them in Lua table order. Other children keep their places.
            blocks = sort_runs(blocks, lambda b: b[1] == "item")
            # Likewise adjacent status codes: Prosody collects a notification's codes in a Lua
            # table (104 and 172 of one configuration change come in either order).
            blocks = sort_runs(blocks, lambda b: b[1] == "status")
        for b in blocks:
            out.extend(b[2])
        out.append(pad + "</" + local(e.tag) + ">")


def sort_runs(blocks, member):
    """Sorts each run of consecutive blocks for which `member` holds; the others keep their places."""
    out, run = [], []
    for b in blocks + [None]:
        if b is not None and member(b):
            run.append(b)
            continue
        out.extend(sorted(run, key=lambda r: "\n".join(r[2])))
        run = []
        if b is not None:
            out.append(b)
    return out


def strip_form_presentation(x):
    """Keeps what a data form means, not how it reads: drops <title/>, <instructions/>, fixed
    fields, <desc/> and labels, and sorts the fields by var (XEP-0004 leaves wording and layout to
    each service; ours and Prosody's are worded and grouped differently throughout)."""
    for child in list(x):
        name = local(child.tag)
        if name in ("title", "instructions") or (name == "field" and child.get("type") == "fixed"):
            x.remove(child)
    for field in x.iter("{%s}field" % NS_DATA):
        field.attrib.pop("label", None)
        for child in list(field):
            if local(child.tag) == "desc":
                field.remove(child)
            elif local(child.tag) == "option":
                child.attrib.pop("label", None)
        values = [c for c in field if local(c.tag) == "value"]
        if field.get("type") == "boolean":
            # XEP-0004 §3.3: 0/false, 1/true; a boolean without a value is false.
            if not values:
                v = ET.SubElement(field, "{%s}value" % NS_DATA)
                values = [v]
            for v in values:
                v.text = "1" if (v.text or "").strip() in ("1", "true") else "0"
        # The values of a list-multi field and the options of a list are sets of choices.
        rest = [c for c in field if local(c.tag) not in ("value", "option")]
        options = [c for c in field if local(c.tag) == "option"]
        if field.get("type") in ("list-multi", "jid-multi"):
            values.sort(key=lambda v: (v.text or "").strip())
        options.sort(key=lambda o: ET.tostring(o))
        for c in list(field):
            field.remove(c)
        for c in rest + values + options:
            field.append(c)
    for holder in [x] + x.findall("{%s}item" % NS_DATA):
        fields = [c for c in holder if local(c.tag) == "field"]
        others = [c for c in holder if local(c.tag) != "field"]
        for c in list(holder):
            holder.remove(c)
        for c in others + sorted(fields, key=lambda f: f.get("var") or ""):
            holder.append(c)


def namespace(tag):
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def local(tag):
    return tag.split("}", 1)[1] if tag.startswith("{") else tag


def normalise_recording(recording, literals, steps):
    """{client name: [lines]}: per client, per step a header line, then its stanzas, normalised."""
    n = Normaliser(recording, literals)
    result = {}
    for c in recording["clients"]:
        out = []
        run = []   # consecutive presences of other occupants, compared as a set
        last_step = None
        for r in c["received"]:
            xml = r["xml"].replace(PROSODY_DOMAIN, OUR_DOMAIN)
            # A stanza counts under the most recent action (connect, send, disconnect) at its
            # arrival: receive steps cause nothing, and whether an answer arrives before or after the
            # next receive step starts is timing.
            step = r["step"]
            while step > 1 and " receives:" in steps.get(step, {}).get("summary", ""):
                step -= 1
            if step != last_step:
                flush(run, out)
                last_step = step
                info = steps.get(step, {"line": 0, "summary": "before the first step"})
                out.append("@ step %d, line %d: %s" % (step, info["line"], info["summary"]))
            try:
                e = ET.fromstring(xml)
            except ET.ParseError as err:
                flush(run, out)
                out.append("  (unparsable: %s) %s" % (err, xml))
                continue
            block = []
            n.lines(e, CLIENT, 1, block)
            if local(e.tag) == "presence" and not is_self_presence(e):
                run.append(block)
            else:
                flush(run, out)
                out.extend(block)
        flush(run, out)
        result[c["name"]] = out
    return result


def is_self_presence(e):
    return any(local(s.tag) == "status" and s.get("code") == "110" for x in e for s in x)


def flush(run, out):
    """Writes a run of consecutive presences (not self-presences) sorted: XEP-0045 gives the
    presences of several occupants sent at one event (a join, a configuration change) no order,
    and Prosody's follows a Lua table, different from one run to the next."""
    for block in sorted(run, key=lambda b: "\n".join(b)):
        out.extend(block)
    run.clear()


def step_table(recording):
    """{step number: {line, summary}}."""
    table = {}
    for i, st in enumerate(recording.get("steps", [])):
        table[i + 1] = st if isinstance(st, dict) else {"line": 0, "summary": st}
    return table


def diff_script(ours, prosody, literals):
    """The unified diff of the normalised recordings, per client ('' when they are the same)."""
    steps = step_table(ours)
    a = normalise_recording(prosody, literals, steps)
    b = normalise_recording(ours, literals, steps)
    chunks = []
    for c in ours["clients"]:
        name = c["name"]
        left, right = a.get(name, []), b.get(name, [])
        if left == right:
            continue
        d = difflib.unified_diff(left, right, "prosody-muc/%s" % name, "ours/%s" % name, n=3, lineterm="")
        chunks.append("\n".join(d))
    return "\n".join(chunks) + ("\n" if chunks else "")


def read_accepted(path):
    """(reason lines, diff text) of an accepted-difference file, or (None, None)."""
    if not os.path.exists(path):
        return None, None
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    reason = []
    i = 0
    while i < len(lines) and (lines[i].startswith("#") or not lines[i].strip()):
        if lines[i].startswith("#"):
            reason.append(lines[i])
        i += 1
    body = "\n".join(lines[i:]) + ("\n" if lines[i:] else "")
    return reason, body


def has_reason(reason):
    text = " ".join(l.lstrip("#").strip() for l in reason)
    return text.startswith("reason:") and len(text) > len("reason:") + 10 and "TODO" not in text


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("ours")
    p.add_argument("prosody")
    p.add_argument("--scripts", default="Fixtures/scansion", help="the scripts as written (for their literal values)")
    p.add_argument("--differences", default="Fixtures/differential/differences")
    p.add_argument("--accept", action="append", default=[], help="write SCRIPT's current diff as accepted")
    p.add_argument("--show-listed", action="store_true", help="print listed diffs too")
    p.add_argument("--prosody-version", default="")
    args = p.parse_args()

    names = sorted(f[:-5] for f in os.listdir(args.ours) if f.endswith(".json"))
    names = sorted(set(names) | {f[:-5] for f in os.listdir(args.prosody) if f.endswith(".json")})
    same = listed = unlisted = 0
    unlisted_names = []
    stale_names = []
    for name in names:
        try:
            with open(os.path.join(args.ours, name + ".json"), encoding="utf-8") as f:
                ours = json.load(f)
            with open(os.path.join(args.prosody, name + ".json"), encoding="utf-8") as f:
                prosody = json.load(f)
        except OSError as err:
            print("%s: not recorded on both sides (%s)" % (name, err))
            unlisted += 1
            unlisted_names.append(name)
            continue
        with open(os.path.join(args.scripts, name + ".scs"), encoding="utf-8") as f:
            text = f.read()
        diff = diff_script(ours, prosody, script_literals(text))
        if ours.get("mismatches"):
            print("%s: note: %d expectation(s) of the script not met by OUR service (see its recording)"
                  % (name, len(ours["mismatches"])))
        path = os.path.join(args.differences, name + ".diff")
        if name in args.accept:
            reason, _ = read_accepted(path)
            if not diff:
                existed = os.path.exists(path)
                if existed:
                    os.remove(path)
                print("%s: same, nothing to accept%s" % (name, " (removed %s)" % path if existed else ""))
            else:
                os.makedirs(args.differences, exist_ok=True)
                with open(path, "w", encoding="utf-8") as f:
                    f.write("\n".join(reason or ["# reason: TODO (why ours differs, and why a user would accept it)"]) + "\n")
                    f.write(diff)
                print("%s: accepted into %s%s" % (name, path, "" if reason and has_reason(reason) else "; write its reason"))
        if not diff:
            same += 1
            if os.path.exists(path):
                # A difference listed for a script that no longer differs: the list must say what is.
                stale_names.append(name)
                print("same         %s (but %s still lists a difference: remove it)" % (name, path))
            else:
                print("same         %s" % name)
            continue
        reason, accepted = read_accepted(path)
        if accepted == diff and has_reason(reason):
            listed += 1
            print("differs      %s (listed: %s)" % (name, path))
            if args.show_listed:
                print("\n".join(reason))
                print(indent(diff))
        else:
            unlisted += 1
            unlisted_names.append(name)
            why = ("no accepted difference %s" % path if accepted is None else
                   "the accepted file has no reason yet (or it says TODO)" if accepted == diff else
                   "not as accepted in %s" % path)
            print("DIFFERS      %s (not listed: %s)" % (name, why))
            if accepted is not None and accepted != diff:
                print("  change against the accepted diff:")
                print(indent("\n".join(difflib.unified_diff(accepted.splitlines(), diff.splitlines(),
                                                            "accepted", "now", n=1, lineterm=""))))
                print("  the diff now:")
            print(indent(diff))
    total = len(names)
    print("%d scripts: %d same, %d differ (%d listed, %d not listed)%s"
          % (total, same, listed + unlisted, listed, unlisted,
             " against Prosody %s" % args.prosody_version if args.prosody_version else ""))
    for n in unlisted_names:
        print("    not listed: %s" % n)
    for n in stale_names:
        print("    listed but the same now: %s" % n)
    return 1 if unlisted or stale_names else 0


def indent(text):
    return "\n".join("    " + l for l in text.rstrip("\n").split("\n"))


if __name__ == "__main__":
    sys.exit(main())
