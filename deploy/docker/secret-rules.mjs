// What a secret may not be: empty, short, a placeholder from secrets.example, or a vendor's
// well-known default. Shared by entrypoint.mjs (facetag's own secrets) and check-secrets.mjs
// (every secret of the compose stack, before any service starts).
import { readFileSync } from 'node:fs';

const DEFAULTS = new Set(['password', 'admin', 'neo4j', 'minioadmin', 'secret', 'changeit', 'root', 'redis', 'grafana', 'facetag']);

/** Why `value` cannot be the secret `name`, or null when it can. */
export function secretProblem(name, value) {
  const v = value.trim();
  if (v === '') return `${name} is empty`;
  if (/change[-_ ]?me|placeholder|example|replace[-_ ]?this/i.test(v)) return `${name} is still the placeholder from secrets.example`;
  if (DEFAULTS.has(v.toLowerCase())) return `${name} is a well-known default ("${v}")`;
  // User names (MinIO's root user) may be short; passwords may not.
  const min = /user/i.test(name) ? 3 : 16;
  if (v.length < min) return `${name} is shorter than ${min} characters`;
  return null;
}

export const FIX = 'generate real ones with deploy/docker/make-secrets.sh (see docs/INSTALLATION.md, "Docker")';

/**
 * The environment facetag runs with: each FACETAG_<KEY>_FILE read into FACETAG_<KEY> (checked
 * by secretProblem), and FACETAG_QUEUE_REDIS_PASSWORD folded into FACETAG_QUEUE_REDIS_URL
 * (queue.redisUrl carries Redis's password: redis://:<password>@host:port). Returns the new
 * environment and the problems found; values never appear in the problems.
 */
export function resolveSecrets(env) {
  const out = { ...env };
  const problems = [];
  for (const [key, file] of Object.entries(env)) {
    if (!key.startsWith('FACETAG_') || !key.endsWith('_FILE') || !file) continue;
    const name = key.slice(0, -'_FILE'.length);
    delete out[key];
    let value;
    try {
      value = readFileSync(file, 'utf8').trim();
    } catch (error) {
      problems.push(`${key} names ${file}, which cannot be read (${error.code ?? error.message})`);
      continue;
    }
    const problem = secretProblem(name, value);
    if (problem) problems.push(`${problem} (from ${file})`);
    out[name] = value;
  }
  const password = out.FACETAG_QUEUE_REDIS_PASSWORD;
  if (password !== undefined) {
    delete out.FACETAG_QUEUE_REDIS_PASSWORD;
    const url = new URL(out.FACETAG_QUEUE_REDIS_URL ?? 'redis://127.0.0.1:6379');
    url.username = '';
    url.password = encodeURIComponent(password);
    out.FACETAG_QUEUE_REDIS_URL = url.toString();
  }
  return { env: out, problems };
}
