// Drives Baton with the OpenAI Agents SDK for JavaScript (@openai/agents): an agent with a function tool runs its
// tool loop over HTTP and over the WebSocket transport, keeps its memory in a Conversations API session and in a
// compaction session (POST /v1/responses/compact), and chains runs by previous_response_id. Exits non-zero on the
// first failure. Usage: node agents-sdk.mjs http://127.0.0.1:PORT/v1
import OpenAI from 'openai';
import WebSocket from 'ws';
import {
  Agent, run, tool, setDefaultOpenAIClient, setOpenAIAPI, setOpenAIResponsesTransport, setTracingDisabled,
  OpenAIConversationsSession, OpenAIResponsesCompactionSession, MemorySession,
} from '@openai/agents';

const baseURL = process.argv[2];
const client = new OpenAI({ baseURL, apiKey: 'sk-unused', maxRetries: 0 });
setTracingDisabled(true); // no trace export: tests talk to loopback only
setDefaultOpenAIClient(client);
setOpenAIAPI('responses');

/** The sum of a counter's samples on Baton's /q/metrics. */
async function counter(name) {
  const text = await (await fetch(new URL('/q/metrics', baseURL))).text();
  return text.split('\n').filter((line) => line.startsWith(name + '{') || line.startsWith(name + ' '))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

function check(condition, message) {
  if (!condition) throw new Error(message);
  console.log(`agents-sdk ok: ${message}`);
}

const commands = [];
const execCommand = tool({
  name: 'exec_command',
  description: 'Runs a shell command and returns its output.',
  parameters: { type: 'object', properties: { cmd: { type: 'string' } }, required: ['cmd'], additionalProperties: false },
  strict: true,
  execute: async ({ cmd }) => {
    commands.push(cmd);
    return `README.md\nsrc (listing of ${cmd})`;
  },
});
// the simulator's scripted scenario 'gpt-5-agent' calls exec_command, then answers once the tool's output is back
const agent = new Agent({ name: 'Baton agent', model: 'gpt-5-agent', instructions: 'You list folders.', tools: [execCommand] });

try {
  // the tool loop over HTTP, the agent's memory in a Conversations API session
  const conversation = new OpenAIConversationsSession({ client });
  const first = await run(agent, 'List the folder.', { session: conversation });
  check(commands.length === 1 && commands[0] === 'ls', 'the agent called its tool once, with the model\'s arguments');
  check(first.finalOutput.startsWith('Listed the folder'), `the agent answered after the tool: ${first.finalOutput}`);
  const remembered = await conversation.getItems();
  const kinds = remembered.map((item) => item.type ?? item.role).join(',');
  check(kinds === 'message,function_call,function_call_result,message',
    `the conversation holds the question, the call, its result and the answer (${kinds})`);
  const second = await run(agent, 'And again?', { session: conversation });
  check(typeof second.finalOutput === 'string' && second.finalOutput.length > 0, 'a second run continues the conversation');
  check((await conversation.getItems()).length === 6, 'the second run appended its turn to the conversation');

  // chained by previous_response_id, as an agent without a session does
  const chained = await run(agent, 'Once more, by id.', { previousResponseId: first.lastResponseId });
  check(typeof chained.finalOutput === 'string', 'a run chained by previous_response_id completes');

  // a compaction session: its history is replaced by the window POST /v1/responses/compact answers
  const compacting = new OpenAIResponsesCompactionSession({ client, model: 'gpt-5-agent',
    underlyingSession: new MemorySession(), shouldTriggerCompaction: () => true });
  await run(agent, 'List the folder.', { session: compacting });
  const window = await compacting.getItems();
  check(window.some((item) => item.type === 'compaction'), 'the compaction session holds the sealed compaction item');
  const afterCompaction = await run(agent, 'What did you find?', { session: compacting });
  check(typeof afterCompaction.finalOutput === 'string', 'a run on the compacted history completes');

  // the same tool loop over the Responses WebSocket transport (Node 20 has no global WebSocket: the ws package's)
  globalThis.WebSocket ??= WebSocket;
  setOpenAIResponsesTransport('websocket');
  commands.length = 0;
  const overSocket = await run(agent, 'List the folder over the socket.');
  check(commands.length === 1 && overSocket.finalOutput.startsWith('Listed the folder'),
    'the tool loop runs over the WebSocket transport');
  const slotLookups = await counter('baton_ws_slot_lookups_total');
  const chainedOverSocket = await run(agent, 'And by id, over the socket.', { previousResponseId: overSocket.lastResponseId });
  check(typeof chainedOverSocket.finalOutput === 'string' && await counter('baton_ws_slot_lookups_total') > slotLookups,
    'a run chained by previous_response_id over the socket looks its parent up in the connection slot first');

  console.log('agents-sdk: all checks passed');
  process.exit(0);
} catch (e) {
  console.error(`agents-sdk FAILED: ${e.stack || e.message}`);
  process.exit(1);
}
