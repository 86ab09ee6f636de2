import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.js';

describe('the metrics section of the config', () => {
  it('defaults to the collector on 127.0.0.1:9091 with nothing to watch', () => {
    expect(loadConfig({ env: {} }).metrics).toEqual({ host: '127.0.0.1', port: 9091, timeoutMs: 2000, targets: [], services: [] });
  });

  it('reads targets and services from the environment as node/role=url and name=url lists', () => {
    const { metrics } = loadConfig({
      env: {
        FACETAG_METRICS_TARGETS: 'worker-1/detection=http://10.10.10.11:5001, mgmt/dashboard=http://127.0.0.1:8080',
        FACETAG_METRICS_SERVICES: 'redis=tcp://127.0.0.1:6379,minio=http://127.0.0.1:9000/minio/health/live',
        FACETAG_METRICS_PORT: '9191',
      },
    });
    expect(metrics.port).toBe(9191);
    expect(metrics.targets).toEqual([
      { node: 'worker-1', role: 'detection', url: 'http://10.10.10.11:5001' },
      { node: 'mgmt', role: 'dashboard', url: 'http://127.0.0.1:8080' },
    ]);
    expect(metrics.services).toEqual([
      { name: 'redis', url: 'tcp://127.0.0.1:6379' },
      { name: 'minio', url: 'http://127.0.0.1:9000/minio/health/live' },
    ]);
  });

  it('reads them from a YAML file as lists of objects, with MinIO\'s own paths', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'facetag-metrics-config-')), 'facetag.yml');
    writeFileSync(file, [
      'metrics:',
      '  targets:',
      '    - { node: storage, role: minio, url: "http://127.0.0.1:9000", healthPath: /minio/health/live, metricsPath: /minio/v2/metrics/cluster }',
    ].join('\n'));
    expect(loadConfig({ file, env: {} }).metrics.targets[0]).toMatchObject({ role: 'minio', metricsPath: '/minio/v2/metrics/cluster' });
  });

  it('refuses a target that is not node/role=url, naming the key', () => {
    expect(() => loadConfig({ env: { FACETAG_METRICS_TARGETS: 'worker-1/detection' } })).toThrow(/metrics\.targets\.0\.url/);
    expect(() => loadConfig({ env: { FACETAG_METRICS_TARGETS: 'worker-1=http://127.0.0.1:5001' } })).toThrow(/metrics\.targets\.0\.role/);
  });
});
