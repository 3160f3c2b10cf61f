#!/usr/bin/env node
// The restoresim CLI: parse flags and RESTORESIM_* variables, build the app, listen, print the URL on one line,
// and shut down gracefully on SIGINT/SIGTERM (in-flight requests finish, the database closes cleanly).
import closeWithGrace from 'close-with-grace';
import { ConfigError, helpText, parseCli, type Config } from './config.js';
import { buildApp, listenUrl } from './app.js';
import { FixtureError } from './core/fixtures.js';
import { VERSION } from './version.js';

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
    if (err instanceof ConfigError) {
      for (const p of err.problems) process.stderr.write(`restoresim: ${p}\n`);
      process.stderr.write('restoresim: see --help\n');
      process.exit(2);
    }
    throw err;
  }

  const logger =
    process.stdout.isTTY && config.logLevel !== 'silent'
      ? {
          level: config.logLevel,
          transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } },
        }
      : { level: config.logLevel };

  let app: Awaited<ReturnType<typeof buildApp>>;
  try {
    app = await buildApp(config, { logger });
  } catch (err) {
    if (err instanceof FixtureError) {
      for (const p of err.problems) process.stderr.write(`restoresim: ${p}\n`);
      process.exit(2);
    }
    process.stderr.write(`restoresim: cannot start: ${(err as Error).message}\n`);
    process.exit(1);
  }

  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an error');
    else app.log.info({ signal }, 'shutting down');
    await app.close();
  });

  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    process.stderr.write(`restoresim: cannot listen on ${config.host}:${config.port}: ${(err as Error).message}\n`);
    await app.close();
    process.exit(1);
  }
  // One line a wrapper script can read: the URL the emulator answers on.
  process.stdout.write(`restoresim listening on ${listenUrl(app, config.host)}\n`);
}

void main();
