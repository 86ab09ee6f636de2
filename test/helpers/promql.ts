import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DEPLOY } from './prometheus.js';

export interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type: string; uid: string };
  targets?: Array<{ refId: string; expr?: string; datasource?: { type: string; uid: string } }>;
  panels?: Panel[];
}

export interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string; query: unknown; datasource?: { type: string; uid: string }; definition?: string }> };
}

export const DASHBOARDS_DIR = join(DEPLOY, 'grafana/dashboards');

export function loadDashboards(): Array<{ file: string; dashboard: Dashboard }> {
  return readdirSync(DASHBOARDS_DIR).filter((f) => f.endsWith('.json')).sort()
    .map((file) => ({ file, dashboard: JSON.parse(readFileSync(join(DASHBOARDS_DIR, file), 'utf8')) as Dashboard }));
}

export const allPanels = (panels: Panel[]): Panel[] => panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);

/** Every PromQL expression of the dashboards (panel targets and `label_values` variables). */
export function dashboardExprs(): Array<{ where: string; expr: string }> {
  return loadDashboards().flatMap(({ file, dashboard }) => [
    ...allPanels(dashboard.panels).flatMap((p) => (p.targets ?? []).map((t) => ({ where: `${file} "${p.title}" ${t.refId}`, expr: t.expr ?? '' }))),
    ...dashboard.templating.list.filter((v) => v.type === 'query').map((v) => {
      const q = typeof v.query === 'string' ? v.query : (v.query as { query: string }).query;
      const m = /^label_values\((.+),\s*(\w+)\)$/.exec(q);
      return { where: `${file} variable ${v.name}`, expr: m ? `count by (${m[2]}) (${m[1]})` : q };
    }),
  ]);
}

/** Grafana's variables replaced as Grafana would for "All" over the last hour. */
export function grafanaToPromql(expr: string): string {
  return expr.replaceAll('$__rate_interval', '1m').replaceAll('$__interval', '15s').replaceAll('$__range', '1h').replace(/\$\{?node\}?/g, '.*');
}

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export function alertRules(): AlertRule[] {
  const doc = parseYaml(readFileSync(join(DEPLOY, 'prometheus/alerts.yml'), 'utf8')) as { groups: Array<{ rules: AlertRule[] }> };
  return doc.groups.flatMap((g) => g.rules);
}

/**
 * The operands of an expression's top-level comparisons and set operators (`a > 0 and b == 0`
 * gives `a`, `0`, `b`, `0`): each is a query of its own that must return a series even while
 * the alert is quiet. Parentheses, brackets, braces and strings are kept whole.
 */
export function topLevelOperands(expr: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (depth === 0) {
      const rest = expr.slice(i);
      const op = /^(?:\s+(?:and|or|unless)\s+|\s*(?:==|!=|>=|<=|>|<)\s*(?:bool\s+)?)/.exec(rest);
      if (op && (op[0].trim().length > 0)) {
        parts.push(expr.slice(start, i).trim());
        start = i + op[0].length;
        i = start - 1;
      }
    }
  }
  parts.push(expr.slice(start).trim());
  return parts.filter((p) => p.length > 0);
}

export const isNumber = (s: string) => /^-?\d+(\.\d+)?(e-?\d+)?$/i.test(s);
