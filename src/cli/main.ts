// `vigil`: the command line (architecture §8). Each command is a thin wrapper over a module API, prints human text
// or --json, and returns its exit code: 0 ok, 1 error, 2 usage, 3 a check found problems.
import { Command, CommanderError } from 'commander';
import { registerAuditCommands } from './audit.js';
import { registerCameraCommands } from './camera.js';
import { registerCheckCommand } from './check.js';
import { registerComplianceCommands } from './compliance.js';
import { registerSystemCommands } from './system.js';
import { withCore, type Act, type CommonOptions } from './context.js';
import { registerDutyCommands } from './duties.js';
import { registerInspectionCommands } from './inspections.js';
import { registerKeyCommands } from './key.js';
import { registerMigrateCommand } from './migrate.js';
import { createOutput, exitCodes, UsageError } from './output.js';
import { registerRetentionCommands } from './retention.js';
import { registerServeCommand } from './serve.js';
import { registerAccessCommands } from './user.js';
import { registerVerifyCommand } from './verify.js';

export async function main(argv: string[]): Promise<number> {
  let exitCode: number = exitCodes.ok;
  const program = new Command('vigil')
    .description('Vigil — compliance-native video surveillance (公共安全视频图像信息系统)')
    .option('--data-dir <dir>', 'data directory (env VIGIL_DATA_DIR, default ./data)')
    .option('--config <file>', 'config file (env VIGIL_CONFIG, default <data-dir>/vigil.json)')
    .option('--json', 'machine-readable output')
    .exitOverride()
    .showHelpAfterError();

  const act: Act = (fn) => async (...args: unknown[]) => {
    const cmd = args[args.length - 1] as Command;
    const opts = cmd.optsWithGlobals<CommonOptions>();
    const out = createOutput(!!opts.json);
    try {
      exitCode = await (fn as (o: typeof out, c: CommonOptions, ...rest: unknown[]) => Promise<number>)(out, opts, ...args.slice(0, -1));
    } catch (err) {
      out.error(err);
      // A bad configuration is an error (1), not a usage mistake: the command line itself was fine.
      exitCode = err instanceof UsageError || (err as { code?: string }).code === 'usage' ? exitCodes.usage : exitCodes.error;
    }
  };

  registerServeCommand(program, act);
  registerMigrateCommand(program, act);
  registerCameraCommands(program, act);
  registerCheckCommand(program, act);
  registerSystemCommands(program, act);
  registerComplianceCommands(program, act);
  registerAuditCommands(program, act);
  registerVerifyCommand(program, act);
  registerDutyCommands(program, act);
  registerInspectionCommands(program, act);
  registerRetentionCommands(program, act);
  registerKeyCommands(program, act);
  registerAccessCommands(program, act, (opts, fn) => withCore(opts, (core) => fn(core.access)));

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; every other parse failure is a usage error.
      return err.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
    }
    throw err;
  }
  return exitCode;
}
