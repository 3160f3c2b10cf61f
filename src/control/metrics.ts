// Prometheus text exposition (format 0.0.4) of the counters the journal plugin keeps and the live state counts.
import type { FastifyInstance } from 'fastify';

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

function labels(pairs: Record<string, string>): string {
  return `{${Object.entries(pairs)
    .map(([k, v]) => `${k}="${esc(v)}"`)
    .join(',')}}`;
}

export function prometheusText(fastify: FastifyInstance): string {
  const out: string[] = [];
  const family = (name: string, type: 'counter' | 'gauge', help: string, samples: [Record<string, string>, number][]) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [l, v] of samples) out.push(`${name}${Object.keys(l).length ? labels(l) : ''} ${v}`);
  };
  const split = (m: Map<string, number>, names: string[]) =>
    [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]): [Record<string, string>, number] => {
      const parts = k.split('\x00');
      return [Object.fromEntries(names.map((n, i) => [n, parts[i] ?? ''])), v];
    });

  const { metrics, runtime: rt } = fastify;
  family('restoresim_requests_total', 'counter', 'Requests answered, by api, route pattern, method and status ("dropped" for dropped connections).',
    split(metrics.requests, ['api', 'route', 'method', 'status']));

  const counts = (api: 'trilio' | 'vcenter'): [Record<string, string>, number][] =>
    Object.entries(rt.module(api).stateCounts())
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([state, n]) => [{ state }, n]);
  family('restoresim_trilio_restores', 'gauge', 'Trilio restores by state.', counts('trilio'));
  family('restoresim_vcenter_jobs', 'gauge', 'vCenter restore jobs by state.', counts('vcenter'));
  family('restoresim_transitions_total', 'counter', 'Lifecycle transitions committed, by api, kind, from and to state.',
    split(metrics.transitions, ['api', 'kind', 'from', 'to']));
  family('restoresim_rule_firings_total', 'counter', 'Times each fault rule fired.', split(metrics.ruleFirings, ['rule']));
  family('restoresim_rules', 'gauge', 'Fault rules defined.', [[{}, fastify.rules.list().length]]);
  family('restoresim_journal_entries', 'gauge', 'Requests held in the journal.', [[{}, fastify.journal.size]]);
  family('restoresim_clock_seconds', 'gauge', 'Simulated time, seconds since the epoch.', [[{}, rt.sim.now() / 1000]]);
  return out.join('\n') + '\n';
}
