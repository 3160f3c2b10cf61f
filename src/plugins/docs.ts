// OpenAPI documents and the docs UI. Stub: filled in by the shipping work.
import fp from 'fastify-plugin';

export default fp(async () => {}, { name: 'restoresim-docs' });
