// Control-plane routes that move the emulator's state: reset, fixtures, the clock and the forced states.
import { clockState, errors, security, SimError, tags, type ControlContext } from './context.js';

export function stateRoutes({ f, emulator, descriptors, S }: ControlContext): void {
  const fastify = f;
  f.post(
    '/reset',
    {
      schema: {
        tags,
        security,
        summary: "Back to the fixtures' state: everything, one API (?api=), or one project (?project=)",
        description:
          'A full reset also removes every rule and clears the journal. ?project= resets that project (in the APIs ' +
          'with projects) and removes the rules matching that project; ?api= resets one API and removes the rules of ' +
          'that API. Metrics ' +
          'counters are never reset.',
        querystring: S.ResetQuery,
        response: { 200: S.ResetResult, ...errors(400, 401) },
      },
    },
    async (request) => {
      const { api, project } = request.query;
      if (project !== undefined && api !== undefined && !emulator.api(api).descriptor.project) {
        const withProjects = descriptors.filter((d) => d.project).map((d) => d.name);
        throw new SimError(400, `project applies to ${withProjects.join(' and ')} only; ${api} has no projects`);
      }
      const full = !api && project === undefined;
      const scope = full ? {} : project !== undefined ? { project } : { api };
      // Requests of that scope still waiting out a rule's latency end without an answer (they would act on the
      // reset state).
      fastify.simInterrupt(scope);
      emulator.reset({ api, project });
      const rulesRemoved = fastify.rules.clear(scope);
      if (full) fastify.journal.clear();
      return {
        status: 'reset' as const,
        ...(api ? { api } : {}),
        ...(project !== undefined ? { project } : {}),
        rulesRemoved,
        journalCleared: full,
      };
    },
  );

  f.get(
    '/fixtures',
    {
      schema: {
        tags,
        security,
        summary: 'The loaded fixture set (what reset returns to)',
        response: { 200: S.FixtureDocument, ...errors(401) },
      },
    },
    async () => emulator.fixtures,
  );

  f.post(
    '/fixtures',
    {
      schema: {
        tags,
        security,
        summary:
          'Load fixtures: merge (upsert by id, default) or replace (?mode=replace); ' +
          'validated with one line per problem',
        querystring: S.FixturesQuery,
        body: S.FixtureDocument,
        response: { 200: S.FixtureDocument, ...errors(400, 401) },
      },
    },
    async (request) => emulator.loadFixtures(request.body, request.query.mode ?? 'merge'),
  );

  f.get(
    '/clock',
    {
      schema: {
        tags,
        security,
        summary: 'Clock mode, simulated time and speed',
        response: { 200: S.ClockState, ...errors(401) },
      },
    },
    async () => clockState(emulator),
  );

  f.post(
    '/clock/advance',
    {
      schema: {
        tags,
        security,
        summary: 'Move simulated time forward; every restore and job moves exactly as waiting would have',
        body: S.ClockAdvance,
        response: { 200: S.ClockState, ...errors(400, 401) },
      },
    },
    async (request) => {
      emulator.advance(request.body.seconds);
      return clockState(emulator);
    },
  );

  f.put(
    '/clock',
    {
      schema: {
        tags,
        security,
        summary: 'Switch clock mode or speed, or jump forward to an instant (`now`), without going backwards',
        body: S.ClockPut,
        response: { 200: S.ClockState, ...errors(400, 401, 409) },
      },
    },
    async (request) => {
      const { mode, speed, now } = request.body;
      let target: number | undefined;
      if (now !== undefined) {
        target = Date.parse(now);
        if (!Number.isFinite(target)) throw new SimError(400, `now: not an ISO-8601 date-time: ${now}`);
        if (target < emulator.now()) {
          throw new SimError(
            409,
            `now: ${now} is before the simulated time ${new Date(emulator.now()).toISOString()}; ` +
              'the clock never goes backwards',
          );
        }
      }
      if (mode !== undefined || speed !== undefined) emulator.setClock({ mode, speed });
      emulator.advance(target !== undefined ? Math.max(0, (target - emulator.now()) / 1000) : 0);
      return clockState(emulator);
    },
  );

  // ---- forced states: one route per API, at the URL its descriptor gives ----------------------------------------
  for (const d of descriptors) {
    if (!d.force) continue;
    const withId = d.force.url.includes(':id');
    f.put(
      d.force.url,
      {
        schema: {
          tags,
          security,
          summary: d.force.summary,
          ...(withId ? { params: S.IdParams } : {}),
          body: S.ForceBody,
          response: { 200: S.ForceResult, ...errors(400, 401, 404, 409) },
        },
      },
      async (request) => {
        const id = withId ? (request.params as { id: string }).id : undefined;
        const r = emulator.force(d.name, { ...(id !== undefined ? { id } : {}), ...request.body });
        // The API settles before and after the move (and the app settled when the request arrived): no settle here.
        if (!r.ok) throw new SimError(r.statusCode ?? 409, r.reason ?? `cannot move to ${request.body.state}`);
        return { ...(id !== undefined ? { id } : {}), state: r.state ?? request.body.state };
      },
    );
  }
}
