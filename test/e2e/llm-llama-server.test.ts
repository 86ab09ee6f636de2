import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLlmClient } from '../../src/annotate/llm-client.js';
import { askJson } from '../../src/annotate/llm-json.js';
import { queryPrompt, querySpecSchema } from '../../src/annotate/query-spec.js';
import { openSqliteCatalog } from '../../src/catalog/sqlite-catalog.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/log.js';
import { runFacetag } from '../helpers/cli.js';
import { requireLlamaServer, startLlamaServer } from '../helpers/llama-server.js';

const SUITE = 'LLM protocol against a real node-llama-cpp server (tiny random model)';
const log = createLogger({ dir: null, level: 'silent', component: 'test' });

describe.skipIf(!requireLlamaServer(SUITE))(SUITE, () => {
  let server: Awaited<ReturnType<typeof startLlamaServer>>;
  const client = (env: Record<string, string> = {}) => createLlmClient(loadConfig({ env: { FACETAG_LLM_URL: server.url, FACETAG_LLM_MAX_TOKENS: '48', ...env } }).llm, { log });

  beforeAll(async () => {
    server = await startLlamaServer();
    console.log(`llm-test-server started in ${server.startMs} ms`);
  }, 150_000);
  afterAll(async () => server?.stop());

  it('answers a chat completion, naming the model it lists at /models', async () => {
    const r = await client().chat([{ role: 'system', content: 'Answer in JSON.' }, { role: 'user', content: 'hello' }]);
    expect(r.model).toBe('tiny-random-llama');
    expect(typeof r.text).toBe('string');
  }, 60_000);

  it('streams a chat completion as server-sent events', async () => {
    const r = await client({ FACETAG_LLM_STREAM: 'true', FACETAG_LLM_MODEL: server.model }).chat([{ role: 'user', content: 'hello' }]);
    expect(r.model).toBe('tiny-random-llama');
    expect(typeof r.text).toBe('string');
  }, 60_000);

  it('rejects the gibberish cleanly as schema-violating, after one retry with the error', async () => {
    await expect(askJson(client(), queryPrompt('photos of Anna with Ben from summer 2023', '2026-01-01'), querySpecSchema, { maxTokens: 48 }))
      .rejects.toMatchObject({ code: 'LLM_BAD_OUTPUT', message: expect.stringMatching(/answered twice with output that breaks the expected format/) });
  }, 60_000);

  it('facetag ask reports the bad output and exits 65, the library untouched', async () => {
    const data = mkdtempSync(join(tmpdir(), 'facetag-llama-'));
    const c = openSqliteCatalog(join(data, 'catalog.sqlite'));
    await c.createPerson('Anna');
    await c.close();
    const r = await runFacetag(['ask', 'photos of Anna', '--data', data, '--llm-url', server.url], { env: { FACETAG_LLM_MAX_TOKENS: '48' } });
    expect(r.code, r.stderr).toBe(65);
    expect(r.stderr).toMatch(/\[LLM_BAD_OUTPUT\]/);
    const after = openSqliteCatalog(join(data, 'catalog.sqlite'));
    expect((await after.listPeople()).map((p) => p.name)).toEqual(['Anna']);
    await after.close();
  }, 90_000);
});
