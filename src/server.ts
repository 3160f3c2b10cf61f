#!/usr/bin/env node
// The restoresim CLI: parse flags and RESTORESIM_* variables, build the app, listen, print the URL on one line,
// and shut down gracefully on SIGINT/SIGTERM (in-flight requests finish, the database closes cleanly). With HTTPS
// (--tls, --tls-port) more lines follow the URL line: the HTTPS URL beside it, then the certificate's file and
// SHA-256 fingerprint.
import closeWithGrace from 'close-with-grace';
import { ConfigError, helpText, parseCli, type Config } from './config.js';
import { buildApp, listenApp, type Listening } from './app.js';
import { FixtureError } from './core/fixtures.js';
import { resolveTls, type TlsMaterial } from './tls.js';
import { VERSION } from './version.js';

/** Prints one line per problem and exits (status 2: a configuration mistake). */
function refuse(problems: readonly string[], hint: boolean): never {
  for (const p of problems) process.stderr.write(`restoresim: ${p}\n`);
  if (hint) process.stderr.write('restoresim: see --help\n');
  process.exit(2);
}

async function main(): Promise<void> {
  let config: Config;
  try {
    const cli = parseCli(process.argv.slice(2));
    if (cli.help) {
      process.stdout.write(`${helpText(VERSION)}\n`);
      return;
    }
    if (cli.version) {
      process.stdout.write(`${VERSION}\n`);
      return;
    }
    config = cli.config;
  } catch (err) {
    if (err instanceof ConfigError) refuse(err.problems, true);
    throw err;
  }

  const logger =
    process.stdout.isTTY && config.logLevel !== 'silent'
      ? {
          level: config.logLevel,
          transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } },
        }
      : { level: config.logLevel };

  let tls: TlsMaterial | undefined;
  let app: Awaited<ReturnType<typeof buildApp>>;
  try {
    tls = await resolveTls(config);
    app = await buildApp(config, { logger, tls });
  } catch (err) {
    if (err instanceof ConfigError) refuse(err.problems, false);
    if (err instanceof FixtureError) refuse(err.problems, false);
    tls?.dispose();
    process.stderr.write(`restoresim: cannot start: ${(err as Error).message}\n`);
    process.exit(1);
  }

  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an error');
    else app.log.info({ signal }, 'shutting down');
    await app.close();
  });

  let listening: Listening;
  try {
    listening = await listenApp(app, config);
  } catch (err) {
    process.stderr.write(`restoresim: ${(err as Error).message}\n`);
    await app.close();
    process.exit(1);
  }
  // The first line a wrapper script can read: the URL the emulator answers on (https:// with --tls).
  process.stdout.write(`restoresim listening on ${listening.url}\n`);
  if (config.tlsPort !== undefined) process.stdout.write(`restoresim also listening on ${listening.httpsUrl}\n`);
  if (tls) process.stdout.write(`restoresim tls certificate ${tls.path} sha256 ${tls.fingerprint}\n`);
}

void main();
