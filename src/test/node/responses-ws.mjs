// Drives Baton's WebSocket mode with the official OpenAI Node SDK (ResponsesWS). Exits non-zero on the first failure.
// Usage: node responses-ws.mjs http://127.0.0.1:PORT/v1
import OpenAI from 'openai';
import { ResponsesWS } from 'openai/resources/responses/ws';
import { eventInbox } from './ws-inbox.mjs';

const baseURL = process.argv[2];
const client = new OpenAI({ baseURL, apiKey: 'sk-unused', maxRetries: 0 });
const ws = new ResponsesWS(client);
const { next, inbox } = eventInbox(ws, 10_000); // the next event matching a predicate, within 10 s

const terminal = (streamId) => (e) =>
  ['response.completed', 'response.failed', 'response.incomplete', 'error'].includes(e.type) && e.stream_id === streamId;

function check(condition, message) {
  if (!condition) throw new Error(message);
  console.log(`node-sdk ok: ${message}`);
}

const text = (response) => response.output[0].content[0].text;

try {
  ws.send({ type: 'response.create', model: 'baton-simulator', store: false, input: `Hello from Node ${Date.now()}` });
  const first = await next(terminal(undefined), 'first response');
  check(first.type === 'response.completed' && text(first.response).startsWith('Simulated reply #1'), 'first turn completes');

  ws.send({ type: 'response.create', model: 'baton-simulator', store: false, previous_response_id: first.response.id, input: 'Go on' });
  const second = await next(terminal(undefined), 'chained response');
  check(text(second.response).startsWith('Simulated reply #2'), 'the chained turn sees the first turn');
  check(second.response.usage.input_tokens_details.cached_tokens > 0, 'the chained turn hits the prefix cache');

  ws.send({ type: 'response.create', model: 'baton-simulator', store: false, stream_id: 'a', input: 'lane a' });
  ws.send({ type: 'response.create', model: 'baton-simulator', store: false, stream_id: 'b', input: 'lane b' });
  const [a, b] = await Promise.all([next(terminal('a'), 'lane a'), next(terminal('b'), 'lane b')]);
  check(a.type === 'response.completed' && b.type === 'response.completed', 'two named lanes complete with their stream_id');

  ws.send({ type: 'response.create', model: 'baton-simulator', previous_response_id: 'resp_missing', input: 'x' });
  const error = await next(terminal(undefined), 'error');
  check(error.type === 'error' && error.status === 400 && error.error.code === 'previous_response_not_found',
    'an unknown previous_response_id is an error event with status 400');
  // Conversations: created over HTTP, continued over the socket, listed over HTTP
  const conversation = await client.conversations.create({ items: [{ type: 'message', role: 'user', content: 'I am Node' }] });
  ws.send({ type: 'response.create', model: 'baton-simulator', conversation: conversation.id, input: 'Who am I?' });
  const inConversation = await next(terminal(undefined), 'conversation turn');
  check(inConversation.type === 'response.completed' && inConversation.response.conversation.id === conversation.id,
    'a WebSocket turn continues a conversation');
  const items = [];
  for await (const item of client.conversations.items.list(conversation.id, { order: 'asc' })) items.push(item);
  check(items.length === 3 && items[0].content[0].text === 'I am Node', 'the conversation holds the turn');

  // Server-side compaction over the socket: the compaction item comes first, announced while the summary is written
  ws.send({ type: 'response.create', model: 'baton-simulator', input: 'alpha '.repeat(1100),
    context_management: [{ type: 'compaction', compact_threshold: 1000 }] });
  const compactedTurn = await next(terminal(undefined), 'compacting turn');
  const compaction = compactedTurn.response.output[0];
  check(compactedTurn.type === 'response.completed' && compaction.type === 'compaction'
    && compactedTurn.response.output[1].type === 'message', 'a turn past its compact_threshold answers after a compaction item');
  check(inbox.some((e) => e.type === 'response.compaction.compacting' && e.item_id === compaction.id),
    'response.compaction.compacting events announce the summary');

  // Background: created, polled to its end, and a second one cancelled
  const job = await client.responses.create({ model: 'baton-simulator', input: 'background job', background: true });
  check(job.status === 'in_progress' || job.status === 'completed', 'a background response is answered at once');
  let polled = job;
  for (let i = 0; i < 200 && polled.status === 'in_progress'; i++) {
    await new Promise((r) => setTimeout(r, 50)); // polling, as a client does
    polled = await client.responses.retrieve(job.id);
  }
  check(polled.status === 'completed', 'the background response completes and is retrieved');
  const refused = await client.responses.cancel(job.id).then(() => null, (e) => e);
  check(refused instanceof OpenAI.BadRequestError && refused.message.includes('Cannot cancel a completed response'),
    'cancelling a finished background response is refused, as OpenAI refuses it');
  const running = await client.responses.create({ model: 'baton-simulator', input: 'long job', background: true });
  const cancelled = await client.responses.cancel(running.id).then((r) => r.status, (e) => e.message);
  check(cancelled === 'cancelled' || cancelled.includes('Cannot cancel a completed response'),
    'a background response is cancelled, or the cancel is refused if it had already completed');

  // Compaction: the window continues as a new chain
  const compacted = await client.responses.compact({ model: 'baton-simulator', previous_response_id: polled.id });
  check(compacted.object === 'response.compaction' && compacted.output.at(-1).type === 'compaction',
    'compact answers the window with a sealed compaction item');
  const afterCompaction = await client.responses.create({ model: 'baton-simulator',
    input: [...compacted.output, { role: 'user', content: 'continue' }] });
  check(afterCompaction.status === 'completed', 'a turn on the compacted window completes');

  ws.close({ code: 1000, reason: 'done' });
  console.log('node-sdk: all checks passed');
  process.exit(0);
} catch (e) {
  console.error(`node-sdk FAILED: ${e.message}`);
  process.exit(1);
}
