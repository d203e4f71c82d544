// The playground: a conversation with the configured engine over WebSocket mode, showing what each turn costs.
import { api, authHeaders, el, number, bytes, showError, state } from './console.js';

let socket = null;
let connecting = null; // the connection being opened, shared by whoever needs it meanwhile
let previous = null;
let previousStored = true; // whether the chain's latest response is stored (else it lives on this socket only)
let history = [];   // every item so far, as a client without Baton would re-send them
let pending = null; // the turn in flight
let turnCount = 0;
let chain = 0;      // bumped by "New chain": a turn of an earlier chain no longer moves the chain on

export function showPlayground() {
  const model = document.getElementById('turn-model');
  if (!model.value) model.value = state.overview.models.length ? state.overview.models[0] : 'baton-simulator';
  const viewer = state.overview.viewer;
  const note = document.getElementById('turn-note');
  if (!viewer.runs_turns) {
    document.getElementById('send').disabled = true;
    note.textContent = 'An operator key runs no turns: open the console with a tenant\'s API key to use the playground.';
  }
}

async function socketUrl() {
  const base = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/v1/responses';
  if (state.overview.viewer.open) return base;
  // a browser cannot put a key on a WebSocket: a one-time ticket from the console stands for it
  const reply = await fetch('/console/api/socket-tickets', { method: 'POST', headers: authHeaders() });
  const body = await reply.json();
  if (!reply.ok) throw new Error(body.error ? body.error.message : 'HTTP ' + reply.status);
  return base + '?ticket=' + encodeURIComponent(body.ticket);
}

function connect() {
  if (socket && socket.readyState === WebSocket.OPEN) return Promise.resolve(socket);
  if (!connecting) {
    connecting = open().finally(() => { connecting = null; });
  }
  return connecting;
}

async function open() {
  const status = document.getElementById('socket-status');
  status.textContent = 'connecting…';
  const url = await socketUrl();
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.onopen = () => { socket = ws; status.textContent = 'connected: one socket, state kept on it'; resolve(ws); };
    ws.onerror = () => reject(new Error('the WebSocket could not connect'));
    ws.onclose = event => {
      if (socket !== ws) return; // an older socket
      status.textContent = `closed (${event.code}${event.reason ? ': ' + event.reason : ''})`;
      socket = null;
      if (!previousStored) previous = null; // its state lived on this socket: the next turn starts a new chain
      if (pending) { finishWithError(pending, 'the socket closed during the turn'); }
    };
    ws.onmessage = message => { if (socket === ws) onEvent(JSON.parse(message.data)); };
  });
}

function utf8Length(text) {
  return new TextEncoder().encode(text).length;
}

function bubble(role, text) {
  const node = el('div', { class: 'msg ' + role }, text);
  document.getElementById('transcript').append(node);
  node.scrollIntoView({ block: 'nearest' });
  return node;
}

async function send(text) {
  const model = document.getElementById('turn-model').value.trim();
  const store = document.getElementById('turn-store').checked;
  const input = [{ type: 'message', role: 'user', content: [{ type: 'input_text', text }] }];
  const frame = { type: 'response.create', model, store, input };
  if (previous) frame.previous_response_id = previous;
  const body = JSON.stringify(frame);
  const fullResend = JSON.stringify({ type: 'response.create', model, store, input: history.concat(input) });
  // the turn is pending before anything is awaited: a second submit meanwhile is ignored
  const turn = { input, store, chain, sentBytes: utf8Length(body), fullBytes: utf8Length(fullResend), startedAt: 0,
    firstDeltaMs: null, reply: null, number: ++turnCount };
  pending = turn;
  document.getElementById('send').disabled = true;
  bubble('user', text);
  turn.reply = bubble('assistant', '');
  let ws;
  try {
    ws = await connect();
  } catch (e) {
    finishWithError(turn, e.message);
    return;
  }
  turn.startedAt = performance.now();
  ws.send(body);
}

function onEvent(event) {
  const turn = pending;
  if (!turn) return;
  if (event.type === 'response.output_text.delta') {
    if (turn.firstDeltaMs === null) turn.firstDeltaMs = performance.now() - turn.startedAt;
    turn.reply.textContent += event.delta;
  } else if (event.type === 'response.completed' || event.type === 'response.incomplete' || event.type === 'response.failed') {
    finish(turn, event.response);
  } else if (event.type === 'error') {
    finishWithError(turn, event.error ? event.error.message : JSON.stringify(event));
  }
}

function finishWithError(turn, message) {
  if (pending === turn) pending = null;
  turn.reply.classList.add('error');
  turn.reply.textContent += ' [' + message + ']';
  showError(message);
  document.getElementById('send').disabled = false;
}

async function finish(turn, response) {
  pending = null;
  document.getElementById('send').disabled = false;
  if (turn.chain === chain && (response.status === 'completed' || response.status === 'incomplete')) {
    previous = response.id;
    previousStored = turn.store;
    history = history.concat(turn.input, response.output.map(item => withoutIds(item)));
  }
  const usage = response.usage || { input_tokens_details: {} };
  const row = el('tr', { 'data-response': response.id },
    el('td', {}, turn.number),
    el('td', {}, response.store === false ? el('code', { title: response.id }, shortId(response.id))
      : el('a', { href: '/console/chains/' + response.id, class: 'mono', title: response.id }, shortId(response.id))),
    el('td', { 'data-field': 'bytes-sent' }, bytes(turn.sentBytes)),
    el('td', { 'data-field': 'full-resend' }, bytes(turn.fullBytes)),
    el('td', { 'data-field': 'overhead' }, '…'),
    el('td', { 'data-field': 'input-tokens' }, number(usage.input_tokens)),
    el('td', { 'data-field': 'cached-tokens' }, number(usage.input_tokens_details ? usage.input_tokens_details.cached_tokens : null)),
    el('td', {}, number(usage.output_tokens)),
    el('td', {}, turn.firstDeltaMs === null ? '–' : turn.firstDeltaMs.toFixed(1)));
  document.querySelector('#turns tbody').append(row);
  document.getElementById('turn-note').textContent = `Turn ${turn.number} sent ${bytes(turn.sentBytes)}; a client`
    + ` re-sending the whole conversation would have sent ${bytes(turn.fullBytes)}.`;
  try {
    const seen = await api('/console/api/turns/' + encodeURIComponent(response.id));
    row.querySelector('[data-field=overhead]').textContent = seen.gateway_overhead_ms ?? '–';
  } catch (e) {
    row.querySelector('[data-field=overhead]').textContent = '–';
  }
}

function shortId(id) {
  return id.length > 16 ? id.substring(0, 14) + '…' : id;
}

function withoutIds(item) {
  const copy = Object.assign({}, item);
  delete copy.id;
  delete copy.status;
  return copy;
}

document.getElementById('turn-form').addEventListener('submit', event => {
  event.preventDefault();
  const input = document.getElementById('turn-input');
  const text = input.value.trim();
  if (!text || pending || document.getElementById('send').disabled) return;
  input.value = '';
  send(text).catch(e => { showError(e.message); document.getElementById('send').disabled = false; });
});
document.getElementById('new-chain').addEventListener('click', () => {
  chain++;
  previous = null;
  previousStored = true;
  history = [];
  document.getElementById('transcript').replaceChildren();
});
