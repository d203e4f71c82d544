// The chain inspector: a response (or conversation) id as a timeline, newest first.
import { api, el, number, navigate, showError, state } from './console.js';

let next = null;
let current = null;
let loading = 0;      // the latest request: answers to an older one (another chain) are dropped
let lastShown = null; // the oldest response shown so far: the one a steered response on the next page continued

export function showChains(id) {
  const tenantInput = document.getElementById('chain-tenant');
  const viewer = state.overview.viewer;
  tenantInput.hidden = !(viewer.sees_every_tenant && !viewer.open);
  if (id && id !== current) {
    document.getElementById('chain-id').value = id;
    load(id, true);
  }
}

function tenantQuery() {
  const tenant = document.getElementById('chain-tenant');
  return !tenant.hidden && tenant.value.trim() ? '&tenant=' + encodeURIComponent(tenant.value.trim()) : '';
}

async function load(id, fresh) {
  current = fresh ? id : current;
  const request = ++loading;
  const list = document.getElementById('chain');
  const summary = document.getElementById('chain-summary');
  const more = document.getElementById('chain-more');
  more.disabled = true;
  if (fresh) { list.replaceChildren(); summary.textContent = 'loading…'; lastShown = null; more.hidden = true; }
  try {
    const page = await api('/console/api/chains/' + encodeURIComponent(id) + '?limit=50' + tenantQuery());
    if (request !== loading) return;
    if (fresh) {
      summary.replaceChildren(
        page.conversation ? `Conversation ${page.conversation} · ` : '',
        `tenant ${page.tenant} · seen from replica ${page.replica} · state: ${page.state}`,
        page.redis_unavailable ? ' · Redis unreachable: showing what this replica holds' : '');
    }
    for (const response of page.responses) {
      if (response.incomplete_reason === 'steered' && !response.steered_into && lastShown) {
        response.steered_into = lastShown; // it continued on the page before
      }
      list.append(entry(response));
      lastShown = response.id;
    }
    if (page.missing_ancestor) {
      list.append(el('li', { class: 'missing' }, 'The chain goes on to ', el('code', {}, page.missing_ancestor),
        ', which is no longer stored (expired, deleted, or store=false on another connection).'));
    }
    next = page.next;
    more.hidden = !next;
    showError('');
  } catch (e) {
    if (request !== loading) return;
    summary.textContent = '';
    showError(e.message);
  } finally {
    if (request === loading) more.disabled = false;
  }
}

function items(title, list) {
  if (!list.length) return null;
  return el('div', {}, el('span', { class: 'muted' }, title),
    el('ul', { class: 'items' }, ...list.map(item => el('li', {},
      el('span', { class: 'badge' }, item.role || item.type), item.name ? el('code', {}, item.name + ' ') : null,
      item.text))));
}

function entry(r) {
  const usage = r.usage || {};
  const turn = r.turn;
  return el('li', { class: 'response' + (r.steered_into ? ' steered' : ''), 'data-response': r.id },
    el('div', { class: 'head' },
      el('code', {}, r.id), el('span', { class: 'badge ' + r.status }, r.status),
      r.incomplete_reason ? el('span', { class: 'badge incomplete' }, r.incomplete_reason) : null,
      ...r.lives_in.map(tier => el('span', { class: 'badge tier', 'data-tier': tier }, tier.replace('_', ' '))),
      r.store ? null : el('span', { class: 'badge' }, 'store=false'),
      r.compaction ? el('span', { class: 'badge incomplete' }, 'compaction point') : null,
      el('span', { class: 'muted' }, `depth ${r.depth} · ${new Date(r.created_at * 1000).toLocaleTimeString()} · ${r.model}`)),
    el('div', { class: 'muted' },
      `tokens in ${number(usage.input_tokens)} (reused ${number(usage.cached_tokens)}) · out ${number(usage.output_tokens)}`
      + ` · context ${number(r.context_tokens)} tokens in ${number(r.context_items)} items`
      + (turn ? ` · ${turn.transport} · Baton overhead ${turn.gateway_overhead_ms ?? '–'} ms · TTFT ${turn.ttft_ms ?? '–'} ms` : '')
      + (r.affinity ? ` · upstream ${r.affinity.endpoint ?? '–'} (key ${r.affinity.key})` : '')),
    r.steered_into ? el('div', {}, 'Steered: continued by ', el('a', { href: '/console/chains/' + r.steered_into }, r.steered_into)) : null,
    r.safety ? el('div', { class: 'muted' }, 'safety: ' + JSON.stringify(r.safety)) : null,
    items('input', r.input), items('output', r.output));
}

document.getElementById('chain-form').addEventListener('submit', event => {
  event.preventDefault();
  const id = document.getElementById('chain-id').value.trim();
  current = null;
  navigate('/console/chains/' + encodeURIComponent(id));
});
document.getElementById('chain-more').addEventListener('click', () => next && !document.getElementById('chain-more').disabled && load(next, false));
