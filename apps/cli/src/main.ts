import { Command, CommanderError } from 'commander';
import { eventsCommand } from './commands/events.command';
import { registerPromotionsCommands } from './commands/promotions';
import { registerSdkCommands } from './commands/sdk';
import { secretsCommand } from './commands/secrets.command';
import { addExecutionCommands, pipelinesCommand } from './commands/pipelines.command';
import { ApiError } from './lib/api-client';
import { CommandFailed, UsageError, createContext } from './lib/context';
import { processIo, type Io } from './lib/output';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export interface RunOptions {
  io?: Io;
  env?: Record<string, string | undefined>;
  fetch?: typeof fetch;
  /** What a secret is read from (default: stdin). */
  stdin?: (prompt: string) => Promise<string>;
}

export function buildProgram(ctx: ReturnType<typeof createContext>): Command {
  const program = new Command('mockforge')
    .description('MockOps Pipelines: manage event-driven pipelines through the gateway.\n' +
      'Environment: MOCKFORGE_API_URL (default http://127.0.0.1:3000), MOCKFORGE_API_KEY.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)');
  program.addCommand(pipelinesCommand(ctx));
  program.addCommand(eventsCommand(ctx));
  program.addCommand(secretsCommand(ctx));
  registerPromotionsCommands(program, ctx);
  registerSdkCommands(program, ctx);
  // The spec's short forms: `mockforge executions <pipeline-id>`, `mockforge execution <id>`.
  addExecutionCommands(program, ctx);
  const configure = (cmd: Command) => {
    cmd.exitOverride().configureOutput({ writeOut: (s) => ctx.io.out(s), writeErr: (s) => ctx.io.err(s) });
    cmd.commands.forEach(configure);
  };
  configure(program);
  return program;
}

function printApiError(io: Io, e: ApiError) {
  io.err(`Error: ${e.message}\n`);
  for (const d of e.details) {
    const where = d.line !== undefined ? `line ${d.line} col ${d.column ?? 1}: ` : '';
    io.err(`  - ${d.path ? `${d.path}: ` : ''}${where}${d.message}\n`);
  }
}

/** Runs the CLI and returns the exit code: 0 ok, 1 failed, 2 usage. Never prints a stack trace. */
export async function main(argv: string[], options: RunOptions = {}): Promise<number> {
  const io = options.io ?? processIo;
  const ctx = createContext(io, options.env ?? process.env, options.fetch, options.stdin);
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv);
    return EXIT_OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander has printed its message already; help and --version end with code 0.
      return e.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (e instanceof UsageError) {
      io.err(`Error: ${e.message}\n`);
      return EXIT_USAGE;
    }
    if (e instanceof ApiError) {
      printApiError(io, e);
      return e.code === 'USAGE' ? EXIT_USAGE : EXIT_FAILED;
    }
    if (e instanceof CommandFailed) return EXIT_FAILED;
    io.err(`Error: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT_FAILED;
  }
}
