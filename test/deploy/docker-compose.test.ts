import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/cli.js';
import { requireTool } from '../helpers/tools.js';

// The stack was NOT run here (no Docker engine on this machine): these tests check its
// structure, its secrets handling (the scripts run for real), and `docker compose config`
// when the compose plugin is installed.
const DOCKER = join(REPO, 'deploy', 'docker');
const compose = parse(readFileSync(join(DOCKER, 'compose.yaml'), 'utf8'), { merge: true }) as {
  services: Record<string, any>;
  secrets: Record<string, { file: string }>;
  volumes: Record<string, unknown>;
};
const services = compose.services;

/** The design's port map: every published port, by service. */
const PORTS: Record<string, number[]> = {
  dashboard: [8080], collector: [9091], prometheus: [9090], grafana: [3000], neo4j: [7687],
  llm: [8000], detection: [5001], embedding: [5002], minio: [9000, 9001], redis: [6379],
};

const envOf = (s: any): Record<string, string> =>
  Array.isArray(s.environment) ? Object.fromEntries(s.environment.map((e: string) => e.split(/=(.*)/s).slice(0, 2))) : (s.environment ?? {});

describe('deploy/docker/compose.yaml', () => {
  it('has every service of the cluster, each with a healthcheck and a restart policy', () => {
    expect(Object.keys(services).sort()).toEqual(['collector', 'dashboard', 'detection', 'embedding', 'grafana', 'llm', 'minio', 'neo4j', 'prometheus', 'redis', 'secrets-check', 'worker']);
    expect(services.neo4j.image).toMatch(/^neo4j:5/);
    for (const [name, s] of Object.entries(services)) {
      if (name === 'secrets-check') {
        expect(s.restart).toBe('no'); // a one-shot gate
        continue;
      }
      expect(s.restart, name).toBe('unless-stopped');
      expect(s.healthcheck?.test?.[0], name).toMatch(/^CMD(-SHELL)?$/);
      expect(s.healthcheck.test.length, name).toBeGreaterThan(1);
    }
    for (const role of ['dashboard', 'collector', 'worker', 'detection', 'embedding']) {
      expect(services[role].build.dockerfile).toBe('deploy/docker/Dockerfile');
      expect(services[role].init).toBe(true);
      expect(services[role].depends_on['secrets-check'].condition).toBe('service_completed_successfully');
      expect(services[role].healthcheck.test).toEqual(['CMD', 'node', 'deploy/docker/healthcheck.mjs']);
      // Each role is checked on its own port; the worker, which serves none, by reaching its Redis.
      if (role === 'worker') expect(services[role].environment.FACETAG_HEALTHCHECK_TCP).toBe('redis:6379');
      else expect(services[role].environment.FACETAG_HEALTHCHECK_URL).toBe(`http://127.0.0.1:${PORTS[role]![0]}/healthz`);
    }
    for (const role of ['dashboard', 'collector', 'worker']) expect(services[role].depends_on.neo4j.condition).toBe('service_healthy');
    expect(services.worker.command).toEqual(['worker']);
    expect(services.detection.command).toEqual(['service', 'detection', '--host', '0.0.0.0', '--port', '5001']);
    expect(services.embedding.command).toEqual(['service', 'embedding', '--host', '0.0.0.0', '--port', '5002']);
    expect(services.collector.command).toEqual(['metrics', 'collect', '--host', '0.0.0.0', '--port', '9091']);
    expect(services.dashboard.command).toEqual(['serve', '--host', '0.0.0.0', '--port', '8080']);
  });

  it('publishes exactly the ports of the design', () => {
    for (const [name, s] of Object.entries(services)) {
      const published = (s.ports ?? []).map((p: string) => {
        const [host, container] = String(p).split(':').map(Number);
        expect(host, `${name} maps ${p}`).toBe(container);
        return container;
      });
      expect(published, name).toEqual(PORTS[name] ?? []);
    }
  });

  it('declares every secret it uses and uses every secret it declares; files under ./secrets with a placeholder example', () => {
    const used = new Set<string>();
    for (const [name, s] of Object.entries(services)) {
      for (const secret of s.secrets ?? []) {
        expect(compose.secrets[secret], `${name} uses undeclared secret ${secret}`).toBeDefined();
        used.add(secret);
      }
      // A variable naming a secret file points at a secret this service mounts.
      for (const [k, v] of Object.entries(envOf(s))) {
        if (/_FILE$/.test(k)) expect(s.secrets, `${name}.${k}`).toContain(String(v).replace('/run/secrets/', ''));
      }
    }
    expect([...used].sort()).toEqual(Object.keys(compose.secrets).sort());
    const examples = readdirSync(join(DOCKER, 'secrets.example')).sort();
    expect(Object.values(compose.secrets).map((s) => s.file.replace('./secrets/', '')).sort()).toEqual(examples);
    expect(services['secrets-check'].secrets.sort()).toEqual(Object.keys(compose.secrets).sort());
    // Real secrets never enter the repository.
    expect(readFileSync(join(DOCKER, 'secrets', '.gitignore'), 'utf8')).toBe('*\n!.gitignore\n');
    expect(readFileSync(join(DOCKER, 'Dockerfile.dockerignore'), 'utf8')).toContain('deploy/docker/secrets');
  });

  it('holds no password in plain text: credentials come from secret files only', () => {
    const credential = /PASSWORD|SECRET|TOKEN|ACCESS_KEY|_AUTH$|^NEO4J_AUTH|ROOT_USER/;
    for (const [name, s] of Object.entries(services)) {
      for (const [k, v] of Object.entries(envOf(s))) {
        if (credential.test(k)) {
          expect(k, `${name}.${k} must be a *_FILE variable`).toMatch(/_FILE$/);
          expect(String(v), `${name}.${k}`).toMatch(/^\/run\/secrets\/[a-z0-9_]+$/);
        }
      }
      // Commands that need a password read it from the secret at run time.
      const text = [s.command, s.entrypoint, s.healthcheck?.test].flat().filter(Boolean).join(' ');
      for (const m of text.matchAll(/(requirepass|cypher-shell -u \S+ -p|NEO4J_AUTH=)\s*"?(neo4j\/)?(.{0,24})/g)) {
        expect(m[3], `${name}: ${m[0]}`).toMatch(/^\$\$\(cat \/run\/secrets\//);
      }
      if (/requirepass|cypher-shell|NEO4J_AUTH/.test(text)) expect(text).toContain('$$(cat /run/secrets/');
    }
    const envFile = readFileSync(join(DOCKER, 'facetag.env'), 'utf8');
    for (const line of envFile.split('\n').filter((l) => l && !l.startsWith('#'))) {
      expect(line.split('=')[0], 'facetag.env holds settings, not credentials').not.toMatch(credential);
    }
    const all = readFileSync(join(DOCKER, 'compose.yaml'), 'utf8') + envFile;
    expect(all).not.toMatch(/minioadmin|neo4j\/neo4j|neo4j\/password|admin:admin|GF_SECURITY_ADMIN_PASSWORD:/);
  });
});

describe('Prometheus and Grafana inside the stack', () => {
  const prometheus = parse(readFileSync(join(DOCKER, 'prometheus.yml'), 'utf8')) as { rule_files: string[]; scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[]; labels: { node: string; role: string } }> }> };

  it('scrapes every facetag role with an HTTP port at its service name and port', () => {
    const targets = prometheus.scrape_configs.flatMap((j) => j.static_configs.flatMap((c) => c.targets.map((t) => ({ job: j.job_name, target: t, role: c.labels.role }))));
    for (const { target, role } of targets.filter((t) => t.job !== 'prometheus')) {
      const [host, port] = target.split(':');
      expect(services[host!], `${target} is not a service of compose.yaml`).toBeDefined();
      expect(PORTS[host!]).toContain(Number(port));
      expect(role).toBe(host);
    }
    expect(targets.map((t) => t.target).sort()).toEqual(['127.0.0.1:9090', 'collector:9091', 'dashboard:8080', 'detection:5001', 'embedding:5002']);
    expect(prometheus.rule_files).toEqual(['alerts.yml']);
    expect(services.prometheus.volumes).toEqual(expect.arrayContaining(['./prometheus.yml:/etc/prometheus/prometheus.yml:ro', '../prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro']));
  });

  it('promtool accepts the scrape config', (ctx) => {
    if (!requireTool(['promtool', '--version'], 'Prometheus config check')) return ctx.skip();
    const r = spawnSync('promtool', ['check', 'config', '--syntax-only', join(DOCKER, 'prometheus.yml')], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  });

  it('gives Grafana the data source the dashboards name, at the service name of Prometheus', () => {
    const ds = parse(readFileSync(join(DOCKER, 'grafana-datasource.yml'), 'utf8')).datasources[0];
    expect(ds).toMatchObject({ uid: 'facetag-prometheus', type: 'prometheus', url: 'http://prometheus:9090' });
    expect(services.grafana.volumes).toContain('./grafana-datasource.yml:/etc/grafana/provisioning/datasources/facetag.yml:ro');
  });
});

describe('deploy/docker/Dockerfile', () => {
  const text = readFileSync(join(DOCKER, 'Dockerfile'), 'utf8');
  it('node:20, npm ci, a non-root user, a healthcheck, the secrets entrypoint', () => {
    const froms = [...text.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    expect(froms.length).toBeGreaterThan(0);
    for (const f of froms) expect(f).toMatch(/^node:20(-|$)/);
    expect(text).toMatch(/^RUN npm ci\b/m);
    const users = [...text.matchAll(/^USER (\S+)/gm)].map((m) => m[1]);
    expect(users.at(-1)).toBe('facetag:facetag');
    expect(text).toMatch(/^HEALTHCHECK .*CMD \["node", "deploy\/docker\/healthcheck\.mjs"\]/m);
    expect(text).toMatch(/^ENTRYPOINT \["node", "deploy\/docker\/entrypoint\.mjs"\]/m);
    expect(text).not.toMatch(/^ENV .*(PASSWORD|SECRET)/m);
  });
});

describe('secrets: placeholders are refused at start-up, generated ones accepted', () => {
  const node = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, args, { cwd: REPO, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env } });

  it('check-secrets refuses the examples, naming each, and passes what make-secrets.sh generates', () => {
    const refused = node([join(DOCKER, 'check-secrets.mjs'), join(DOCKER, 'secrets.example')]);
    expect(refused.status).toBe(78);
    for (const s of Object.keys(compose.secrets)) expect(refused.stderr).toContain(`${s} is still the placeholder from secrets.example`);
    const dir = join(mkdtempSync(join(tmpdir(), 'facetag-secrets-')), 'secrets');
    const made = spawnSync('bash', [join(DOCKER, 'make-secrets.sh'), dir], { encoding: 'utf8' });
    expect(made.status, made.stderr).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(readdirSync(join(DOCKER, 'secrets.example')).sort());
    const values = readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8').trim());
    expect(new Set(values).size).toBe(values.length);
    expect(node([join(DOCKER, 'check-secrets.mjs'), dir]).status).toBe(0);
    // A second run keeps real secrets and replaces a placeholder.
    writeFileSync(join(dir, 'redis_password.txt'), 'CHANGE_ME\n');
    const again = spawnSync('bash', [join(DOCKER, 'make-secrets.sh'), dir], { encoding: 'utf8' });
    expect(again.stdout).toMatch(/generated .*redis_password\.txt/);
    expect(readFileSync(join(dir, 'neo4j_password.txt'), 'utf8').trim()).toBe(values[readdirSync(dir).indexOf('neo4j_password.txt')]);
    // A short or default one is refused too.
    writeFileSync(join(dir, 'grafana_admin_password.txt'), 'admin\n');
    expect(node([join(DOCKER, 'check-secrets.mjs'), dir]).stderr).toContain('grafana_admin_password is a well-known default ("admin")');
  });

  it('resolves FACETAG_*_FILE into FACETAG_*, and puts the Redis password into the queue URL', async () => {
    const { resolveSecrets } = (await import(join(DOCKER, 'secret-rules.mjs'))) as { resolveSecrets: (env: Record<string, string>) => { env: Record<string, string>; problems: string[] } };
    const dir = mkdtempSync(join(tmpdir(), 'facetag-secrets-'));
    writeFileSync(join(dir, 'redis'), 'p@ss/with:odd+chars-0123456789\n');
    writeFileSync(join(dir, 'neo4j'), 'a-long-enough-neo4j-password\n');
    const { env, problems } = resolveSecrets({
      FACETAG_QUEUE_REDIS_URL: 'redis://redis:6379', FACETAG_QUEUE_REDIS_PASSWORD_FILE: join(dir, 'redis'),
      FACETAG_CATALOG_NEO4J_PASSWORD_FILE: join(dir, 'neo4j'), FACETAG_LOG_LEVEL: 'info', PATH: '/bin',
    });
    expect(problems).toEqual([]);
    expect(env).toEqual({
      FACETAG_QUEUE_REDIS_URL: 'redis://:p%40ss%2Fwith%3Aodd%2Bchars-0123456789@redis:6379',
      FACETAG_CATALOG_NEO4J_PASSWORD: 'a-long-enough-neo4j-password', FACETAG_LOG_LEVEL: 'info', PATH: '/bin',
    });
    expect(decodeURIComponent(new URL(env.FACETAG_QUEUE_REDIS_URL!).password)).toBe('p@ss/with:odd+chars-0123456789');
    const missing = resolveSecrets({ FACETAG_SERVICES_TOKEN_FILE: join(dir, 'nope') });
    expect(missing.problems).toEqual([`FACETAG_SERVICES_TOKEN_FILE names ${join(dir, 'nope')}, which cannot be read (ENOENT)`]);
  });

  it('the facetag entrypoint reads FACETAG_*_FILE secrets, refuses a placeholder, and runs facetag', () => {
    const refused = node([join(DOCKER, 'entrypoint.mjs'), '--help'], { FACETAG_SERVER_ADMIN_PASSWORD_FILE: join(DOCKER, 'secrets.example', 'facetag_admin_password.txt') });
    expect(refused.status).toBe(78);
    expect(refused.stderr).toContain('FACETAG_SERVER_ADMIN_PASSWORD is still the placeholder from secrets.example');
    const dir = mkdtempSync(join(tmpdir(), 'facetag-secrets-'));
    writeFileSync(join(dir, 'admin'), 'a-long-enough-generated-secret-value\n');
    // `backup schedule` prints the resolved config's data folder: proof that the secret-resolved
    // environment reaches facetag and that a valid admin password passes the config's checks.
    const ok = node([join(DOCKER, 'entrypoint.mjs'), 'backup', 'schedule', '--print', 'systemd', '--data', join(dir, 'data')], {
      FACETAG_SERVER_ADMIN_PASSWORD_FILE: join(dir, 'admin'), FACETAG_BACKUP_DIR: join(dir, 'backups'),
    });
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain(`backup --data ${join(dir, 'data')}`);
    expect(ok.stdout).not.toContain('a-long-enough-generated-secret-value');
  });
});

describe('docker compose config', () => {
  it('accepts the file (needs only the compose client, no engine)', (ctx) => {
    // `docker compose` (v2 plugin) when installed, else the older `docker-compose` (Debian's
    // docker-compose package), which checks the file against the compose schema too.
    const v2 = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' }).status === 0;
    const v1 = !v2 && spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).status === 0;
    if (!v2 && !v1) {
      console.warn('\n!!! SKIPPED: neither `docker compose` nor `docker-compose` runs here; compose.yaml was checked structurally only !!!\n');
      return ctx.skip();
    }
    // A copy with generated secrets, as a user would have it.
    const dir = join(mkdtempSync(join(tmpdir(), 'facetag-compose-')), 'docker');
    cpSync(DOCKER, dir, { recursive: true });
    expect(spawnSync('bash', [join(dir, 'make-secrets.sh')]).status).toBe(0);
    const [cmd, ...pre] = v2 ? ['docker', 'compose'] : ['docker-compose'];
    const config = (file: string) => spawnSync(cmd!, [...pre, '-f', join(dir, file), 'config', '--quiet'], { cwd: dir, encoding: 'utf8' });
    const r = config('compose.yaml');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const full = spawnSync(cmd!, [...pre, '-f', join(dir, 'compose.yaml'), 'config'], { cwd: dir, encoding: 'utf8' });
    expect(full.stdout).toMatch(/facetag/);
    // It does reject a broken file, so the pass above means something.
    writeFileSync(join(dir, 'broken.yaml'), readFileSync(join(dir, 'compose.yaml'), 'utf8').replace('    healthcheck:\n      test: ["CMD", "mc"', '    healthcheck:\n      tset: ["CMD", "mc"'));
    expect(config('broken.yaml').status).not.toBe(0);
  });
});
