// Steers Baton's WebSocket mode with the official OpenAI Node SDK (ResponsesWS): a steered response, a steer racing
// completion, a refusal. Needs a simulator slow enough that a response streams for seconds (SteeringTest's profile).
// Usage: node responses-ws-steer.mjs http://127.0.0.1:PORT/v1 ; exits non-zero on the first failure.
import OpenAI from 'openai';
import { ResponsesWS } from 'openai/resources/responses/ws';
import { eventInbox } from './ws-inbox.mjs';

const baseURL = process.argv[2];
const client = new OpenAI({ baseURL, apiKey: 'sk-unused', maxRetries: 0 });
const ws = new ResponsesWS(client);
const { next, inbox } = eventInbox(ws, 15_000); // the next event matching a predicate, within 15 s

const ofType = (type, test = () => true) => (e) => e.type === type && test(e);
const terminalOf = (id) => (e) => ['response.completed', 'response.failed', 'response.incomplete'].includes(e.type)
  && e.response.id === id;

function check(condition, message) {
  if (!condition) throw new Error(message);
  console.log(`node-sdk steering ok: ${message}`);
}

try {
  // a steer while the response streams: it stops steered, and its successor continues with the input
  ws.send({ type: 'response.create', model: 'baton-simulator', input: `A long answer please ${Date.now()}` });
  const target = (await next(ofType('response.created'), 'created')).response;
  await next(ofType('response.output_text.delta', (e) => e.item_id !== undefined), 'a delta');
  ws.send({ type: 'response.steer', previous_response_id: target.id, input: 'Keep the scope small.' });
  const accepted = await next(ofType('response.steer.accepted'), 'steer accepted');
  check(accepted.steer.previous_response_id === target.id && accepted.steer.id.startsWith('steer_'),
    'response.steer.accepted names the steered response');
  const steered = await next(terminalOf(target.id), 'steered end');
  check(steered.type === 'response.incomplete' && steered.response.incomplete_details.reason === 'steered',
    'the response ends incomplete, reason steered');
  const successor = (await next(ofType('response.created', (e) => e.response.previous_response_id === target.id),
    'successor')).response;
  const finished = await next(terminalOf(successor.id), 'successor end');
  check(finished.type === 'response.completed' && finished.response.output[0].content[0].text.startsWith('Simulated reply #2'),
    'the automatic successor continues the steered response');
  const items = await client.responses.inputItems.list(successor.id, { order: 'asc' });
  check(items.data[0].content[0].text === 'Keep the scope small.', 'the successor\'s input is the steering input');

  // a steer racing the end of a short response: whichever wins, a successor follows with the input
  inbox.length = 0;
  ws.send({ type: 'response.create', model: 'baton-simulator', input: 'short', max_output_tokens: 2 });
  const short = (await next(ofType('response.created'), 'short created')).response;
  ws.send({ type: 'response.steer', previous_response_id: short.id, input: 'One more thing.' });
  const outcome = await next((e) => e.type === 'response.steer.failed'
    || e.type === 'response.created' && e.response.previous_response_id === short.id, 'successor or failure');
  if (outcome.type === 'response.steer.failed') {
    check(['response_already_completed', 'response_not_active'].includes(outcome.error.code)
      && outcome.steer.input === 'One more thing.', 'a steer that arrives after the end comes back with its input');
  } else {
    const raced = await next(terminalOf(outcome.response.id), 'raced successor end');
    // the successor keeps the target's settings (max_output_tokens: 2): it ends as the target did, continuable
    check(['response.completed', 'response.incomplete'].includes(raced.type)
      && raced.response.previous_response_id === short.id, 'a steer racing completion still gets its successor');
  }

  ws.send({ type: 'response.steer', previous_response_id: 'resp_unknown', input: 'anyone?' });
  const failed = await next(ofType('response.steer.failed'), 'failed');
  check(failed.error.code === 'response_not_found' && failed.steer.input === 'anyone?',
    'a steer for an unknown response fails with its input returned');
  console.log('node-sdk steering: all checks passed');
  ws.close();
  process.exit(0);
} catch (error) {
  console.error(`node-sdk steering FAILED: ${error.stack || error}`);
  process.exit(1);
}
