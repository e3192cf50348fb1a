"""Runs every interop flow for the Python SDK against a running `pam serve`.

Started by `cargo xtask interop` with the environment described in interop/README.md. Every
module `flows_*.py` in this directory is imported, and every function in it whose name starts
with `flow_` is called, in file then definition order, with a `Context`. A flow reports each
check with `ctx.check(name, passed, detail)`; the line protocol (`ok NAME` / `FAIL NAME<TAB>why`)
is what the harness counts. An exception in a flow is one failed check named after the flow.
"""

import importlib
import inspect
import json
import os
import pathlib
import subprocess
import sys
import traceback

from pubnub.pnconfiguration import PNConfiguration
from pubnub.pubnub import PubNub


class Context:
    """What a flow needs: the servers, the keysets, the `pam` binary, and `check`."""

    def __init__(self):
        env = os.environ
        self.origin = env["PAM_ORIGIN"]
        self.skewed_origin = env["PAM_SKEWED_ORIGIN"]
        self.sub = env["PAM_SUB"]
        self.pub = env["PAM_PUB"]
        self.secret = env["PAM_SECRET"]
        self.sub_norevoke = env["PAM_SUB_NOREVOKE"]
        self.pub_norevoke = env["PAM_PUB_NOREVOKE"]
        self.secret_norevoke = env["PAM_SECRET_NOREVOKE"]
        self.pam_bin = env["PAM_BIN"]
        self.flow = ""
        self.failures = 0

    def client(self, user_id, secret=True, origin=None, sub=None, pub=None, secret_key=None):
        """A PubNub client for `user_id` on the main keyset (with its secret key unless
        `secret` is false), pointed at the emulator over plain HTTP."""
        config = PNConfiguration()
        config.subscribe_key = sub or self.sub
        config.publish_key = pub or self.pub
        if secret:
            config.secret_key = secret_key or self.secret
        config.user_id = user_id
        config.origin = origin or self.origin
        config.ssl = False
        config.enable_subscribe = False
        return PubNub(config)

    def pam_parse(self, token):
        """`pam token parse --json TOKEN`, as a dict."""
        out = subprocess.run(
            [self.pam_bin, "token", "parse", "--json", token],
            check=True, capture_output=True, text=True,
        )
        return json.loads(out.stdout)

    def check(self, name, passed, detail=""):
        line_name = f"{self.flow}: {name}"
        if passed:
            print(f"ok {line_name}", flush=True)
        else:
            self.failures += 1
            detail = " ".join(str(detail).split())[:400]
            print(f"FAIL {line_name}\t{detail}", flush=True)
        return passed


def main():
    here = pathlib.Path(__file__).resolve().parent
    sys.path.insert(0, str(here))
    ctx = Context()
    for path in sorted(here.glob("flows_*.py")):
        module = importlib.import_module(path.stem)
        flows = [
            (name, fn) for name, fn in inspect.getmembers(module, inspect.isfunction)
            if name.startswith("flow_") and fn.__module__ == module.__name__
        ]
        flows.sort(key=lambda item: item[1].__code__.co_firstlineno)
        for name, flow in flows:
            ctx.flow = name[len("flow_"):]
            try:
                flow(ctx)
            except Exception as error:  # one failed check, with where it happened
                ctx.check("runs to the end", False,
                          f"{type(error).__name__}: {error} at "
                          + traceback.format_exc().strip().splitlines()[-3].strip())
    sys.exit(1 if ctx.failures else 0)


if __name__ == "__main__":
    main()
