import type { ResolvedConfig } from '../config/load-config.js';
import { AppError } from '../errors.js';
import type { Logger } from '../log.js';

/** A part of a message for a vision-capable model: text, or an image as a `data:` URL. */
export type ContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } };

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string | ContentPart[];
}

export interface LlmStatus {
  enabled: boolean;
  /** The base URL (never the API key). */
  url: string | null;
  /** The configured model; null means "the server's first". */
  model: string | null;
}

/** A chat-completions client of an OpenAI-compatible server, over plain fetch. */
export interface LlmClient {
  readonly status: LlmStatus;
  /** One completion: the assistant's text and the model that wrote it. Throws LLM_DISABLED, LLM_UNAVAILABLE or LLM_BAD_OUTPUT. */
  chat(messages: ChatMessage[], options?: ChatOptions): Promise<{ text: string; model: string }>;
}

export interface ChatOptions {
  maxTokens?: number;
  /** Another model than llm.model for this call (llm.visionModel for images). */
  model?: string;
}

export type LlmConfig = ResolvedConfig['llm'];

/** Whether the config turns the LLM on: `enabled`, or by default whether a URL is set. */
export const llmEnabled = (c: LlmConfig) => (c.enabled ?? c.url !== undefined) && c.url !== undefined;

/** First wait between retries; doubled each time, capped at 8 s, a Retry-After header wins (up to 30 s). */
const BACKOFF_MS = 250;

class Retryable extends Error {
  constructor(message: string, readonly retryAfterMs: number | null = null) {
    super(message);
  }
}

/** At most `n` calls of `fn` at once; the others wait in order. */
function limiter(n: number) {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

/** A URL as it may be shown or logged: without any user:password part. */
const shown = (url: string) => {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createLlmClient(config: LlmConfig, { log }: { log: Logger }): LlmClient {
  const enabled = llmEnabled(config);
  const base = (config.url ?? '').replace(/\/+$/, '');
  const status: LlmStatus = { enabled, url: config.url ? shown(config.url) : null, model: config.model ?? null };
  const limit = limiter(config.concurrency);
  const headers = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    ...(config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {}),
  };
  const where = `the LLM at ${shown(base)}`;

  /** One HTTP exchange with a timeout; `idle`: the timer restarts on every chunk read. */
  async function exchange(path: string, init: { method: string; body?: string }, read: (res: Response, touch: () => void) => Promise<unknown>) {
    const abort = new AbortController();
    let timer = setTimeout(() => abort.abort(), config.timeoutMs);
    const touch = () => {
      clearTimeout(timer);
      timer = setTimeout(() => abort.abort(), config.timeoutMs);
    };
    try {
      let res: Response;
      try {
        res = await fetch(`${base}${path}`, { ...init, headers, signal: abort.signal });
      } catch (error) {
        if (abort.signal.aborted) throw new Retryable(`${where} did not answer within ${config.timeoutMs} ms (llm.timeoutMs)`);
        throw new Retryable(`${where} cannot be reached (${((error as Error).cause as Error | undefined)?.message ?? (error as Error).message})`);
      }
      if (res.status === 429 || res.status >= 500) {
        const after = Number(res.headers.get('retry-after'));
        const text = await res.text().catch(() => '');
        throw new Retryable(`${where} answered HTTP ${res.status} ${text.slice(0, 200)}`, Number.isFinite(after) && after > 0 ? Math.min(after * 1000, 30_000) : null);
      }
      if (!res.ok) {
        const text = await res.text().catch(() => '');
        const hint = res.status === 401 || res.status === 403 ? '; check llm.apiKey (FACETAG_LLM_API_KEY)' : res.status === 404 ? '; check llm.url (it ends with /v1) and llm.model' : '';
        throw new AppError('LLM_UNAVAILABLE', `${where} refused the request: HTTP ${res.status} ${text.slice(0, 200)}${hint}`);
      }
      try {
        return await read(res, touch);
      } catch (error) {
        if (abort.signal.aborted) throw new Retryable(`${where} stopped answering for ${config.timeoutMs} ms (llm.timeoutMs)`);
        throw error;
      }
    } finally {
      clearTimeout(timer);
    }
  }

  async function withRetries<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const started = performance.now();
      try {
        const out = await limit(fn);
        log.debug({ llm: what, attempt, ms: Math.round(performance.now() - started) }, 'llm request done');
        return out;
      } catch (error) {
        if (!(error instanceof Retryable)) throw error;
        log.warn({ llm: what, attempt, ms: Math.round(performance.now() - started) }, 'llm request failed');
        if (attempt >= config.retries) {
          throw new AppError('LLM_UNAVAILABLE', `${error.message}; tried ${attempt + 1} times (llm.retries). Check that the server runs, or turn the LLM off with FACETAG_LLM_ENABLED=false`);
        }
        await sleep(error.retryAfterMs ?? Math.min(BACKOFF_MS * 2 ** attempt, 8000) * (0.75 + Math.random() / 2));
      }
    }
  }

  let modelId: Promise<string> | null = config.model ? Promise.resolve(config.model) : null;
  const model = () => {
    modelId ??= withRetries('models', () => exchange('/models', { method: 'GET' }, async (res) => {
      const body = (await res.json().catch(() => null)) as { data?: Array<{ id?: unknown }> } | null;
      const id = body?.data?.[0]?.id;
      if (typeof id !== 'string') throw new AppError('LLM_UNAVAILABLE', `${where} lists no model at /models; set llm.model (FACETAG_LLM_MODEL)`);
      return id;
    }) as Promise<string>).catch((error) => {
      modelId = null;
      throw error;
    });
    return modelId;
  };

  return {
    status,
    async chat(messages, options = {}) {
      if (!enabled) throw new AppError('LLM_DISABLED', 'the LLM is off; set llm.url (FACETAG_LLM_URL or --llm-url) to an OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1');
      const id = options.model ?? (await model());
      const body = JSON.stringify({ model: id, messages, temperature: 0, max_tokens: options.maxTokens ?? config.maxTokens, stream: config.stream });
      const text = await withRetries('chat', () => exchange('/chat/completions', { method: 'POST', body }, async (res, touch) => {
        if (!(res.headers.get('content-type') ?? '').includes('text/event-stream')) {
          const json = (await res.json().catch(() => null)) as { choices?: Array<{ message?: { content?: unknown } }> } | null;
          const content = json?.choices?.[0]?.message?.content;
          if (typeof content !== 'string') throw new AppError('LLM_BAD_OUTPUT', `${where} answered without choices[0].message.content; is it an OpenAI-compatible chat API?`);
          return content;
        }
        return readStream(res, touch);
      }) as Promise<string>);
      return { text, model: id };
    },
  };
}

/** The text of a server-sent event stream of chat.completion.chunk objects. */
async function readStream(res: Response, touch: () => void): Promise<string> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    touch();
    buffer += decoder.decode(value, { stream: !done });
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      if (!line.startsWith('data:')) continue;
      const data = line.slice(5).trim();
      if (data === '[DONE]') return text;
      try {
        const chunk = JSON.parse(data) as { choices?: Array<{ delta?: { content?: unknown } }> };
        const piece = chunk.choices?.[0]?.delta?.content;
        if (typeof piece === 'string') text += piece;
      } catch {
        throw new AppError('LLM_BAD_OUTPUT', 'the LLM stream carried a chunk that is not JSON');
      }
    }
    if (done) return text;
  }
}
