// The events of an SDK ResponsesWS, waited for by a predicate: events nobody waits for yet stay queued in order.
// Shared by the Node scripts the Java tests run (responses-ws.mjs, responses-ws-steer.mjs).

/**
 * Listens on `ws` (an openai ResponsesWS). Returns `next(match, what)`: the next event matching `match`, rejecting
 * after `timeoutMs` with "timed out waiting for <what>"; and `inbox`: the events received that nobody took yet.
 */
export function eventInbox(ws, timeoutMs) {
  const inbox = [];
  const waiters = [];
  // error frames also arrive as events; without a listener the SDK would raise them as unhandled
  ws.on('error', () => {});
  ws.on('event', (event) => {
    const waiter = waiters.findIndex((w) => w.match(event));
    if (waiter >= 0) {
      waiters.splice(waiter, 1)[0].resolve(event);
    } else {
      inbox.push(event);
    }
  });
  function next(match, what) {
    const queued = inbox.findIndex(match);
    if (queued >= 0) return Promise.resolve(inbox.splice(queued, 1)[0]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      waiters.push({ match, resolve: (e) => { clearTimeout(timer); resolve(e); } });
    });
  }
  return { next, inbox };
}
