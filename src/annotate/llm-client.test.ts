import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod/v4';
import { startScriptedLlm, type ScriptedLlm } from '../../test/helpers/scripted-llm.js';
import { loadConfig } from '../config/load-config.js';
import { createLogger } from '../log.js';
import { createLlmClient } from './llm-client.js';
import { askJson, extractJson } from './llm-json.js';

const log = createLogger({ dir: null, level: 'silent', component: 'test' });
const client = (env: Record<string, string>) => createLlmClient(loadConfig({ env }).llm, { log });

describe('LLM client against a scripted OpenAI-compatible server', () => {
  let llm: ScriptedLlm;
  beforeAll(async () => {
    llm = await startScriptedLlm({ model: 'exo-test' });
  });
  afterAll(async () => llm.close());

  it('is off without a URL, and says how to turn it on, sending nothing', async () => {
    const c = client({});
    expect(c.status).toEqual({ enabled: false, url: null, model: null });
    await expect(c.chat([{ role: 'user', content: 'hi' }])).rejects.toMatchObject({ code: 'LLM_DISABLED', message: expect.stringMatching(/FACETAG_LLM_URL/) });
    expect(client({ FACETAG_LLM_URL: llm.url, FACETAG_LLM_ENABLED: 'false' }).status.enabled).toBe(false);
  });

  it('refuses a URL that is not one, naming the key', () => {
    expect(() => loadConfig({ env: { FACETAG_LLM_URL: '127.0.0.1:8000' } })).toThrow(/llm\.url.*FACETAG_LLM_URL/);
  });

  it('asks the server for its model when none is set, and sends the key, temperature 0 and the token cap', async () => {
    llm.script([{ content: 'hello' }]);
    const c = client({ FACETAG_LLM_URL: llm.url, FACETAG_LLM_API_KEY: 'sk-test-123', FACETAG_LLM_MAX_TOKENS: '77' });
    expect(await c.chat([{ role: 'user', content: 'hi' }])).toEqual({ text: 'hello', model: 'exo-test' });
    expect(llm.requests.map((r) => r.path)).toEqual(['/v1/models', '/v1/chat/completions']);
    const sent = llm.chats()[0]!;
    expect(sent.headers.authorization).toBe('Bearer sk-test-123');
    expect(sent.body).toMatchObject({ model: 'exo-test', temperature: 0, max_tokens: 77, stream: false, messages: [{ role: 'user', content: 'hi' }] });
  });

  it('reads a streamed answer', async () => {
    llm.script([{ content: '{"a": "streamed answer of some length"}', chunkDelayMs: 5 }]);
    const c = client({ FACETAG_LLM_URL: llm.url, FACETAG_LLM_MODEL: 'm', FACETAG_LLM_STREAM: 'true' });
    expect((await c.chat([{ role: 'user', content: 'x' }])).text).toBe('{"a": "streamed answer of some length"}');
    expect(llm.chats()[0]!.body.stream).toBe(true);
  });

  it('retries 5xx and 429 with backoff, and gives up after llm.retries', async () => {
    llm.script([{ status: 503 }, { status: 429, retryAfter: 1 }, { content: 'third time' }]);
    const c = client({ FACETAG_LLM_URL: llm.url, FACETAG_LLM_MODEL: 'm', FACETAG_LLM_RETRIES: '2' });
    expect((await c.chat([{ role: 'user', content: 'x' }])).text).toBe('third time');
    expect(llm.chats()).toHaveLength(3);
    llm.script([{ status: 500 }]);
    await expect(client({ FACETAG_LLM_URL: llm.url, FACETAG_LLM_MODEL: 'm', FACETAG_LLM_RETRIES: '1' }).chat([{ role: 'user', content: 'x' }]))
      .rejects.toMatchObject({ code: 'LLM_UNAVAILABLE', message: expect.stringMatching(/HTTP 500.*tried 2 times/) });
    expect(llm.chats()).toHaveLength(2);
  });

  it('does not retry a refusal (4xx) and names the setting to check', async () => {
    llm.script([{ status: 401 }]);
    await expect(client({ FACETAG_LLM_URL: llm.url, FACETAG_LLM_MODEL: 'm' }).chat([{ role: 'user', content: 'x' }]))
      .rejects.toMatchObject({ code: 'LLM_UNAVAILABLE', message: expect.stringMatching(/HTTP 401.*FACETAG_LLM_API_KEY/) });
    expect(llm.chats()).toHaveLength(1);
  });

  it('times out a server that does not answer, and one that stops mid-stream', async () => {
    llm.script([{ hangMs: 5000 }]);
    const c = client({ FACETAG_LLM_URL: llm.url, FACETAG_LLM_MODEL: 'm', FACETAG_LLM_TIMEOUT_MS: '150', FACETAG_LLM_RETRIES: '1' });
    await expect(c.chat([{ role: 'user', content: 'x' }])).rejects.toMatchObject({ code: 'LLM_UNAVAILABLE', message: expect.stringMatching(/did not answer within 150 ms/) });
    expect(llm.chats()).toHaveLength(2);
    llm.script([{ content: 'slow slow slow slow', chunkDelayMs: 1000 }]);
    const s = client({ FACETAG_LLM_URL: llm.url, FACETAG_LLM_MODEL: 'm', FACETAG_LLM_TIMEOUT_MS: '150', FACETAG_LLM_RETRIES: '0', FACETAG_LLM_STREAM: 'true' });
    await expect(s.chat([{ role: 'user', content: 'x' }])).rejects.toMatchObject({ code: 'LLM_UNAVAILABLE', message: expect.stringMatching(/stopped answering/) });
  });

  it('reports a server that is not there', async () => {
    const gone = await startScriptedLlm();
    const url = gone.url;
    await gone.close();
    await expect(client({ FACETAG_LLM_URL: url, FACETAG_LLM_MODEL: 'm', FACETAG_LLM_RETRIES: '0' }).chat([{ role: 'user', content: 'x' }]))
      .rejects.toMatchObject({ code: 'LLM_UNAVAILABLE', message: expect.stringMatching(/cannot be reached/) });
  });

  it('keeps at most llm.concurrency requests in flight', async () => {
    const local = await startScriptedLlm({ replies: [{ content: 'ok', stream: true, chunkDelayMs: 30 }] });
    const c = client({ FACETAG_LLM_URL: local.url, FACETAG_LLM_MODEL: 'm', FACETAG_LLM_CONCURRENCY: '2' });
    await Promise.all(Array.from({ length: 6 }, () => c.chat([{ role: 'user', content: 'x' }])));
    expect(local.chats()).toHaveLength(6);
    expect(local.maxInFlight()).toBe(2);
    await local.close();
  });

  it('rejects an answer that is not a chat completion', async () => {
    llm.script([{ raw: '{"text": "no choices here"}' }]);
    await expect(client({ FACETAG_LLM_URL: llm.url, FACETAG_LLM_MODEL: 'm' }).chat([{ role: 'user', content: 'x' }]))
      .rejects.toMatchObject({ code: 'LLM_BAD_OUTPUT' });
  });
});

describe('JSON answers: validated, retried once with the error, then reported', () => {
  let llm: ScriptedLlm;
  beforeAll(async () => {
    llm = await startScriptedLlm();
  });
  afterAll(async () => llm.close());
  const schema = z.object({ title: z.string().min(1), n: z.number().int() }).strict();

  it('finds the JSON in fences or prose', () => {
    expect(extractJson('Sure!\n```json\n{"a": 1}\n```')).toEqual({ a: 1 });
    expect(extractJson('Here: {"a": {"b": 2}} hope it helps')).toEqual({ a: { b: 2 } });
    expect(() => extractJson('no json')).toThrow(/no JSON/);
  });

  it('accepts a valid answer at once', async () => {
    llm.script([{ content: '{"title": "Trip", "n": 3}' }]);
    const r = await askJson(client({ FACETAG_LLM_URL: llm.url, FACETAG_LLM_MODEL: 'm' }), [{ role: 'user', content: 'q' }], schema);
    expect(r).toEqual({ value: { title: 'Trip', n: 3 }, model: 'm', attempts: 1 });
  });

  it('sends a schema-breaking answer back once with the validation error', async () => {
    llm.script([{ content: '{"title": "Trip", "n": "three", "cypher": "MATCH (n) DETACH DELETE n"}' }, { content: '{"title": "Trip", "n": 3}' }]);
    const r = await askJson(client({ FACETAG_LLM_URL: llm.url, FACETAG_LLM_MODEL: 'm' }), [{ role: 'user', content: 'q' }], schema);
    expect(r.attempts).toBe(2);
    const retry = llm.chats()[1]!.body.messages;
    expect(retry.at(-2)).toMatchObject({ role: 'assistant', content: expect.stringContaining('cypher') });
    expect(retry.at(-1).content).toMatch(/not valid: .*n: .*number/i);
  });

  it('reports a second bad answer as LLM_BAD_OUTPUT, with both errors, and asks no third time', async () => {
    llm.script([{ content: 'I cannot help with that.' }, { content: '{"title": ""}' }]);
    await expect(askJson(client({ FACETAG_LLM_URL: llm.url, FACETAG_LLM_MODEL: 'm' }), [{ role: 'user', content: 'q' }], schema))
      .rejects.toMatchObject({ code: 'LLM_BAD_OUTPUT', message: expect.stringMatching(/no JSON object; then title/) });
    expect(llm.chats()).toHaveLength(2);
  });
});
