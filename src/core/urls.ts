// Base URLs of answers (links, catalog endpoints): `--public-url` when set, else the scheme and Host the request came
// with. Pure: the caller passes what it knows of the request (requestOrigin reads it off a request).

export interface RequestOrigin {
  /** `http` or `https`, as the connection was. */
  protocol: string;
  /** The Host header, if any. */
  host: string | undefined;
  /** The local port the request arrived on (for a Host header without one). */
  port: number | undefined;
}

/** The origin of a request as a web framework gives it (its scheme, headers and socket). */
export const requestOrigin = (request: {
  protocol: string;
  headers: { host?: string };
  socket?: { localPort?: number };
}): RequestOrigin => ({ protocol: request.protocol, host: request.headers.host, port: request.socket?.localPort });

const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' };

/** The base URL (no trailing slash): `publicUrl`, else `<protocol>://<Host>`. */
export function baseUrl(origin: RequestOrigin, publicUrl: string | undefined): string {
  const base = publicUrl ?? `${origin.protocol}://${origin.host ?? `localhost:${origin.port ?? 80}`}`;
  return base.replace(/\/+$/, '');
}

/**
 * The base URL with an explicit port, as catalogs need it (clients use endpoint URLs as given): a Host without a
 * port gets the one the request arrived on; a public URL without one gets its scheme's default.
 */
export function baseUrlWithPort(origin: RequestOrigin, publicUrl: string | undefined): string {
  const base = baseUrl(origin, publicUrl);
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    return base;
  }
  if (url.port !== '') return base;
  const port = publicUrl === undefined && origin.port ? String(origin.port) : DEFAULT_PORTS[url.protocol];
  if (!port) return base;
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/+$/, '');
  return `${url.protocol}//${url.hostname}:${port}${path}`;
}
