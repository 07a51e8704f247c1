#!/usr/bin/env python3
"""A starting point for a shim: shim protocol v1 (harness/SHIM.md), Python 3 standard library.

Copy this file, fill in the seven functions under "Your implementation" and declare in the
block under "What this shim is" what they really support. Unmodified, it supports nothing:
`hello` and `reset` are answered, every other operation is `unsupported`, so a run of the
conformance suite against it checks nothing and exits 2 (harness/shims/templates/README.md).

Run it: e2ee-conform run --impl shim:"python3 path/to/shim.py" --profile signal-v3
"""

import json
import os
import re
import sys
import traceback

# Only replies may reach stdout (SHIM.md, Framing). Replies are written to REPLIES; anything
# else printed by this file or by a library it loads goes to stderr, which the runner shows
# as the shim's logs. Import your implementation below these lines, so that even what it
# prints while loading goes to stderr.
REPLIES = sys.stdout
sys.stdout = sys.stderr


def log(*args):
    print("[shim]", *args, file=sys.stderr, flush=True)


# The protocol version this shim speaks (SHIM.md, Versions): 1.2.
PROTOCOL = 1
MINOR = 2

# ---------------------------------------------------------------------------------------
# What this shim is. FILL IN: your implementation's name and version, and add what your
# functions below really implement. A declared profile or capability is tested; whatever
# is then answered `unsupported` is counted as skipped, never as passed (SHIM.md, Checklist).

NAME = "my-implementation"
VERSION = "0.0.0"
# Subset of "modern", "signal-v3", "olm-v1" (SHIM.md, Profiles).
PROFILES = []
# Subset of "deterministic" (or "random-signatures"), "import-keys", "header-encryption",
# "snapshot" (SHIM.md, Operations: which injected fields you honour).
CAPABILITIES = []
# The classes of SHIM.md, Errors, that your functions raise and can tell apart. This
# template rejects nothing, so it lists none.
ERROR_CLASSES = []
# Per profile, the version bytes your messages start with (SHIM.md, Wire variants), the one
# you write by default first. Leave it empty if you write what libsignal writes (0x34); a
# port of libsignal-protocol-java writes 0x33: {"signal-v3": ["33"]}.
VERSION_BYTES = {}
# The limits you keep where they are stricter than a profile's (SHIM.md, Limits), e.g.
# {"signal-v3": {"max_skip": 2000}}. One you keep but do not declare fails the limit tests.
LIMITS = {}

# ---------------------------------------------------------------------------------------
# Errors

# SHIM.md, Errors: the closed set of classes, plus `unsupported`.
CLASSES = (
    "decode_error",
    "auth_failure",
    "duplicate_message",
    "too_far_ahead",
    "invalid_key",
    "untrusted_identity",
    "bad_signature",
    "unknown_prekey",
    "state_error",
    "unsupported",
)


class Reject(Exception):
    """An error reply. `cls` is one of CLASSES; `detail` is for people and never compared."""

    def __init__(self, cls, detail):
        if cls not in CLASSES:
            # Not a rejection but a bug in this shim: the runner would call it malformed.
            raise ValueError(f"{cls!r} is not an error class of SHIM.md")
        super().__init__(detail)
        self.cls = cls
        self.detail = detail


def unsupported(op):
    return Reject("unsupported", f"{op} is not implemented by this shim")


# Request fields. A missing or malformed field is the runner's fault: decode_error.

HEX = re.compile(r"(?:[0-9a-fA-F]{2})*")


def field(req, name, kind, optional=False):
    """`req[name]` if it is a `kind` (str, int, bool or dict); ints are unsigned."""
    value = req.get(name)
    if value is None:
        if optional:
            return None
        raise Reject("decode_error", f"missing field {name}")
    if kind is int:
        good = isinstance(value, int) and not isinstance(value, bool) and value >= 0
    else:
        good = isinstance(value, kind)
    if not good:
        raise Reject("decode_error", f"field {name} is not a {kind.__name__}")
    return value


def hex_field(req, name, optional=False):
    """A byte string field (hex on the wire, SHIM.md, Framing) as bytes."""
    value = field(req, name, str, optional)
    if value is None:
        return None
    if not HEX.fullmatch(value):
        raise Reject("decode_error", f"field {name} is not hex")
    return bytes.fromhex(value)


# ---------------------------------------------------------------------------------------
# Your implementation: one function per operation (SHIM.md, Operations). Each takes the
# request (a dict; read it with `field` and `hex_field`) and returns the `ok` object as a
# dict, with byte strings as lowercase hex (`b.hex()`), or raises Reject(class, detail).

# Everything the shim remembers lives here, so that `reset` forgets it all.
parties = {}  # party handle -> your party: identity, prekeys, one session per peer
snapshots = {}  # snapshot handle -> a copy of a party's whole state


def hello(req):
    # SHIM.md, Operations: hello. Answers what this shim is; fill in the block above.
    if req.get("protocol") != PROTOCOL:
        log(f"the runner asked for protocol {req.get('protocol')!r}; this shim speaks {PROTOCOL}")
    # Speak the runner's minor if it is older than ours (a runner that sends none speaks 1.0).
    minor = min(MINOR, req.get("minor", 0)) if isinstance(req.get("minor", 0), int) else 0
    reply = {
        "protocol": PROTOCOL,
        "minor": minor,
        "name": NAME,
        "version": VERSION,
        "profiles": PROFILES,
        "capabilities": CAPABILITIES,
        "error_classes": ERROR_CLASSES,
    }
    if minor >= 2:
        reply["version_bytes"] = VERSION_BYTES
        if LIMITS:
            reply["limits"] = LIMITS
    return reply


def reset(req):
    # SHIM.md, Operations: reset. Sent before every test; forget every party, session and
    # snapshot. Clear here anything else you add.
    parties.clear()
    snapshots.clear()
    return {}


def create_party(req):
    # SHIM.md, Operations: create_party, and Profiles. A new party in `profile` (unsupported
    # for a profile you do not declare); honour `identity_private` with `import-keys`.
    # Return {"party": handle, "identity_key": hex}.
    raise unsupported("create_party")


def create_bundle(req):
    # SHIM.md, Operations: create_bundle. Prekeys for `party`, returned as a bundle (olm-v1:
    # identity and one-time key only); honour the `*_private` fields with `import-keys`.
    raise unsupported("create_bundle")


def initiate(req):
    # SHIM.md, Operations: initiate, and Identities. Verify `bundle` (bad_signature,
    # invalid_key), pin the peer's identity, start a session as the initiator. Return {}.
    raise unsupported("initiate")


def encrypt(req):
    # SHIM.md, Operations: encrypt. Encrypt `plaintext` to `peer`; `kind` stays "prekey"
    # until this party has decrypted a reply. Return {"kind": ..., "message": hex}.
    raise unsupported("encrypt")


def decrypt(req):
    # SHIM.md, Operations: decrypt, and Errors. A failed decrypt must leave the party's state
    # exactly as it was; a prekey message may start a session. Return {"plaintext": hex}.
    raise unsupported("decrypt")


def snapshot(req):
    # SHIM.md, Operations: snapshot (capability `snapshot`). Copy the party's whole state;
    # return {"snapshot": handle}.
    raise unsupported("snapshot")


def restore(req):
    # SHIM.md, Operations: restore. The party's state becomes the copy, which stays usable
    # for another restore. Return {}.
    raise unsupported("restore")


OPS = {
    "hello": hello,
    "reset": reset,
    "create_party": create_party,
    "create_bundle": create_bundle,
    "initiate": initiate,
    "encrypt": encrypt,
    "decrypt": decrypt,
    "snapshot": snapshot,
    "restore": restore,
}

# ---------------------------------------------------------------------------------------
# The JSON-lines loop (SHIM.md, Framing). Nothing below needs changing.

# Longest request line read, as the runner's own limit on replies: a longer one is
# answered decode_error rather than held in memory.
MAX_LINE = 4 << 20


def line_of(reply):
    return json.dumps(reply, separators=(",", ":"))


def bad_request(id, why):
    return {"id": id, "error": {"class": "decode_error", "detail": f"bad request: {why}"}}


def answer(line):
    """The reply to one request line (bytes), or None for a blank line. A line that is not
    a request gets decode_error (with no id when none can be read); an exception other than
    Reject raised by an operation is a bug in the shim and is left to the caller."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return bad_request(None, "line is not UTF-8")
    if not text.strip():
        return None
    try:
        req = json.loads(text)
    except (ValueError, RecursionError) as e:
        return bad_request(None, f"not JSON ({e})")
    if not isinstance(req, dict):
        return bad_request(None, "not a JSON object")
    id = req.get("id")
    if not isinstance(id, int) or isinstance(id, bool) or id < 0:
        return bad_request(None, "missing or non-integer id")
    op = req.get("op")
    if not isinstance(op, str) or op not in OPS:
        return bad_request(id, f"unknown op {op!r}")
    try:
        ok = OPS[op](req)
    except Reject as r:
        return {"id": id, "error": {"class": r.cls, "detail": r.detail}}
    if not isinstance(ok, dict):
        raise TypeError(f"{op} returned {type(ok).__name__}, not a dict")
    return {"id": id, "ok": ok}


def encode(line):
    """The reply line to a request line, or None for a blank line."""
    try:
        reply = answer(line)
        return None if reply is None else line_of(reply)
    except Exception:
        # Any answer would be a guess that could pass a test that should fail. Exit instead:
        # the runner reports this test as failed, with the traceback below in the shim's log,
        # and starts the shim afresh for the next test.
        log("bug in the shim while answering", line[:200], "\n" + traceback.format_exc())
        sys.exit(70)


def main():
    stdin = sys.stdin.buffer
    while True:
        line = stdin.readline(MAX_LINE + 1)
        if not line:
            return  # stdin closed: the run is over
        if len(line) > MAX_LINE and not line.endswith(b"\n"):
            while True:  # skip the rest of the line, then answer it
                rest = stdin.readline(MAX_LINE)
                if not rest or rest.endswith(b"\n"):
                    break
            reply = line_of(bad_request(None, f"line longer than {MAX_LINE} bytes"))
        else:
            reply = encode(line)
        if reply is not None:
            REPLIES.write(reply + "\n")
            REPLIES.flush()


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:
        # The runner has gone: nothing is left to answer. Point stdout at /dev/null so that
        # Python's final flush does not complain about the closed pipe.
        os.dup2(os.open(os.devnull, os.O_WRONLY), REPLIES.fileno())
    except KeyboardInterrupt:
        pass
