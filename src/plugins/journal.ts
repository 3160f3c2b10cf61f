// Request journal and metrics counters. Stub: filled in by the control-plane work.
import fp from 'fastify-plugin';

export default fp(async () => {}, { name: 'restoresim-journal' });
