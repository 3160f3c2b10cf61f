import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { testApp, T0 } from './helpers.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Clock } from '../src/core/clock.js';
import { Emulator } from '../src/emulator.js';
import { Store } from '../src/core/store.js';
import { evaluate, rebase, type Plan } from '../src/core/lifecycle.js';
import { parseCli, ConfigError, validateConfig } from '../src/config.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('foundation', () => {
  it('answers health and advances the virtual clock', async () => {
    app = await testApp();
    const h = await app.inject({ method: 'GET', url: '/_sim/health' });
    expect(h.statusCode).toBe(200);
    expect(h.json()).toEqual({ status: 'ok' });
    const a = await app.inject({ method: 'POST', url: '/_sim/clock/advance', payload: { seconds: 90 } });
    expect(a.statusCode).toBe(200);
    expect(a.json().now).toBe(new Date(T0 + 90_000).toISOString());
  });
});

describe('JSON bodies', () => {
  it("refuses prototype poisoning (Fastify's parser) in every dialect, and an empty JSON body is no body", async () => {
    app = await testApp();
    const poisoned = '{"__proto__": {"polluted": true}, "effects": {"drop": true}}';
    const json = { 'content-type': 'application/json' };
    const rule = await app.inject({ method: 'POST', url: '/_sim/rules', headers: json, payload: poisoned });
    expect(rule.statusCode).toBe(400);
    expect(rule.json()).toMatchObject({ error: 'bad_request' });
    const trilio = await app.inject({
      method: 'POST',
      url: '/v1/c76b3355a164498aa95ddbc960adc238/snapshots/2e56d167-bad7-43c7-8ede-a613c3fe7844',
      headers: { ...json, 'x-auth-token': 'demo-token' },
      payload: '{"constructor": {"prototype": {"polluted": true}}, "restore": {}}',
    });
    expect(trilio.statusCode).toBe(400);
    expect(trilio.json()).toEqual({ badRequest: { code: 400, message: 'Malformed request body' } });
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
    const empty = await app.inject({ method: 'POST', url: '/_sim/reset', headers: json, payload: '' });
    expect(empty.statusCode).toBe(200);
  });
});

describe('clock', () => {
  it('virtual time moves only when advanced; real time scales with speed', () => {
    let wall = 1000;
    const v = new Clock({ mode: 'virtual', start: 5000, wall: () => wall });
    wall += 10_000;
    expect(v.now()).toBe(5000);
    v.advance(2.5);
    expect(v.now()).toBe(7500);
    const r = new Clock({ mode: 'real', speed: 10, start: 0, wall: () => wall });
    wall += 1000;
    expect(r.now()).toBe(10_000);
    r.set({ speed: 1 });
    wall += 1000;
    expect(r.now()).toBe(11_000);
  });
});

describe('simulation', () => {
  it('saves the clock with every state change, so a restart after a crash does not go back in time', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'restoresim-clock-'));
    const db = path.join(dir, 'sim.db');
    const config = validateConfig({ db, clock: 'virtual', speed: 1 });
    const a = new Emulator(config, [], { start: T0 }); // it crashes: never closed
    try {
      a.clock.advance(120); // time passes (as in real mode) without any save of its own
      a.store.commit(() =>
        a.store.announce({ api: 'trilio', kind: 'restore', id: 'r1', from: 'none', to: 'restoring', at: a.now() }),
      );
      const c = new Emulator(config, [], { start: T0 });
      expect(c.now()).toBe(T0 + 120_000);
      c.close();
    } finally {
      a.store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('store', () => {
  it('prepares a statement once and reuses it', () => {
    const store = new Store(':memory:');
    const s = store.stmt('SELECT ? AS x');
    expect(store.stmt('SELECT ? AS x')).toBe(s);
    expect(s.get(7)).toEqual({ x: 7 });
    store.close();
  });
});

describe('lifecycle engine', () => {
  const plan: Plan = {
    phases: [
      { state: 'restoring', seconds: 2, progress: [0, 0] },
      { state: 'executing', seconds: 10, progress: [0, 99] },
    ],
    terminal: { state: 'available', message: null },
  };
  it('derives state and progress from the start time and the clock', () => {
    expect(evaluate(plan, 0, 1000).state).toBe('restoring');
    const mid = evaluate(plan, 0, 7000);
    expect(mid.state).toBe('executing');
    expect(mid.progress).toBe(49);
    const end = evaluate(plan, 0, 12_000);
    expect(end).toMatchObject({ state: 'available', terminal: true, progress: 100, finishedAt: 12_000 });
  });
  it('cancels through an intermediate state, freezing progress', () => {
    const c = {
      at: 7000,
      state: 'cancelling',
      seconds: 3,
      terminal: { state: 'cancelled', message: 'Cancel requested for restore' },
    };
    expect(evaluate(plan, 0, 8000, c)).toMatchObject({ state: 'cancelling', progress: 49, terminal: false });
    expect(evaluate(plan, 0, 10_000, c)).toMatchObject({ state: 'cancelled', terminal: true, finishedAt: 10_000 });
    expect(evaluate(plan, 0, 20_000, { ...c, at: 15_000 }).state).toBe('available');
  });
  it('rebases a plan to end now or to jump to a later phase', () => {
    const ended = rebase(plan, 0, 7000, { state: 'error', message: 'boom' });
    expect(evaluate(ended, 0, 7000)).toMatchObject({
      state: 'error',
      terminal: true,
      finishedAt: 7000,
      message: 'boom',
    });
    const jumped = rebase(plan, 0, 1000, 1);
    expect(evaluate(jumped, 0, 1000).state).toBe('executing');
    expect(evaluate(jumped, 0, 11_000).state).toBe('available');
  });
});

describe('config', () => {
  it('takes flags over environment variables and reports every bad value', () => {
    const r = parseCli(['--port', '0', '--clock', 'virtual'], { RESTORESIM_PORT: '9999', RESTORESIM_SPEED: '5' });
    expect(r.config).toMatchObject({ port: 0, clock: 'virtual', speed: 5 });
    try {
      parseCli(['--port', 'x', '--clock', 'sometimes']);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toHaveLength(2);
    }
  });
});
