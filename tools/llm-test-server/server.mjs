// A small OpenAI-compatible HTTP server (GET /v1/models, POST /v1/chat/completions, streaming
// and not) on node-llama-cpp, CPU only, serving one GGUF model. For facetag's protocol tests.
// Usage: node server.mjs [--model FILE] [--port N] [--threads N]; prints
// "llm-test-server: http://127.0.0.1:PORT/v1" once it listens. Binds 127.0.0.1 only.
import { createServer } from 'node:http';
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { getLlama, LlamaChatSession } from 'node-llama-cpp';
import { DEFAULT_MODEL, writeTinyModel } from './make-tiny-model.mjs';

const { values } = parseArgs({ options: { model: { type: 'string' }, port: { type: 'string', default: '0' }, threads: { type: 'string', default: '1' } } });
const modelPath = values.model ?? (existsSync(DEFAULT_MODEL) ? DEFAULT_MODEL : writeTinyModel());
const modelId = basename(modelPath).replace(/\.gguf$/, '');

const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
const context = await model.createContext({ contextSize: 4096, threads: Number(values.threads), sequences: 1 });

// One sequence: requests take turns.
let queue = Promise.resolve();
const serially = (fn) => {
  const run = queue.then(fn, fn);
  queue = run.catch(() => {});
  return run;
};

async function complete(body, onChunk) {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const text = (m) => (typeof m.content === 'string' ? m.content : Array.isArray(m.content) ? m.content.map((p) => p.text ?? '').join('') : '');
  const last = messages.at(-1);
  if (!last || last.role !== 'user') throw Object.assign(new Error('the last message must be from the user'), { status: 400 });
  const history = messages.slice(0, -1).map((m) => (m.role === 'assistant' ? { type: 'model', response: [text(m)] } : { type: m.role === 'system' ? 'system' : 'user', text: text(m) }));
  return serially(async () => {
    const sequence = context.getSequence();
    const session = new LlamaChatSession({ contextSequence: sequence, autoDisposeSequence: false });
    try {
      session.setChatHistory(history);
      const started = Date.now();
      const { responseText, stopReason } = await session.promptWithMeta(text(last), {
        maxTokens: Math.min(Number(body.max_tokens ?? body.max_completion_tokens ?? 256), 1024),
        temperature: Number(body.temperature ?? 0),
        onTextChunk: onChunk,
      });
      return { text: responseText, finish: stopReason === 'maxTokens' ? 'length' : 'stop', ms: Date.now() - started };
    } finally {
      session.dispose();
      sequence.dispose();
    }
  });
}

const send = (res, status, value) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
};

const server = createServer((req, res) => {
  let raw = '';
  req.on('data', (d) => (raw += d));
  req.on('end', async () => {
    try {
      if (req.method === 'GET' && req.url === '/v1/models') {
        return send(res, 200, { object: 'list', data: [{ id: modelId, object: 'model', owned_by: 'llm-test-server', created: 0 }] });
      }
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') return send(res, 404, { error: { message: `no route ${req.method} ${req.url}` } });
      const body = JSON.parse(raw || '{}');
      const id = `chatcmpl-${Date.now()}`;
      const head = { id, created: Math.floor(Date.now() / 1000), model: modelId };
      if (body.stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        const chunk = (delta, finish = null) => res.write(`data: ${JSON.stringify({ ...head, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`);
        chunk({ role: 'assistant', content: '' });
        const r = await complete(body, (t) => chunk({ content: t }));
        chunk({}, r.finish);
        res.end('data: [DONE]\n\n');
        return;
      }
      const r = await complete(body);
      return send(res, 200, {
        ...head, object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content: r.text }, finish_reason: r.finish }],
        usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
      });
    } catch (error) {
      if (res.headersSent) return res.end();
      send(res, error.status ?? 500, { error: { message: String(error.message ?? error) } });
    }
  });
});

server.listen(Number(values.port), '127.0.0.1', () => {
  process.stdout.write(`llm-test-server: http://127.0.0.1:${server.address().port}/v1 (model ${modelId})\n`);
});
const stop = async () => {
  server.close();
  await context.dispose();
  await model.dispose();
  await llama.dispose();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
