// Runs every interop flow for the JavaScript SDK against a running `pam serve`.
//
// Started by `cargo xtask interop` with the environment described in interop/README.md, and
// NODE_PATH pointing at the pinned `pubnub` package under target/interop/js. Every module
// `flows_*.cjs` in this directory is loaded (in name order), and every function it exports
// whose name starts with `flow` is awaited, in export order, with a `Context`. A flow reports
// each check with `ctx.check(name, passed, detail)`; the lines `ok NAME` / `FAIL NAME<TAB>why`
// are what the harness counts. An exception in a flow is one failed check named after it.
'use strict';

const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const PubNub = require('pubnub');

class Context {
  constructor(env) {
    this.origin = env.PAM_ORIGIN;
    this.skewedOrigin = env.PAM_SKEWED_ORIGIN;
    this.sub = env.PAM_SUB;
    this.pub = env.PAM_PUB;
    this.secret = env.PAM_SECRET;
    this.subNoRevoke = env.PAM_SUB_NOREVOKE;
    this.pubNoRevoke = env.PAM_PUB_NOREVOKE;
    this.secretNoRevoke = env.PAM_SECRET_NOREVOKE;
    this.pamBin = env.PAM_BIN;
    this.flow = '';
    this.failures = 0;
  }

  // A PubNub client for `userId`, with the main keyset's secret key unless `options.secret`
  // is false; `options` may also name another origin, keyset or secret key.
  client(userId, options = {}) {
    const config = {
      subscribeKey: options.sub || this.sub,
      publishKey: options.pub || this.pub,
      userId,
      origin: options.origin || this.origin,
      ssl: false,
      logVerbosity: false,
      keepAlive: false,
    };
    if (options.secret !== false) config.secretKey = options.secretKey || this.secret;
    return new PubNub(config);
  }

  // `pam token parse --json TOKEN`, parsed.
  pamParse(token) {
    return JSON.parse(execFileSync(this.pamBin, ['token', 'parse', '--json', token], { encoding: 'utf8' }));
  }

  check(name, passed, detail = '') {
    const lineName = `${this.flow}: ${name}`;
    if (passed) {
      console.log(`ok ${lineName}`);
    } else {
      this.failures += 1;
      const text = typeof detail === 'string' ? detail : JSON.stringify(detail);
      console.log(`FAIL ${lineName}\t${String(text).replace(/\s+/g, ' ').slice(0, 400)}`);
    }
    return passed;
  }
}

async function main() {
  const ctx = new Context(process.env);
  const files = fs.readdirSync(__dirname).filter((f) => /^flows_.*\.cjs$/.test(f)).sort();
  for (const file of files) {
    const flows = require(path.join(__dirname, file));
    for (const [name, flow] of Object.entries(flows)) {
      if (!name.startsWith('flow') || typeof flow !== 'function') continue;
      ctx.flow = name.replace(/^flow_?/, '');
      try {
        await flow(ctx);
      } catch (error) {
        const where = (error && error.stack ? error.stack.split('\n')[1] || '' : '').trim();
        const status = error && error.status ? ` status ${JSON.stringify(error.status)}` : '';
        ctx.check('runs to the end', false, `${error}${status} ${where}`);
      }
    }
  }
  process.exit(ctx.failures ? 1 : 0);
}

main();
