// What a secret may not be: empty, short, a placeholder from secrets.example, or a vendor's
// well-known default. Shared by entrypoint.mjs (facetag's own secrets) and check-secrets.mjs
// (every secret of the compose stack, before any service starts).

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
