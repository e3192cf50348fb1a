// Access Manager flows for the JavaScript SDK (`pubnub` 11.0.2): time, grant, parse, publish
// and signal with and without tokens, server-signed publish, revoke, and the error bodies.
'use strict';

const PERMISSIONS = ['read', 'write', 'manage', 'delete', 'get', 'update', 'join'];

// Awaits `promise`; returns { status, body } of the PubNub error it rejects with, or
// { status: null, result } when it resolves.
async function outcome(promise) {
  try {
    return { status: null, result: await promise };
  } catch (error) {
    const status = error && error.status ? error.status.statusCode : undefined;
    const body = error && error.status ? error.status.errorData : String(error);
    return { status, body };
  }
}

const v3Message = (body) => (body && body.error && body.error.message) || null;
const show = (o) => `${o.status} ${JSON.stringify(o.body === undefined ? o.result : o.body)}`;

function grantEverything(admin) {
  return admin.grantToken({
    ttl: 15,
    authorized_uuid: 'alice',
    resources: {
      channels: { room: { read: true, write: true }, 'room b/ü': { read: true } },
      groups: { group: { read: true, manage: true } },
      uuids: { bob: { get: true, update: true, delete: true } },
    },
    patterns: {
      channels: { '^room-[a-z]+$': { read: true, write: true } },
      groups: { '^g-.*$': { read: true } },
      uuids: { '^user-.*$': { get: true } },
    },
    // `sdk` keeps each runner's token its own: the same grant in the same second is the same
    // token, and another runner's revoke flow would revoke it.
    meta: { team: 'blue', level: 3, ok: true, sdk: 'js' },
  });
}

function sameParse(sdk, pam) {
  const problems = [];
  for (const key of ['version', 'timestamp', 'ttl', 'authorized_uuid']) {
    if (sdk[key] !== pam[key]) problems.push(`${key}: sdk ${sdk[key]} pam ${pam[key]}`);
  }
  if (JSON.stringify(sdk.meta || {}) !== JSON.stringify(pam.meta)) problems.push('meta');
  for (const section of ['resources', 'patterns']) {
    for (const kind of ['channels', 'groups', 'uuids']) {
      const ours = pam[section][kind];
      const theirs = (sdk[section] || {})[kind] || {};
      const a = Object.keys(ours).sort().join('|');
      const b = Object.keys(theirs).sort().join('|');
      if (a !== b) {
        problems.push(`${section}.${kind}: sdk ${b} pam ${a}`);
        continue;
      }
      for (const [name, perms] of Object.entries(theirs)) {
        for (const perm of PERMISSIONS) {
          if (Boolean(perms[perm]) !== Boolean(ours[name][perm])) problems.push(`${section}.${kind}.${name}.${perm}`);
        }
      }
    }
  }
  return problems;
}

async function flow_time(ctx) {
  const { timetoken } = await ctx.client('admin').time();
  const secs = Number(BigInt(timetoken) / 10000000n);
  ctx.check('17-digit timetoken near now', String(timetoken).length === 17 && Math.abs(secs - Date.now() / 1000) < 30, timetoken);
}

async function flow_grant_and_parse(ctx) {
  const admin = ctx.client('admin');
  const token = await grantEverything(admin);
  ctx.check('grant with every kind, patterns, authorized uuid and meta', typeof token === 'string' && token.length > 0, token);
  const problems = sameParse(admin.parseToken(token), ctx.pamParse(token));
  ctx.check('SDK parse equals `pam token parse --json`', problems.length === 0, problems.join('; '));
}

async function flow_publish_with_token(ctx) {
  const token = await grantEverything(ctx.client('admin'));
  const alice = ctx.client('alice', { secret: false });
  alice.setToken(token);
  let o = await outcome(alice.publish({ channel: 'room', message: { text: 'hi' } }));
  ctx.check('GET publish allowed', o.status === null, show(o));
  // sendByPost bodies are always deflate-compressed by this SDK.
  o = await outcome(alice.publish({ channel: 'room', message: { text: 'hi'.repeat(50) }, sendByPost: true }));
  ctx.check('compressed POST publish allowed', o.status === null, show(o));
  o = await outcome(alice.publish({ channel: 'room-abc', message: 1 }));
  ctx.check('publish on a pattern channel allowed', o.status === null, show(o));
  o = await outcome(alice.publish({ channel: 'elsewhere', message: 1 }));
  ctx.check('publish elsewhere refused 403 listing the channel',
    o.status === 403 && o.body && JSON.stringify(o.body.payload && o.body.payload.channels) === '["elsewhere"]', show(o));
  o = await outcome(alice.signal({ channel: 'room', message: 's' }));
  ctx.check('signal allowed', o.status === null, show(o));
  o = await outcome(alice.signal({ channel: 'room b/ü', message: 's' }));
  ctx.check('signal without write refused 403', o.status === 403, show(o));
  const mallory = ctx.client('mallory', { secret: false });
  mallory.setToken(token);
  o = await outcome(mallory.publish({ channel: 'room', message: 1 }));
  ctx.check('another uuid with the token refused 403', o.status === 403, show(o));
}

async function flow_server_signed_publish(ctx) {
  const server = ctx.client('server');
  let o = await outcome(server.publish({ channel: 'any', message: { a: 1 } }));
  ctx.check('signed GET publish', o.status === null, show(o));
  o = await outcome(server.publish({ channel: 'any', message: { a: 'x'.repeat(100) }, sendByPost: true }));
  ctx.check('signed compressed POST publish (v2 as GET)', o.status === null, show(o));
  o = await outcome(server.signal({ channel: 'any', message: 's' }));
  ctx.check('signed signal', o.status === null, show(o));
}

async function flow_revoke(ctx) {
  const admin = ctx.client('admin');
  const token = await grantEverything(admin);
  const alice = ctx.client('alice', { secret: false });
  alice.setToken(token);
  let o = await outcome(alice.publish({ channel: 'room', message: 1 }));
  ctx.check('publish before revoke allowed', o.status === null, show(o));
  o = await outcome(admin.revokeToken(token));
  ctx.check('revoke succeeds', o.status === null, show(o));
  o = await outcome(alice.publish({ channel: 'room', message: 1 }));
  ctx.check('publish after revoke refused 403 `Token is revoked`',
    o.status === 403 && JSON.stringify(o.body).includes('revoked'), show(o));
}

async function flow_errors(ctx) {
  const admin = ctx.client('admin');
  let o = await outcome(admin.grantToken({ ttl: 43201, resources: { channels: { room: { read: true } } } }));
  ctx.check('ttl out of range: 400 Invalid ttl', o.status === 400 && v3Message(o.body) === 'Invalid ttl', show(o));
  o = await outcome(admin.grantToken({ ttl: 10, resources: { channels: { room: {} } } }));
  ctx.check('zero bitmask: 400', o.status === 400 && /permissions/i.test(v3Message(o.body) || ''), show(o));
  o = await outcome(admin.grantToken({ ttl: 10, patterns: { channels: { '^(room)$': { read: true } } } }));
  ctx.check('capturing group: 400 Invalid RegExp', o.status === 400 && v3Message(o.body) === 'Invalid RegExp', show(o));
  const wrong = ctx.client('admin', { secretKey: 'sec-c-wrong' });
  o = await outcome(wrong.grantToken({ ttl: 10, resources: { channels: { room: { read: true } } } }));
  ctx.check('wrong secret: 403 Invalid signature', o.status === 403 && v3Message(o.body) === 'Invalid signature', show(o));
  o = await outcome(admin.revokeToken('not-a-token'));
  ctx.check('garbage revoke: 400', o.status === 400, show(o));
  const noRevoke = ctx.client('admin', { sub: ctx.subNoRevoke, pub: ctx.pubNoRevoke, secretKey: ctx.secretNoRevoke });
  const token = await noRevoke.grantToken({ ttl: 10, resources: { channels: { room: { read: true } } } });
  o = await outcome(noRevoke.revokeToken(token));
  ctx.check('revocation disabled: 403 Feature disabled', o.status === 403 && v3Message(o.body) === 'Feature disabled', show(o));
  const skewed = ctx.client('admin', { origin: ctx.skewedOrigin });
  o = await outcome(skewed.grantToken({ ttl: 10, resources: { channels: { room: { read: true } } } }));
  ctx.check('clock skew: 403 Invalid timestamp', o.status === 403 && v3Message(o.body) === 'Invalid timestamp', show(o));
}

module.exports = {
  flow_time,
  flow_grant_and_parse,
  flow_publish_with_token,
  flow_server_signed_publish,
  flow_revoke,
  flow_errors,
};
