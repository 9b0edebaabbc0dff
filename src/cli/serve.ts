// `vigil serve`: runs the recorder, live view, playback and the web page until SIGINT/SIGTERM.
import type { Command } from 'commander';
import { createLogger, startVigil } from '../app/index.js';
import { configFrom, type Act } from './context.js';

export function registerServeCommand(program: Command, act: Act): void {
  program
    .command('serve')
    .description('record cameras and serve the API and web page')
    .option('--port <port>', 'HTTP port (env VIGIL_PORT, default 8080)')
    .action(act(async (out, opts, o: { port?: string }) => {
      const config = configFrom({ ...opts, port: o.port });
      const log = createLogger(config.log.level, process.stderr); // stdout carries the result line
      const vigil = await startVigil(config, log);
      out.result({ url: vigil.url, port: vigil.port, dataDir: config.dataDir }, `Vigil is serving at ${vigil.url}`);
      await new Promise<void>((resolveStop) => {
        const stop = (signal: string) => {
          log.info({ signal }, 'stopping');
          vigil.close().then(resolveStop, (err: unknown) => {
            log.error({ err }, 'error while stopping');
            resolveStop();
          });
        };
        process.once('SIGINT', () => stop('SIGINT'));
        process.once('SIGTERM', () => stop('SIGTERM'));
      });
      return 0;
    }));
}
