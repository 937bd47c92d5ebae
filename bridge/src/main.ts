// Start: config → local stack (what the environment does not name) → createApp → listen.
// SIGTERM/SIGINT drain: stop accepting, close sockets, then the services we started. A crash
// (an uncaught exception, SIGKILL) cannot stop them: the bundled Synapse dies with this process
// by itself (stack/parent-death-launcher.py), PGlite runs inside it.
import { createApp } from './app.ts';
import { ConfigError, loadConfig } from './config/config.ts';
import { createLogger } from './observability/logger.ts';
import { startLocalStack } from './stack/local-stack.ts';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`booking-chat: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const stack = await startLocalStack(config, logger);
  let app;
  try {
    app = await createApp(stack.config, { ...stack.deps, logger });
  } catch (error) {
    await stack.stop();
    throw error;
  }
  stack.onHomeserverRestarted(() => void app.homeserverRecovered());
  const { port, appservicePort, metricsPort } = await app.listen();
  for (const line of stack.started) logger.info(`started ${line}`);
  const publicUrl = stack.config.publicUrl.replace(/:\d+$/, `:${port}`);
  logger.info({ publicUrl, appservicePort, metricsPort }, `booking-chat is up: connect apps to ${publicUrl}`);
  if (!config.jwt.secret && !config.jwt.jwksUrl) {
    logger.info(
      'app tokens for trying it out: npm run token -- <userId> [customer|artist]; the booking system token is serviceToken in .local/secrets.json',
    );
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'draining');
    // Every part was asked to stop; the ones that failed are logged and the stack goes down anyway.
    await app.close().catch((err: unknown) => logger.error({ err }, 'some parts did not stop cleanly'));
    await stack.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`booking-chat failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
