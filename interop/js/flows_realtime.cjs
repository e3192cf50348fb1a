// Real-time flows for the JavaScript SDK (`pubnub` 11.0.2) against `pam serve`: subscribe with
// a token and receive what another client published, refused channels, subscribe through a
// channel group, channel group management, history, here-now, and a revoked token refused.
//
// Every client that acts with a token has no secret key (a secret key would sign the request
// and skip the token check); the admin client, with the secret key, grants and revokes.
'use strict';

const crypto = require('crypto');

const WAIT_MS = 15000;

// A name of its own for each run, so runs against one server never see each other.
const unique = (prefix) => `${prefix}-js-${crypto.randomBytes(4).toString('hex')}`;

// Awaits `promise`; returns { status } (the HTTP status of the PubNub error it rejects with,
// or null when it resolves), `result` and `body`.
async function outcome(promise) {
  try {
    return { status: null, result: await promise };
  } catch (error) {
    const status = error && error.status ? error.status.statusCode : undefined;
    const body = error && error.status ? error.status.errorData : String(error);
    return { status, body };
  }
}

function tokenClient(ctx, userId, token) {
  const client = ctx.client(userId, { secret: false });
  client.setToken(token);
  return client;
}

function grant(admin, resources) {
  return admin.grantToken({ ttl: 15, resources });
}

// Resolves with the first value `test` accepts among the values pushed to `list`, or null
// after WAIT_MS.
function waitFor(list, test) {
  return new Promise((resolve) => {
    const started = Date.now();
    const poll = () => {
      const found = list.find(test);
      if (found) return resolve(found);
      if (Date.now() - started > WAIT_MS) return resolve(null);
      setTimeout(poll, 20);
    };
    poll();
  });
}

// A token client subscribed to `channels` and `channelGroups`, with what it received so far,
// and its first connected or access-denied status (null when none came).
async function subscribed(ctx, userId, token, { channels = [], channelGroups = [] }) {
  const client = tokenClient(ctx, userId, token);
  const received = { statuses: [], messages: [], presence: [] };
  client.addListener({
    status: (status) => received.statuses.push(status),
    message: (message) => received.messages.push(message),
    presence: (event) => received.presence.push(event),
  });
  client.subscribe({ channels, channelGroups });
  const status = await waitFor(received.statuses, (s) =>
    ['PNConnectedCategory', 'PNConnectionErrorCategory', 'PNAccessDeniedCategory'].includes(s.category));
  return { client, received, status };
}

// Whether `status` reports a 403: the event engine of SDK 11 reports a refused handshake as
// a connection error whose `error` is the access-denied category.
const accessDenied = (status) => Boolean(status)
  && (status.category === 'PNAccessDeniedCategory' || status.error === 'PNAccessDeniedCategory');
const describe = (status) => (status ? JSON.stringify(status).slice(0, 200) : 'no status');

function stop(client) {
  client.unsubscribeAll();
  client.destroy(true);
}

async function flow_subscribe_receives_what_another_client_published(ctx) {
  const admin = ctx.client('admin');
  const room = unique('room');
  const closed = unique('closed');
  const readerToken = await grant(admin, { channels: { [room]: { read: true } } });
  const writerToken = await grant(admin, { channels: { [room]: { write: true } } });
  const { client, received, status } = await subscribed(ctx, 'js-reader', readerToken, { channels: [room] });
  try {
    ctx.check('subscribe with a token connects', status && status.category === 'PNConnectedCategory',
      describe(status));
    const writer = tokenClient(ctx, 'js-writer', writerToken);
    const sent = await writer.publish({ channel: room, message: { text: 'hello from js' } });
    const message = await waitFor(received.messages, (m) => m.channel === room);
    ctx.check('the message another client published arrives',
      message && JSON.stringify(message.message) === JSON.stringify({ text: 'hello from js' }),
      message ? JSON.stringify(message.message) : 'nothing arrived');
    ctx.check('with its publisher and timetoken',
      message && message.publisher === 'js-writer' && String(message.timetoken) === String(sent.timetoken),
      message ? `${message.publisher} ${message.timetoken} sent ${sent.timetoken}` : 'nothing arrived');
  } finally {
    stop(client);
  }

  const refused = await subscribed(ctx, 'js-reader', readerToken, { channels: [closed] });
  try {
    ctx.check('subscribe to a channel the token lacks is refused (403)', accessDenied(refused.status),
      describe(refused.status));
  } finally {
    stop(refused.client);
  }
}

async function flow_subscribe_through_a_group(ctx) {
  const admin = ctx.client('admin');
  const group = unique('group');
  const member = unique('member');
  const added = await outcome(admin.channelGroups.addChannels({ channels: [member], channelGroup: group }));
  ctx.check('the server adds a channel to the group (signed)', added.status === null, `status ${added.status}`);
  const readerToken = await grant(admin, { groups: { [group]: { read: true } } });
  const writerToken = await grant(admin, { channels: { [member]: { write: true } } });
  const { client, received, status } = await subscribed(ctx, 'js-group-reader', readerToken, { channelGroups: [group] });
  try {
    ctx.check('subscribe through the group connects', status && status.category === 'PNConnectedCategory',
      describe(status));
    await tokenClient(ctx, 'js-writer', writerToken).publish({ channel: member, message: 'via group' });
    const message = await waitFor(received.messages, (m) => m.channel === member);
    ctx.check('a member channel\'s message arrives through the group',
      message && message.message === 'via group' && message.subscription === group,
      message ? `${message.channel} ${message.subscription} ${JSON.stringify(message.message)}` : 'nothing arrived');
  } finally {
    stop(client);
  }
}

async function flow_channel_group_management(ctx) {
  const admin = ctx.client('admin');
  const group = unique('managed');
  const other = unique('other');
  const manager = tokenClient(ctx, 'js-manager', await grant(admin, { groups: { [group]: { manage: true } } }));
  let o = await outcome(manager.channelGroups.addChannels({ channels: ['a', 'b'], channelGroup: group }));
  ctx.check('add channels with manage', o.status === null, `status ${o.status}`);
  o = await outcome(manager.channelGroups.listChannels({ channelGroup: group }));
  ctx.check('list channels with manage',
    o.status === null && JSON.stringify([...o.result.channels].sort()) === '["a","b"]',
    `status ${o.status} ${JSON.stringify(o.result || o.body)}`);
  o = await outcome(manager.channelGroups.removeChannels({ channels: ['a'], channelGroup: group }));
  ctx.check('remove a channel with manage', o.status === null, `status ${o.status}`);
  o = await outcome(manager.channelGroups.deleteGroup({ channelGroup: group }));
  ctx.check('delete the group with manage', o.status === null, `status ${o.status}`);
  o = await outcome(manager.channelGroups.addChannels({ channels: ['a'], channelGroup: other }));
  ctx.check('add to a group the token lacks is refused (403)', o.status === 403, `status ${o.status}`);
  const reader = tokenClient(ctx, 'js-reader', await grant(admin, { groups: { [group]: { read: true } } }));
  o = await outcome(reader.channelGroups.listChannels({ channelGroup: group }));
  ctx.check('list with read only (no manage) is refused (403)', o.status === 403, `status ${o.status}`);
}

async function flow_history(ctx) {
  const admin = ctx.client('admin');
  const channel = unique('history');
  const writer = tokenClient(ctx, 'js-writer', await grant(admin, { channels: { [channel]: { write: true } } }));
  const first = (await writer.publish({ channel, message: 'one' })).timetoken;
  await writer.publish({ channel, message: { n: 2 }, meta: { kind: 'test' } });
  const reader = tokenClient(ctx, 'js-reader', await grant(admin, { channels: { [channel]: { read: true } } }));
  let o = await outcome(reader.fetchMessages({ channels: [channel], includeMeta: true }));
  const items = o.status === null ? o.result.channels[channel] || [] : [];
  ctx.check('fetch messages with read',
    o.status === null && JSON.stringify(items.map((i) => i.message)) === '["one",{"n":2}]'
      && String(items[0].timetoken) === String(first) && JSON.stringify(items[1].meta) === '{"kind":"test"}',
    `status ${o.status} ${JSON.stringify(items)}`);
  o = await outcome(reader.messageCounts({ channels: [channel], channelTimetokens: [String(first)] }));
  ctx.check('message counts with read', o.status === null && o.result.channels[channel] === 1,
    `status ${o.status} ${JSON.stringify(o.result || o.body)}`);
  o = await outcome(writer.fetchMessages({ channels: [channel] }));
  ctx.check('fetch messages without read is refused (403)', o.status === 403, `status ${o.status}`);
  o = await outcome(reader.deleteMessages({ channel }));
  ctx.check('delete messages without delete is refused (403)', o.status === 403, `status ${o.status}`);
  const deleter = tokenClient(ctx, 'js-deleter', await grant(admin, { channels: { [channel]: { delete: true } } }));
  o = await outcome(deleter.deleteMessages({ channel }));
  ctx.check('delete messages with delete', o.status === null, `status ${o.status}`);
  const left = (await reader.fetchMessages({ channels: [channel] })).channels[channel] || [];
  ctx.check('nothing is left after the delete', left.length === 0, `left ${left.length}`);
}

async function flow_here_now(ctx) {
  const admin = ctx.client('admin');
  const channel = unique('lobby');
  const token = await grant(admin, { channels: { [channel]: { read: true } } });
  const { client, status } = await subscribed(ctx, 'js-present', token, { channels: [channel] });
  try {
    ctx.check('the subscriber connects', status && status.category === 'PNConnectedCategory',
      describe(status));
    const watcher = tokenClient(ctx, 'js-watcher', token);
    let o = await outcome(watcher.hereNow({ channels: [channel], includeUUIDs: true }));
    const occupants = o.status === null ? o.result.channels[channel].occupants.map((x) => x.uuid) : [];
    ctx.check('here-now with read lists the subscriber',
      o.status === null && o.result.totalOccupancy === 1 && JSON.stringify(occupants) === '["js-present"]',
      `status ${o.status} ${JSON.stringify(o.result || o.body)}`);
    const stranger = tokenClient(ctx, 'js-stranger',
      await grant(admin, { channels: { [unique('elsewhere')]: { read: true } } }));
    o = await outcome(stranger.hereNow({ channels: [channel] }));
    ctx.check('here-now without read is refused (403)', o.status === 403, `status ${o.status}`);
  } finally {
    stop(client);
  }
}

async function flow_revoked_token_cannot_subscribe(ctx) {
  const admin = ctx.client('admin');
  const channel = unique('revoked');
  const token = await grant(admin, { channels: { [channel]: { read: true } } });
  await admin.revokeToken(token);
  const { client, status } = await subscribed(ctx, 'js-revoked', token, { channels: [channel] });
  try {
    ctx.check('subscribe with a revoked token is refused (403)', accessDenied(status), describe(status));
  } finally {
    stop(client);
  }
}

module.exports = {
  flow_subscribe_receives_what_another_client_published,
  flow_subscribe_through_a_group,
  flow_channel_group_management,
  flow_history,
  flow_here_now,
  flow_revoked_token_cannot_subscribe,
};
