// Sessions (reference §7.1): log in with Basic credentials, read the current session, log out. /rest answers
// `{"value": …}` (200) and sets the session cookie; /api answers bare bodies (201 on login, 204 on logout).
import type { FastifyInstance } from 'fastify';
import type { Generation } from '../errors.js';
import { NS } from '../schemas.js';
import { sessionInfo } from '../views.js';
import {
  SESSION_HEADER,
  header,
  login,
  noRestAction,
  principal,
  routeOptions,
  send,
  type Deps,
  type RouteSpec,
} from './common.js';

export function sessionRoutes(f: FastifyInstance, gen: Generation, deps: Deps): void {
  const { service } = deps;
  const opts = (operation: string, summary: string, more: Partial<RouteSpec>) =>
    routeOptions(deps, { gen, operation, summary, ...more });

  if (gen === 'rest') {
    f.post(
      '/com/vmware/cis/session',
      opts('session.get', 'Read the current session (?~action=get)', {
        auth: 'session',
        action: 'get',
        docQuery: '~action=get',
      }),
      async (req, reply) =>
        send(reply, req, 200, { value: sessionInfo(principal(req).session!) }, { root: 'Get-Result', ns: NS.session }),
    );
    const create = opts('session.create', 'Create a session (Basic)', {
      auth: 'none',
      refuse: noRestAction('com.vmware.cis.session'),
    });
    f.post('/com/vmware/cis/session', create, async (req, reply) => {
      const id = login(deps, req);
      // The cookie unless the client says it authenticates by header (`true`, any case; an empty value is no opt-out,
      // as the Ruby SDK sends it), Secure only over HTTPS (cookie jars never send a Secure cookie over HTTP).
      const byHeader = header(req, 'vmware-use-header-authn')?.trim().toLowerCase() === 'true';
      const secure = req.protocol === 'https' ? ';Secure' : '';
      if (!byHeader) reply.header('set-cookie', `${SESSION_HEADER}=${id};Path=/rest${secure};HttpOnly`);
      return send(reply, req, 200, { value: id }, { root: 'Create-Result', ns: NS.session });
    });
    f.delete(
      '/com/vmware/cis/session',
      opts('session.delete', 'Delete the session', { auth: 'session' }),
      async (req, reply) => {
        service.logout(principal(req).session!.id);
        return reply.code(200).send();
      },
    );
    return;
  }

  f.post('/session', opts('session.create', 'Create a session (Basic)', { auth: 'none' }), async (req, reply) =>
    send(reply, req, 201, login(deps, req)),
  );
  f.get('/session', opts('session.get', 'Read the current session', { auth: 'session' }), async (req, reply) =>
    send(reply, req, 200, sessionInfo(principal(req).session!)),
  );
  f.delete('/session', opts('session.delete', 'Delete the session', { auth: 'session' }), async (req, reply) => {
    service.logout(principal(req).session!.id);
    return reply.code(204).send();
  });
}
