// An out-of-process WebSocket fuzzer (the `ws` 8.x client, as Node SDK users run it): connections one after
// another, each sending its frames one at a time, every frame the instant the previous one's answer arrives.
// Every frame must get exactly one answer: an `error` (or `response.steer.failed`), or one response up to its
// terminal event. Prints each frame that got none within the deadline, or a wrong one, and exits 1; seeded.
// Usage: node ws-fuzz.mjs ws://127.0.0.1:PORT/v1/responses [--frames N] [--per-connection N] [--seed N]
//        [--deadline-ms N] [--no-deflate]
import WebSocket from 'ws';

const options = { frames: 20_000, perConnection: 100, seed: 1, deadlineMs: 10_000, deflate: true };
const url = process.argv[2];
for (let i = 3; i < process.argv.length; i++) {
  const flag = process.argv[i];
  if (flag === '--no-deflate') options.deflate = false;
  else if (flag === '--frames') options.frames = Number(process.argv[++i]);
  else if (flag === '--per-connection') options.perConnection = Number(process.argv[++i]);
  else if (flag === '--seed') options.seed = Number(process.argv[++i]);
  else if (flag === '--deadline-ms') options.deadlineMs = Number(process.argv[++i]);
  else throw new Error(`unknown option ${flag}`);
}
if (!url) throw new Error('usage: node ws-fuzz.mjs ws://HOST:PORT/v1/responses [options]');

// mulberry32: small, seeded, the same frames for the same seed
let state = options.seed >>> 0;
function random() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const below = (n) => Math.floor(random() * n);
const pick = (...values) => values[below(values.length)];

/** Random code points as text (no lone surrogates: the client would send U+FFFD for them anyway). */
function randomText(length) {
  let text = '';
  for (let i = 0; i < length; i++) {
    const range = below(4);
    const codePoint = range === 0 ? below(0x80) : range === 1 ? 0x80 + below(0x780)
      : range === 2 ? 0xe000 + below(0x2000) : 0x10000 + below(0x10000);
    text += String.fromCodePoint(codePoint);
  }
  return text;
}

/** Random bytes sent as a text frame: mostly not UTF-8 (the server reads them leniently, as U+FFFD). */
function randomBytes(length) {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = below(256);
  return bytes;
}

const create = (fields) => JSON.stringify({ type: 'response.create', model: 'baton-simulator', ...fields });

/** The next frame: its kind, its text (or bytes), and the error code it must get (null: any one answer). */
function nextFrame() {
  switch (below(16)) {
    case 0: case 1: case 2: case 3: return { kind: 'empty', text: '', code: 'invalid_json' };
    case 4: return { kind: 'invalid json', text: pick('{', '{"type":', 'nul', '{"a":1}}', '"open', '{"input":[{'),
      code: 'invalid_json' };
    case 5: return below(2) === 0 ? { kind: 'random text', text: randomText(1 + below(300)), code: null }
      : { kind: 'random bytes', text: randomBytes(1 + below(300)), code: null };
    case 6: return { kind: 'brackets', text: '['.repeat(1_000 + below(12_000)), code: 'invalid_json' };
    case 7: return { kind: 'long string', text: `"${'x'.repeat(9_000 + below(30_000))}"`, code: 'invalid_json' };
    case 8: return { kind: 'long unterminated', text: `{"input":"${'y'.repeat(9_000 + below(20_000))}`,
      code: 'invalid_json' };
    case 9: case 10: return { kind: 'rejected create', text: create({ temperature: 9 }), code: null };
    case 11: return { kind: 'unknown parent', text: create({ previous_response_id: `resp_${below(1 << 20)}`, input: 'x' }),
      code: 'previous_response_not_found' };
    case 12: return { kind: 'unknown type', text: `{"type":"response.${below(1 << 20).toString(36)}"}`,
      code: 'unknown_event_type' };
    case 13: return { kind: 'not an object', text: pick('[1,2]', '123', '"text"', 'null', 'true', '[]'),
      code: 'invalid_json' };
    case 14: return { kind: 'steer', text: '{"type":"response.steer","input":"x"}', code: null };
    default: return { kind: 'create', text: create(below(2) === 0 ? { store: false, input: 'fuzz', max_output_tokens: 16 }
      : { store: false, input: 'warm', generate: false }), code: null };
  }
}

const terminalTypes = new Set(['response.completed', 'response.failed', 'response.incomplete']);
const shorten = (data) => {
  const text = typeof data === 'string' ? data : `<${data.length} random bytes>`;
  return text.length > 80 ? `${text.slice(0, 80)}… (${text.length} chars)` : JSON.stringify(text);
};

const failures = [];
const kinds = {};
let sent = 0;
let connections = 0;

/**
 * Runs one connection: `count` frames, then a marker create whose response.created must be the next message
 * (an extra answer to any earlier frame would stand in its way).
 */
function runConnection(count) {
  return new Promise((resolve) => {
    let opened = false;
    const ws = new WebSocket(url, { perMessageDeflate: options.deflate });
    const connection = ++connections;
    let index = 0;
    let current = null; // { frame, number, responseId }
    let timer = null;
    let done = false;

    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      ws.removeAllListeners('message');
      ws.once('close', () => resolve(true));
      ws.close(1000);
      setTimeout(() => { ws.terminate(); resolve(true); }, options.deadlineMs).unref();
    };

    const fail = (message) => {
      failures.push(`connection ${connection} frame ${current.number} (#${sent} overall, ${current.frame.kind}, `
        + `${shorten(current.frame.text)}): ${message}`);
    };

    const sendNext = () => {
      clearTimeout(timer);
      if (index === count) {
        current = { frame: { kind: 'marker', text: create({ store: false, input: 'end', metadata: { m: `end-${connection}` } }) },
          number: index, marker: true };
      } else {
        const frame = nextFrame();
        kinds[frame.kind] = (kinds[frame.kind] ?? 0) + 1;
        current = { frame, number: index };
        sent++;
      }
      index++;
      timer = setTimeout(() => {
        fail(`no answer within ${options.deadlineMs} ms`);
        finish(); // the connection's answers can no longer be told apart: start a new one
      }, options.deadlineMs);
      ws.send(current.frame.text, { binary: false });
    };

    const answered = () => (index > count ? finish() : sendNext());

    ws.on('message', (data, isBinary) => {
      if (done) return;
      let event;
      try {
        event = JSON.parse(data.toString());
      } catch {
        fail(`answered by a frame that is not JSON: ${shorten(data.toString())}`);
        return finish();
      }
      if (isBinary) {
        fail('answered by a binary frame');
        return finish();
      }
      if (current.marker) {
        if (current.responseId === undefined) {
          if (event.type !== 'response.created' || event.response?.metadata?.m !== `end-${connection}`) {
            fail(`a stray answer came before the last create's response.created: ${shorten(JSON.stringify(event))}`);
            return finish();
          }
          current.responseId = event.response.id;
          return undefined;
        }
      }
      if (current.responseId !== undefined) { // inside a response: wait for its terminal event
        if (terminalTypes.has(event.type)) {
          if (event.response?.id !== current.responseId) fail(`terminal event of another response: ${event.response?.id}`);
          return answered();
        }
        if (event.type === 'error') {
          fail(`an error inside the response stream: ${shorten(JSON.stringify(event))}`);
          return answered();
        }
        return undefined;
      }
      if (event.type === 'error' || event.type === 'response.steer.failed') {
        if (current.frame.code && event.error?.code !== current.frame.code) {
          fail(`answered ${event.error?.code}, expected ${current.frame.code}: ${shorten(JSON.stringify(event))}`);
        }
        return answered();
      }
      if (event.type === 'response.created') {
        if (current.frame.code) fail(`a response was created, expected ${current.frame.code}`);
        current.responseId = event.response.id;
        return undefined;
      }
      fail(`answered by ${shorten(JSON.stringify(event))}`);
      return finish();
    });
    ws.on('open', () => {
      opened = true;
      sendNext();
    });
    ws.on('error', (error) => {
      if (!opened) {
        failures.push(`connection ${connection} did not open: ${error.message}`);
        done = true;
        resolve(false);
        return;
      }
      if (!done) fail(`socket error: ${error.message}`);
      finish();
    });
    ws.on('close', (code, reason) => {
      if (!done) {
        fail(`closed by the server: ${code} ${reason}`);
        done = true;
        clearTimeout(timer);
        resolve(true);
      }
    });
  });
}

const started = Date.now();
while (sent < options.frames && failures.length <= 50) {
  const opened = await runConnection(Math.min(options.perConnection, options.frames - sent));
  if (!opened) break;
}
const seconds = ((Date.now() - started) / 1000).toFixed(1);
for (const failure of failures) console.log(`ws-fuzz FAILED: ${failure}`);
console.log(`ws-fuzz (seed ${options.seed}, deflate ${options.deflate}): ${sent} frames over ${connections} connections `
  + `in ${seconds} s, ${JSON.stringify(kinds)}`);
if (failures.length > 0) {
  console.log(`ws-fuzz: ${failures.length} failures`);
  process.exit(1);
}
console.log('ws-fuzz passed: every frame answered exactly once');
