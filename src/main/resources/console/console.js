// The console's shell: the key (kept in this tab only), the JSON API, and which page shows.
import { showLive, hideLive } from './live.js';
import { showChains } from './chains.js';
import { showPlayground } from './playground.js';

const KEY = 'baton.console.key';
export const state = { overview: null };

export function authHeaders() {
  const key = sessionStorage.getItem(KEY);
  return key ? { Authorization: 'Bearer ' + key } : {};
}

export function consoleKey() {
  return sessionStorage.getItem(KEY);
}

/** GET a console API path as JSON; a 401 asks for a key, any other error is thrown with the server's message. */
export async function api(path) {
  const reply = await fetch(path, { headers: authHeaders() });
  const body = await reply.json().catch(() => ({}));
  if (reply.status === 401) {
    askForKey();
    throw new Error(body.error ? body.error.message : 'a key is needed');
  }
  if (!reply.ok) {
    throw new Error(body.error ? body.error.message : 'HTTP ' + reply.status);
  }
  return body;
}

export function showError(message) {
  const banner = document.getElementById('error');
  banner.textContent = message;
  banner.hidden = !message;
}

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null) continue;
    if (name === 'class') node.className = value; else node.setAttribute(name, value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

export function number(value) {
  if (value === null || value === undefined) return '–';
  return Number(value).toLocaleString('en-US');
}

export function bytes(value) {
  if (value === null || value === undefined) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let n = Number(value), unit = 0;
  while (n >= 1024 && unit < units.length - 1) { n /= 1024; unit++; }
  return (unit === 0 ? n : n.toFixed(1)) + ' ' + units[unit];
}

export function askForKey() {
  for (const page of document.querySelectorAll('.page')) page.hidden = true;
  document.getElementById('key-form').hidden = false;
}

function pageOf(path) {
  if (path.startsWith('/console/chains')) return 'chains';
  if (path.startsWith('/console/playground')) return 'playground';
  return 'live';
}

export function navigate(path) {
  history.pushState({}, '', path);
  route();
}

async function route() {
  showError('');
  const path = location.pathname;
  const page = pageOf(path);
  for (const link of document.querySelectorAll('#nav a')) link.classList.toggle('current', link.dataset.page === page);
  for (const section of document.querySelectorAll('.page')) section.hidden = section.id !== 'page-' + page;
  try {
    if (!state.overview) {
      state.overview = await api('/console/api/overview');
      const viewer = state.overview.viewer;
      document.getElementById('key-form').hidden = true;
      document.getElementById('who').textContent = state.overview.version + ' · ' + state.overview.replica + ' · '
        + (viewer.open ? 'open' : viewer.sees_every_tenant ? 'operator' : 'tenant ' + viewer.tenant);
    }
  } catch (e) {
    showError(e.message);
    return;
  }
  if (page !== 'live') hideLive();
  if (page === 'live') showLive();
  if (page === 'chains') {
    let id = path.substring('/console/chains/'.length);
    try { id = decodeURIComponent(id); } catch (e) { /* a malformed path: looked up as it is */ }
    showChains(id);
  }
  if (page === 'playground') showPlayground();
}

document.addEventListener('click', event => {
  const link = event.target.closest('a');
  if (link && link.origin === location.origin && link.pathname.startsWith('/console')
      && !event.metaKey && !event.ctrlKey && !event.shiftKey) {
    event.preventDefault();
    navigate(link.pathname);
  }
});
window.addEventListener('popstate', route);
document.getElementById('key-entry').addEventListener('submit', event => {
  event.preventDefault();
  sessionStorage.setItem(KEY, document.getElementById('key-input').value.trim());
  state.overview = null;
  route();
});
route();
