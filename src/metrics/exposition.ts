/** One sample of the Prometheus text format: `name{label="value",...} 1.5`. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const unescape = (v: string) => v.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

/**
 * Parses the Prometheus text exposition format (version 0.0.4): samples and their `# TYPE`.
 * Timestamps are ignored; a line that is not a sample is skipped.
 */
export function parseExposition(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) {
      const t = /^# TYPE (\S+) (\S+)/.exec(line);
      if (t) types.set(t[1]!, t[2]!);
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = unescape(l[2]!);
    const value = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]);
    samples.push({ name: m[1]!, labels, value });
  }
  return { samples, types };
}

/** Samples as the text format, each family with its `# HELP` and `# TYPE`. */
export function formatExposition(families: Array<{ name: string; help: string; type: string; samples: Sample[] }>): string {
  const out: string[] = [];
  for (const f of families) {
    out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const labels = Object.entries(s.labels).map(([k, v]) => `${k}="${escape(v)}"`).join(',');
      const value = s.value === Infinity ? '+Inf' : s.value === -Infinity ? '-Inf' : String(s.value);
      out.push(`${s.name}${labels ? `{${labels}}` : ''} ${value}`);
    }
  }
  return out.length ? `${out.join('\n')}\n` : '';
}
