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
      // The first start creates the system administrator; its one-time password is shown here once (never logged)
      // and must be changed at first sign-in.
      const admin = vigil.initialAdmin;
      const firstStart = admin
        ? `\nFirst start: created system administrator '${admin.username}' with one-time password ${admin.password}\n` +
          '首次启动：已创建系统管理员，请用上面的一次性密码登录并立即修改。 Sign in with it and change it at once.'
        : '';
      out.result(
        { url: vigil.url, port: vigil.port, dataDir: config.dataDir, ...(admin ? { initialAdmin: admin } : {}) },
        `Vigil is serving at ${vigil.url}${firstStart}`,
      );
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
