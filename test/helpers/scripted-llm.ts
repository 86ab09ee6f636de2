import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the scripted server does for one request. */
export type Reply =
  | { content: string; stream?: boolean; chunkDelayMs?: number }
  | { status: number; body?: string; retryAfter?: number }
  | { hangMs: number }
  | { raw: string; contentType?: string };

export interface SeenRequest {
  path: string;
  method: string;
  headers: IncomingMessage['headers'];
  body: any;
}

/**
 * A real OpenAI-compatible HTTP server on 127.0.0.1 that answers each chat completion with the
 * next scripted reply (the last one repeats), and records every request it got. For testing
 * parsing, retries, bad output, timeouts and prompt injection without a model.
 */
export async function startScriptedLlm(options: { model?: string; replies?: Reply[] } = {}) {
  const model = options.model ?? 'scripted-1';
  const script: Reply[] = [...(options.replies ?? [])];
  const requests: SeenRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let next = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const server: Server = createServer((req, res) => {
    let raw = '';
    if (req.url === '/v1/chat/completions') {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      res.on('close', () => inFlight--);
    }
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      const body = raw ? JSON.parse(raw) : null;
      requests.push({ path: req.url ?? '', method: req.method ?? '', headers: req.headers, body });
      if (req.url === '/v1/models') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ object: 'list', data: [{ id: model, object: 'model' }] }));
        return;
      }
      if (req.url !== '/v1/chat/completions') {
        res.writeHead(404).end();
        return;
      }
      const reply = script[Math.min(next++, script.length - 1)];
      if (!reply) {
        res.writeHead(500).end('no scripted reply');
        return;
      }
      if ('hangMs' in reply) {
        const t = setTimeout(() => { timers.delete(t); res.destroy(); }, reply.hangMs);
        timers.add(t);
        return;
      }
      if ('status' in reply) {
        res.writeHead(reply.status, { 'content-type': 'application/json', ...(reply.retryAfter ? { 'retry-after': String(reply.retryAfter) } : {}) });
        res.end(reply.body ?? JSON.stringify({ error: { message: `scripted ${reply.status}` } }));
        return;
      }
      if ('raw' in reply) {
        res.writeHead(200, { 'content-type': reply.contentType ?? 'application/json' });
        res.end(reply.raw);
        return;
      }
      const head = { id: `chatcmpl-${next}`, created: 0, model };
      if (reply.stream || body?.stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const pieces = reply.content.match(/[\s\S]{1,7}/g) ?? [];
        const send = (i: number) => {
          if (i === pieces.length) {
            res.write(`data: ${JSON.stringify({ ...head, object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`);
            res.end('data: [DONE]\n\n');
            return;
          }
          res.write(`data: ${JSON.stringify({ ...head, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: pieces[i] }, finish_reason: null }] })}\n\n`);
          const t = setTimeout(() => { timers.delete(t); send(i + 1); }, reply.chunkDelayMs ?? 0);
          timers.add(t);
        };
        send(0);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ...head, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: reply.content }, finish_reason: 'stop' }] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return {
    url,
    model,
    requests,
    /** The most chat requests the server held at once. */
    maxInFlight: () => maxInFlight,
    /** Chat requests only. */
    chats: () => requests.filter((r) => r.path === '/v1/chat/completions'),
    /** Replaces the script; the next request gets the first reply. */
    script(replies: Reply[]) {
      script.splice(0, script.length, ...replies);
      next = 0;
      requests.length = 0;
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type ScriptedLlm = Awaited<ReturnType<typeof startScriptedLlm>>;
