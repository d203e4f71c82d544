// The live page: one server-sent event stream of figures (read with fetch, which can carry the key).
import { askForKey, authHeaders, el, number, bytes, showError } from './console.js';

let session = null;  // the live stream's session: one at a time, ended by hideLive
const turnRates = [];

export function hideLive() {
  if (session) { session.abort(); session = null; }
}

/** Opens the live stream (once), reading figures until the page is left; reconnects with a growing pause. */
export function showLive() {
  if (session) return;
  const mine = new AbortController();
  session = mine;
  stream(mine, 500);
}

async function stream(mine, pauseMs) {
  const status = document.getElementById('live-status');
  status.textContent = 'connecting…';
  let failure = null;
  try {
    const reply = await fetch('/console/api/live/stream', { headers: authHeaders(), signal: mine.signal });
    if (!reply.ok) {
      const body = await reply.json().catch(() => ({}));
      if (reply.status === 401) { hideLive(); askForKey(); }
      throw new Error(body.error ? body.error.message : 'HTTP ' + reply.status);
    }
    status.textContent = 'live';
    showError('');
    pauseMs = 500;
    const reader = reply.body.getReader();
    const decoder = new TextDecoder();
    let buffered = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffered.indexOf('\n\n')) >= 0) {
        const event = buffered.substring(0, end);
        buffered = buffered.substring(end + 2);
        const data = event.split('\n').filter(line => line.startsWith('data: ')).map(line => line.substring(6)).join('\n');
        if (data && session === mine) render(JSON.parse(data));
      }
    }
  } catch (e) {
    failure = e;
  }
  if (session !== mine || mine.signal.aborted) return; // the page was left, or a newer stream took over
  status.textContent = 'disconnected, retrying…';
  if (failure) showError('Live view: ' + failure.message);
  setTimeout(() => { if (session === mine) stream(mine, Math.min(pauseMs * 2, 10000)); }, pauseMs);
}

function set(id, text) {
  const node = document.getElementById(id);
  if (node) node.textContent = text;
}

function percent(ratio) {
  return ratio === null || ratio === undefined ? '–' : (ratio * 100).toFixed(1) + ' %';
}

function render(f) {
  document.getElementById('live-grid').dataset.at = f.at;
  const operator = f.turns !== undefined;
  for (const card of document.querySelectorAll('#live-grid .figure')) card.hidden = !operator;
  if (operator) {
    set('fig-turns-per-second', f.turns.per_second.toFixed(1));
    const total = Object.values(f.turns.by_status).reduce((a, b) => a + b, 0);
    set('fig-turns-total', number(total));
    turnRates.push(f.turns.per_second);
    if (turnRates.length > 60) turnRates.shift();
    const peak = Math.max(1, ...turnRates);
    document.querySelector('#spark-turns polyline').setAttribute('points',
      turnRates.map((rate, i) => `${i * 2},${30 - rate / peak * 28}`).join(' '));
    set('fig-sockets-open', number(f.sockets.open));
    set('fig-in-flight', number(f.sockets.in_flight));
    set('fig-queued', number(f.sockets.queued));
    set('fig-outbound', bytes(f.sockets.outbound_pending_bytes));
    set('fig-hot-bytes', bytes(f.hot_cache.bytes));
    set('fig-hot-max', bytes(f.hot_cache.max_bytes));
    set('fig-hot-hit-rate', percent(f.hot_cache.hit_rate));
    set('fig-hot-lookups', number(f.hot_cache.lookups));
    set('fig-redis', !f.redis.configured ? 'in memory' : f.redis.reachable ? 'Redis up' : f.redis.reachable === false ? 'Redis DOWN' : 'Redis');
    set('fig-redis-detail', !f.redis.configured ? 'this replica only (BATON_REDIS_URL unset)'
      : `ping ${f.redis.ping_ms ?? '–'} ms · pending writes ${number(f.redis.pending_writes)} · errors ${number(f.redis.errors)}`);
    // token-in engines: what Baton reused of its own rendering; other engines: the cached tokens they reported
    const tokenIn = f.prompt_tokens.reused_share !== null;
    set('fig-reused-share', percent(tokenIn ? f.prompt_tokens.reused_share : f.prompt_tokens.engine_cached_share));
    set('fig-reused-basis', tokenIn ? 'of the prompt tokens Baton sent (token-in)' : 'cached tokens the engine reported, of all input tokens');
    set('fig-reused', number(f.prompt_tokens.reused));
    set('fig-tokenized', number(f.prompt_tokens.tokenized));
    set('fig-prefix-hits', number(f.prefix_index.hits));
    set('fig-prefix-lookups', number(f.prefix_index.lookups));
    set('fig-background', number(f.background.running) + ' running');
    const verdicts = Object.entries(f.safety.verdicts).map(([result, n]) => `${result} ${number(n)}`).join(' · ');
    set('fig-safety', verdicts || 'none (no classifiers, or nothing scanned yet)');
    const overhead = document.querySelector('#overhead tbody');
    overhead.replaceChildren(...Object.entries(f.overhead_ms).map(([transport, o]) =>
      el('tr', { 'data-transport': transport }, el('td', {}, transport), el('td', {}, number(o.turns)),
        el('td', {}, o.p50 ?? '–'), el('td', {}, o.p99 ?? '–'))));
  }
  const engine = document.getElementById('engine');
  engine.replaceChildren(
    el('div', {}, el('b', {}, f.replica.engine), f.replica.simulated ? ' (simulated: no model runs)' : ''),
    el('div', { class: 'muted' }, 'models: ' + (f.replica.models.length ? f.replica.models.join(', ') : 'any')),
    el('div', {}, ...f.replica.endpoints.map(e => el('span', { class: 'badge ' + (e.up ? 'up' : 'down') },
      e.name + (e.up ? ' up' : ' down')))));
  document.querySelector('#tenants tbody').replaceChildren(...f.tenants.map(t => el('tr', {},
    el('td', {}, t.tenant), el('td', {}, number(t.responses)), el('td', {}, number(t.input_tokens)),
    el('td', {}, number(t.cached_tokens)), el('td', {}, number(t.output_tokens)),
    el('td', {}, Object.entries(t.by_transport).map(([k, v]) => `${k} ${v}`).join(' · ')))));
  document.querySelector('#recent tbody').replaceChildren(...f.recent.map(r => el('tr', { 'data-response': r.response_id },
    el('td', {}, el('a', { href: '/console/chains/' + encodeURIComponent(r.response_id), class: 'mono' }, r.response_id)),
    el('td', {}, r.tenant), el('td', {}, r.transport), el('td', {}, el('span', { class: 'badge ' + r.status }, r.status)),
    el('td', {}, number(r.input_tokens)), el('td', {}, number(r.cached_tokens)), el('td', {}, number(r.output_tokens)),
    el('td', {}, r.ttft_ms ?? '–'), el('td', {}, r.gateway_overhead_ms ?? '–'))));
}
