"""Real-time flows for the Python SDK (`pubnub` 10.8.0) against `pam serve`: subscribe with a
token and receive what another client published, refused channels, subscribe through a channel
group, channel group management, history, here-now, and a revoked token refused.

Every client that acts with a token has no secret key (a secret key would sign the request and
skip the token check); the admin client, with the secret key, grants and revokes."""

import queue
import time
import uuid

from pubnub.callbacks import SubscribeCallback
from pubnub.enums import PNStatusCategory
from pubnub.exceptions import PubNubException
from pubnub.models.consumer.v3.channel import Channel
from pubnub.models.consumer.v3.group import Group
from pubnub.pubnub import PubNub

WAIT_SECS = 15


def unique(prefix):
    """A name of its own for each run, so runs against one server never see each other."""
    return f"{prefix}-py-{uuid.uuid4().hex[:8]}"


def status_of(call):
    """Runs `call`; returns (None, result) or (status code, error text) of its PubNubException."""
    try:
        return None, call()
    except PubNubException as error:
        return error._status_code, error._errormsg or ""


def token_client(ctx, user_id, token, subscribe=False):
    """A client of the main keyset without the secret key, carrying `token`; with
    `subscribe`, one whose subscription manager runs."""
    client = ctx.client(user_id, secret=False)
    if subscribe:
        config = client.config.copy()
        config.enable_subscribe = True
        # A held long-poll must not keep the runner alive once the flows are done.
        config.daemon = True
        client = PubNub(config)
    client.set_token(token)
    return client


class Listener(SubscribeCallback):
    """Collects statuses, messages and presence events as they arrive."""

    def __init__(self):
        self.statuses = queue.Queue()
        self.messages = queue.Queue()
        self.presence_events = queue.Queue()

    def status(self, pubnub, status):
        self.statuses.put(status)

    def message(self, pubnub, message):
        self.messages.put(message)

    def presence(self, pubnub, presence):
        self.presence_events.put(presence)

    def wait_status(self, wanted):
        """The first status whose category is in `wanted`, or None after WAIT_SECS."""
        deadline = time.monotonic() + WAIT_SECS
        while time.monotonic() < deadline:
            try:
                status = self.statuses.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                return None
            if status.category in wanted:
                return status
        return None

    def wait_message(self):
        try:
            return self.messages.get(timeout=WAIT_SECS)
        except queue.Empty:
            return None


def subscribed(ctx, user_id, token, channels=(), groups=()):
    """A token client subscribed to `channels` and `groups`, its listener, and its first
    status (connected, access denied, or None)."""
    client = token_client(ctx, user_id, token, subscribe=True)
    listener = Listener()
    client.add_listener(listener)
    builder = client.subscribe()
    if channels:
        builder = builder.channels(list(channels))
    if groups:
        builder = builder.channel_groups(list(groups))
    builder.execute()
    status = listener.wait_status({
        PNStatusCategory.PNConnectedCategory,
        PNStatusCategory.PNAccessDeniedCategory,
    })
    return client, listener, status


def check_status(ctx, name, status, category):
    """Reports that the subscribe `status` (from `subscribed`) has `category`."""
    ctx.check(name, status is not None and status.category == category,
              f"status {status and status.category}")


def stop(client):
    try:
        client.unsubscribe_all()
    finally:
        client.stop()


def grant(admin, channels=(), groups=(), ttl=15):
    builder = admin.grant_token().ttl(ttl)
    if channels:
        builder = builder.channels(list(channels))
    if groups:
        builder = builder.groups(list(groups))
    return builder.sync().result.token


def flow_subscribe_receives_what_another_client_published(ctx):
    admin = ctx.client("admin")
    room = unique("room")
    closed = unique("closed")
    reader_token = grant(admin, [Channel.id(room).read()])
    writer_token = grant(admin, [Channel.id(room).write()])
    reader, listener, status = subscribed(ctx, "py-reader", reader_token, channels=[room])
    try:
        check_status(ctx, "subscribe with a token connects", status,
                     PNStatusCategory.PNConnectedCategory)
        writer = token_client(ctx, "py-writer", writer_token)
        sent = writer.publish().channel(room).message({"text": "hello from python"}).sync()
        message = listener.wait_message()
        ctx.check("the message another client published arrives",
                  message is not None and message.message == {"text": "hello from python"}
                  and message.channel == room,
                  f"got {message and (message.channel, message.message)}")
        ctx.check("with its publisher and timetoken",
                  message is not None and message.publisher == "py-writer"
                  and int(message.timetoken) == int(sent.result.timetoken),
                  f"got {message and (message.publisher, message.timetoken)} "
                  f"sent {sent.result.timetoken}")
    finally:
        stop(reader)

    refused, _, status = subscribed(ctx, "py-reader", reader_token, channels=[closed])
    try:
        check_status(ctx, "subscribe to a channel the token lacks is refused (403)", status,
                     PNStatusCategory.PNAccessDeniedCategory)
    finally:
        stop(refused)


def flow_subscribe_through_a_group(ctx):
    admin = ctx.client("admin")
    group = unique("group")
    member = unique("member")
    added = admin.add_channel_to_channel_group().channels([member]).channel_group(group).sync()
    ctx.check("the server adds a channel to the group (signed)", added.status.is_error() is False)
    reader_token = grant(admin, groups=[Group.id(group).read()])
    writer_token = grant(admin, [Channel.id(member).write()])
    reader, listener, status = subscribed(ctx, "py-group-reader", reader_token, groups=[group])
    try:
        check_status(ctx, "subscribe through the group connects", status,
                     PNStatusCategory.PNConnectedCategory)
        token_client(ctx, "py-writer", writer_token).publish().channel(member) \
            .message("via group").sync()
        message = listener.wait_message()
        ctx.check("a member channel's message arrives through the group",
                  message is not None and message.message == "via group"
                  and message.channel == member and message.subscription == group,
                  f"got {message and (message.channel, message.subscription, message.message)}")
    finally:
        stop(reader)


def flow_channel_group_management(ctx):
    admin = ctx.client("admin")
    group = unique("managed")
    other = unique("other")
    manager = token_client(ctx, "py-manager", grant(admin, groups=[Group.id(group).manage()]))
    code, _ = status_of(lambda: manager.add_channel_to_channel_group()
                        .channels(["a", "b"]).channel_group(group).sync())
    ctx.check("add channels with manage", code is None, f"status {code}")
    code, listed = status_of(lambda: manager.list_channels_in_channel_group()
                             .channel_group(group).sync())
    ctx.check("list channels with manage",
              code is None and sorted(listed.result.channels) == ["a", "b"],
              f"status {code} {listed if code else listed.result.channels}")
    code, _ = status_of(lambda: manager.remove_channel_from_channel_group()
                        .channels(["a"]).channel_group(group).sync())
    ctx.check("remove a channel with manage", code is None, f"status {code}")
    code, _ = status_of(lambda: manager.remove_channel_group().channel_group(group).sync())
    ctx.check("delete the group with manage", code is None, f"status {code}")
    code, body = status_of(lambda: manager.add_channel_to_channel_group()
                           .channels(["a"]).channel_group(other).sync())
    ctx.check("add to a group the token lacks is refused (403)",
              code == 403 and other in body, f"status {code} {body}")
    reader = token_client(ctx, "py-reader", grant(admin, groups=[Group.id(group).read()]))
    code, body = status_of(lambda: reader.list_channels_in_channel_group()
                           .channel_group(group).sync())
    ctx.check("list with read only (no manage) is refused (403)", code == 403, f"status {code}")


def flow_history(ctx):
    admin = ctx.client("admin")
    channel = unique("history")
    writer = token_client(ctx, "py-writer", grant(admin, [Channel.id(channel).write()]))
    first = writer.publish().channel(channel).message("one").sync().result.timetoken
    writer.publish().channel(channel).message({"n": 2}).meta({"kind": "test"}).sync()
    reader = token_client(ctx, "py-reader", grant(admin, [Channel.id(channel).read()]))
    code, fetched = status_of(lambda: reader.fetch_messages().channels([channel])
                              .include_meta(True).sync())
    items = [] if code else fetched.result.channels.get(channel, [])
    ctx.check("fetch messages with read",
              code is None and [item.message for item in items] == ["one", {"n": 2}]
              and int(items[0].timetoken) == int(first) and items[1].meta == {"kind": "test"},
              f"status {code} {[(i.message, i.timetoken, i.meta) for i in items]}")
    code, counted = status_of(lambda: reader.message_counts(
        channels=[channel], channels_timetoken=[first]).sync())
    ctx.check("message counts with read",
              code is None and counted.result.channels.get(channel) == 1,
              f"status {code} {None if code else counted.result.channels}")
    code, _ = status_of(lambda: writer.fetch_messages().channels([channel]).sync())
    ctx.check("fetch messages without read is refused (403)", code == 403, f"status {code}")
    code, _ = status_of(lambda: reader.delete_messages().channel(channel).sync())
    ctx.check("delete messages without delete is refused (403)", code == 403, f"status {code}")
    deleter = token_client(ctx, "py-deleter", grant(admin, [Channel.id(channel).delete()]))
    code, _ = status_of(lambda: deleter.delete_messages().channel(channel).sync())
    ctx.check("delete messages with delete", code is None, f"status {code}")
    left = reader.fetch_messages().channels([channel]).sync().result.channels.get(channel, [])
    ctx.check("nothing is left after the delete", left == [], f"left {len(left)}")


def flow_here_now(ctx):
    admin = ctx.client("admin")
    channel = unique("lobby")
    token = grant(admin, [Channel.id(channel).read()])
    present, _, status = subscribed(ctx, "py-present", token, channels=[channel])
    try:
        check_status(ctx, "the subscriber connects", status,
                     PNStatusCategory.PNConnectedCategory)
        watcher = token_client(ctx, "py-watcher", token)
        code, here = status_of(lambda: watcher.here_now().channels([channel])
                               .include_uuids(True).sync())
        occupants = [] if code else [
            occupant.uuid for found in here.result.channels for occupant in found.occupants
        ]
        ctx.check("here-now with read lists the subscriber",
                  code is None and here.result.total_occupancy == 1
                  and occupants == ["py-present"],
                  f"status {code} {occupants}")
        stranger = token_client(ctx, "py-stranger",
                                grant(admin, [Channel.id(unique("elsewhere")).read()]))
        code, _ = status_of(lambda: stranger.here_now().channels([channel]).sync())
        ctx.check("here-now without read is refused (403)", code == 403, f"status {code}")
    finally:
        stop(present)


def flow_revoked_token_cannot_subscribe(ctx):
    admin = ctx.client("admin")
    channel = unique("revoked")
    token = grant(admin, [Channel.id(channel).read()])
    admin.revoke_token(token).sync()
    client, _, status = subscribed(ctx, "py-revoked", token, channels=[channel])
    try:
        check_status(ctx, "subscribe with a revoked token is refused (403)", status,
                     PNStatusCategory.PNAccessDeniedCategory)
    finally:
        stop(client)
