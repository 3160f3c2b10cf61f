// The control plane under /_sim. Minimal foundation: health and clock advance; extended by the control-plane work.
import type { FastifyPluginAsync } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';

const controlPlane: FastifyPluginAsync = async (fastify) => {
  const f = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const rt = fastify.runtime;

  f.get('/health', { schema: { response: { 200: Type.Object({ status: Type.Literal('ok') }) } } }, async () => ({ status: 'ok' as const }));

  f.post(
    '/clock/advance',
    {
      schema: {
        body: Type.Object({ seconds: Type.Number({ minimum: 0 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ mode: Type.String(), now: Type.String(), speed: Type.Number() }) },
      },
    },
    async (request) => {
      rt.sim.advance(request.body.seconds);
      const s = rt.sim.clock.state();
      return { mode: s.mode, now: new Date(s.now).toISOString(), speed: s.speed };
    },
  );
};

export default controlPlane;
