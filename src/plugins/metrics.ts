// Prometheus metrics (prom-client, one registry per app) behind GET /_sim/metrics: requests by api, route, method
// and status; committed transitions; rule firings; and gauges read when scraped: each API's restores or jobs by
// state (its descriptor's gauge), the rules defined, the journal's size and the simulated time.
import fp from 'fastify-plugin';
import { Counter, Gauge, Registry } from 'prom-client';

export class Metrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'restoresim_requests_total',
    help: 'Requests answered, by api, route pattern, method and status ("dropped" for dropped connections).',
    labelNames: ['api', 'route', 'method', 'status'] as const,
    registers: [this.registry],
  });
  private readonly transitions: Counter<'api' | 'kind' | 'from' | 'to'>;
  private readonly ruleFirings: Counter<'rule'>;

  /** `gauges` come between the request counter and the transitions, in the order given. */
  constructor(
    gauges: { name: string; help: string; counts: () => Record<string, number> }[],
    more: Record<string, () => number>,
  ) {
    const registers = [this.registry];
    for (const g of gauges) {
      new Gauge({
        name: g.name,
        help: g.help,
        labelNames: ['state'] as const,
        registers,
        collect() {
          this.reset();
          for (const [state, n] of Object.entries(g.counts()).sort(([a], [b]) => (a < b ? -1 : 1)))
            this.set({ state }, n);
        },
      });
    }
    this.transitions = new Counter({
      name: 'restoresim_transitions_total',
      help: 'Lifecycle transitions committed, by api, kind, from and to state.',
      labelNames: ['api', 'kind', 'from', 'to'] as const,
      registers,
    });
    this.ruleFirings = new Counter({
      name: 'restoresim_rule_firings_total',
      help: 'Times each fault rule fired.',
      labelNames: ['rule'] as const,
      registers,
    });
    const help: Record<string, string> = {
      restoresim_rules: 'Fault rules defined.',
      restoresim_journal_entries: 'Requests held in the journal.',
      restoresim_clock_seconds: 'Simulated time, seconds since the epoch.',
    };
    for (const [name, read] of Object.entries(more)) {
      new Gauge({
        name,
        help: help[name] ?? name,
        registers,
        collect() {
          this.set(read());
        },
      });
    }
  }

  request(api: string, route: string, method: string, status: string): void {
    this.requests.inc({ api, route, method, status });
  }
  transition(api: string, kind: string, from: string, to: string): void {
    this.transitions.inc({ api, kind, from, to });
  }
  ruleFired(rule: string): void {
    this.ruleFirings.inc({ rule });
  }
  /** The Prometheus text exposition (format 0.0.4): one family after another, each family's samples sorted. */
  async text(): Promise<string> {
    const out: string[] = [];
    let samples: string[] = [];
    const flush = () => {
      out.push(...samples.sort());
      samples = [];
    };
    for (const line of (await this.registry.metrics()).split('\n')) {
      if (line === '') continue;
      if (line.startsWith('# HELP')) flush();
      (line.startsWith('#') ? out : samples).push(line);
    }
    flush();
    return `${out.join('\n')}\n`;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
  }
}

export default fp(
  async (fastify) => {
    const emulator = fastify.emulator;
    const metrics = new Metrics(
      emulator.apis.map((a) => ({ ...a.descriptor.gauge, counts: () => a.instance.counts() })),
      {
        restoresim_rules: () => fastify.rules.list().length,
        restoresim_journal_entries: () => fastify.journal.size,
        restoresim_clock_seconds: () => emulator.now() / 1000,
      },
    );
    fastify.decorate('metrics', metrics);
    const off = emulator.onTransition((e) => metrics.transition(e.api, e.kind, e.from, e.to));
    fastify.addHook('onClose', async () => off());
  },
  { name: 'restoresim-metrics' },
);
