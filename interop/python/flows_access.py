"""Access Manager flows for the Python SDK (`pubnub` 10.8.0): time, grant, parse, publish
and signal with and without tokens, server-signed publish, revoke, and the error bodies."""

import json
import time

from pubnub.exceptions import PubNubException
from pubnub.models.consumer.v3.channel import Channel
from pubnub.models.consumer.v3.group import Group
from pubnub.models.consumer.v3.uuid import UUID

PERMISSIONS = ["read", "write", "manage", "delete", "get", "update", "join"]


def error_of(call):
    """Runs `call`; returns (status, parsed body or text) of the PubNubException it raises,
    or (None, result) when it succeeds."""
    try:
        return None, call()
    except PubNubException as error:
        text = error._errormsg or ""
        try:
            body = json.loads(text)
        except ValueError:
            body = text
        return error._status_code, body


def v3_message(body):
    return body.get("error", {}).get("message") if isinstance(body, dict) else None


def grant_everything(ctx, admin):
    return (
        admin.grant_token()
        .channels([
            Channel.id("room").read().write(),
            Channel.id("room b/ü").read(),
            Channel.pattern("^room-[a-z]+$").read().write(),
        ])
        .groups([Group.id("group").read().manage(), Group.pattern("^g-.*$").read()])
        .uuids([UUID.id("bob").get().update().delete(), UUID.pattern("^user-.*$").get()])
        .ttl(15)
        .authorized_uuid("alice")
        # `sdk` keeps each runner's token its own: the same grant in the same second is the
        # same token, and another runner's revoke flow would revoke it.
        .meta({"team": "blue", "level": 3, "ok": True, "sdk": "python"})
        .sync()
        .result.token
    )


def same_parse(sdk, pam):
    """Compares the SDK's parse of a token with `pam token parse --json`."""
    problems = []
    for key in ["version", "timestamp", "ttl", "authorized_uuid", "meta"]:
        if sdk.get(key) != pam.get(key):
            problems.append(f"{key}: sdk {sdk.get(key)!r} pam {pam.get(key)!r}")
    for section in ["resources", "patterns"]:
        for kind in ["channels", "groups", "uuids"]:
            ours = pam[section][kind]
            theirs = sdk.get(section, {}).get(kind, {}) or {}
            if set(ours) != set(theirs):
                problems.append(f"{section}.{kind}: sdk {sorted(theirs)} pam {sorted(ours)}")
                continue
            for name, perms in theirs.items():
                for perm in PERMISSIONS:
                    if bool(perms.get(perm)) != bool(ours[name][perm]):
                        problems.append(f"{section}.{kind}.{name}.{perm}")
    return problems


def flow_time(ctx):
    admin = ctx.client("admin")
    timetoken = admin.time().sync().result
    ctx.check("17-digit timetoken near now",
              len(str(int(timetoken))) == 17 and abs(int(timetoken) // 10**7 - time.time()) < 30,
              f"timetoken {timetoken}")


def flow_grant_and_parse(ctx):
    admin = ctx.client("admin")
    token = grant_everything(ctx, admin)
    ctx.check("grant with every kind, patterns, authorized uuid and meta", bool(token), token)
    sdk = admin.parse_token(token)
    problems = same_parse(sdk, ctx.pam_parse(token))
    ctx.check("SDK parse equals `pam token parse --json`", not problems, "; ".join(problems))


def flow_publish_with_token(ctx):
    admin = ctx.client("admin")
    token = grant_everything(ctx, admin)
    alice = ctx.client("alice", secret=False)
    alice.set_token(token)
    status, _ = error_of(lambda: alice.publish().channel("room").message({"text": "hi"}).sync())
    ctx.check("GET publish allowed", status is None, status)
    status, _ = error_of(
        lambda: alice.publish().channel("room").message({"text": "hi"}).use_post(True).sync())
    ctx.check("POST publish allowed", status is None, status)
    status, _ = error_of(
        lambda: alice.publish().channel("room").message({"text": "hi" * 50})
        .use_post(True).use_compression(True).sync())
    ctx.check("compressed POST publish allowed", status is None, status)
    status, _ = error_of(lambda: alice.publish().channel("room-abc").message(1).sync())
    ctx.check("publish on a pattern channel allowed", status is None, status)
    status, body = error_of(lambda: alice.publish().channel("elsewhere").message(1).sync())
    ctx.check("publish elsewhere refused 403 listing the channel",
              status == 403 and isinstance(body, dict)
              and body.get("payload", {}).get("channels") == ["elsewhere"], f"{status} {body}")
    status, _ = error_of(lambda: alice.signal().channel("room").message("s").sync())
    ctx.check("signal allowed", status is None, status)
    status, body = error_of(lambda: alice.signal().channel("room b/ü").message("s").sync())
    ctx.check("signal without write refused 403", status == 403, f"{status} {body}")
    mallory = ctx.client("mallory", secret=False)
    mallory.set_token(token)
    status, body = error_of(lambda: mallory.publish().channel("room").message(1).sync())
    ctx.check("another uuid with the token refused 403", status == 403, f"{status} {body}")


def flow_server_signed_publish(ctx):
    server = ctx.client("server")
    status, body = error_of(lambda: server.publish().channel("any").message({"a": 1}).sync())
    ctx.check("signed GET publish", status is None, f"{status} {body}")
    status, body = error_of(
        lambda: server.publish().channel("any").message({"a": 1}).use_post(True).sync())
    ctx.check("signed POST publish (v1 scheme)", status is None, f"{status} {body}")
    status, body = error_of(
        lambda: server.publish().channel("any").message({"a": "x" * 100})
        .use_post(True).use_compression(True).sync())
    ctx.check("signed compressed POST publish", status is None, f"{status} {body}")
    status, body = error_of(lambda: server.signal().channel("any").message("s").sync())
    ctx.check("signed signal", status is None, f"{status} {body}")


def flow_revoke(ctx):
    admin = ctx.client("admin")
    token = grant_everything(ctx, admin)
    alice = ctx.client("alice", secret=False)
    alice.set_token(token)
    status, _ = error_of(lambda: alice.publish().channel("room").message(1).sync())
    ctx.check("publish before revoke allowed", status is None, status)
    status, result = error_of(lambda: admin.revoke_token(token).sync())
    ctx.check("revoke succeeds", status is None, f"{status} {result}")
    status, body = error_of(lambda: alice.publish().channel("room").message(1).sync())
    message = body.get("message") if isinstance(body, dict) else body
    ctx.check("publish after revoke refused 403 `Token is revoked`",
              status == 403 and "revoked" in str(message), f"{status} {body}")


def flow_errors(ctx):
    admin = ctx.client("admin")
    status, body = error_of(
        lambda: admin.grant_token().channels([Channel.id("room").read()]).ttl(43201).sync())
    ctx.check("ttl out of range: 400 Invalid ttl",
              status == 400 and v3_message(body) == "Invalid ttl", f"{status} {body}")
    status, body = error_of(
        lambda: admin.grant_token().channels([Channel.id("room")]).ttl(10).sync())
    ctx.check("zero bitmask: 400 Invalid permissions",
              status == 400 and v3_message(body) == "Invalid permissions", f"{status} {body}")
    status, body = error_of(
        lambda: admin.grant_token().channels([Channel.pattern("^(room)$").read()]).ttl(10).sync())
    ctx.check("capturing group: 400 Invalid RegExp",
              status == 400 and v3_message(body) == "Invalid RegExp", f"{status} {body}")
    wrong = ctx.client("admin", secret_key="sec-c-wrong")
    status, body = error_of(
        lambda: wrong.grant_token().channels([Channel.id("room").read()]).ttl(10).sync())
    ctx.check("wrong secret: 403 Invalid signature",
              status == 403 and v3_message(body) == "Invalid signature", f"{status} {body}")
    status, body = error_of(lambda: admin.revoke_token("not-a-token").sync())
    ctx.check("garbage revoke: 400", status == 400, f"{status} {body}")
    norevoke = ctx.client("admin", sub=ctx.sub_norevoke, pub=ctx.pub_norevoke,
                          secret_key=ctx.secret_norevoke)
    token = norevoke.grant_token().channels([Channel.id("room").read()]).ttl(10).sync().result.token
    status, body = error_of(lambda: norevoke.revoke_token(token).sync())
    ctx.check("revocation disabled: 403 Feature disabled",
              status == 403 and v3_message(body) == "Feature disabled", f"{status} {body}")
    skewed = ctx.client("admin", origin=ctx.skewed_origin)
    status, body = error_of(
        lambda: skewed.grant_token().channels([Channel.id("room").read()]).ttl(10).sync())
    ctx.check("clock skew: 403 Invalid timestamp",
              status == 403 and v3_message(body) == "Invalid timestamp", f"{status} {body}")
