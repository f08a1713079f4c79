import { Command, InvalidArgumentError, Option } from 'commander';
import { createRequire } from 'node:module';
import { describeFailure, EXIT_OK } from './errors.ts';
import { processIO, type CliIO } from './io.ts';

const { version } = createRequire(import.meta.url)('tapfit/package.json') as { version: string };

function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return n;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a positive number, got "${value}"`);
  return n;
}

function port(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || n > 65535) throw new InvalidArgumentError(`expected a port number (0 for a free one), got "${value}"`);
  return n;
}

const configOption = () => new Option('-c, --config <file>', 'use this config file instead of searching for one');
const debugOption = () => new Option('--debug', 'print stack traces of errors');

/**
 * The `tapfit` command line. Each command's action stores its exit code in `result`; command modules are
 * imported when their command runs, so `--help` and usage errors do not load TensorFlow.js.
 */
function buildProgram(io: CliIO, result: { code: number; debug: boolean }): Command {
  const program = new Command('tapfit')
    .description('Train TensorFlow.js models the fastai way: a small loop that fires events, and plugins that tap them.')
    .version(version)
    .addOption(debugOption())
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout(s.replace(/\n$/, '')),
      writeErr: (s) => io.stderr(s.replace(/\n$/, '')),
    })
    .showSuggestionAfterError()
    .addHelpText('after', '\nExit codes: 0 success, 1 training error, 2 usage or config error, 130 interrupted (Ctrl-C; resume with --resume).\nRun `tapfit <command> --help` for a command\'s options.');

  const run = (fn: () => Promise<number>) => async () => {
    result.code = await fn();
  };
  const debugOf = (opts: { debug?: boolean }) => {
    result.debug = Boolean(opts.debug || program.opts().debug);
  };

  program
    .command('fit')
    .description('train the model the config describes (shows progress unless --quiet)')
    .addOption(configOption())
    .option('--epochs <n>', 'override fit.epochs', positiveInt)
    .option('--lr <x>', 'override fit.lr', positiveNumber)
    .option('-o, --output <dir>', 'where to write history.json (default: the config\'s `output`, or ./out beside the config)')
    .option('--resume [dir]', 'continue from the last checkpoint (default folder: save-model\'s dir, else <output>/checkpoints); Ctrl-C writes one there and exits 130')
    .option('--weights-only', 'with --resume: take only the model weights from the checkpoint and train from the start (another optimizer, plugins or data are fine)')
    .option('-q, --quiet', 'no progress bars, tables or plugin messages')
    .option('--dashboard [port]', 'show training live in the browser (http://127.0.0.1:<port>/, default a free port)', port)
    .option('--no-plots', 'do not write the loss, metrics and schedule plots (PNG) beside history.json')
    .addOption(debugOption())
    .action(async (opts) => {
      debugOf(opts);
      await run(async () => (await import('./commands/fit.ts')).fitCommand(opts, io))();
    });

  program
    .command('lr-find')
    .description('run the learning-rate finder: print the suggestions and write the plot (lr-find.svg)')
    .addOption(configOption())
    .option('--start-lr <x>', 'lowest lr tried (default 1e-7)', positiveNumber)
    .option('--end-lr <x>', 'highest lr tried (default 10)', positiveNumber)
    .option('--num-it <n>', 'number of batches (default 100)', positiveInt)
    .option('-o, --output <dir>', 'where to write lr-find.svg')
    .option('--plot <file>', 'write the plot here instead, as SVG or PNG by the extension (lr-find.png)')
    .option('-q, --quiet', 'print only the suggestions')
    .addOption(debugOption())
    .action(async (opts) => {
      debugOf(opts);
      await run(async () => (await import('./commands/lr-find.ts')).lrFindCommand(opts, io))();
    });

  program
    .command('plot')
    .description('draw the loss, per-epoch metrics and schedules of a finished run (from history.json, a checkpoint or a run folder)')
    .argument('<source>', 'history.json, a checkpoint (.tapfit) or a run folder')
    .option('-o, --output <path>', 'a .png/.svg file for one figure with every chart, or a folder for loss/metrics/sched charts (default: beside the source)')
    .option('--format <png|svg>', 'format of the charts written to a folder (default png)')
    .addOption(debugOption())
    .action(async (source: string, opts) => {
      debugOf(opts);
      await run(async () => (await import('./commands/plot.ts')).plotCommand(source, opts, io))();
    });

  program
    .command('explain')
    .description('print, for every event, the plugins that run on it in resolved order, and the optimizer\'s stepper order')
    .addOption(configOption())
    .option('-q, --quiet', 'explain the plugins of `tapfit fit --quiet` (no progress)')
    .addOption(debugOption())
    .action(async (opts) => {
      debugOf(opts);
      await run(async () => (await import('./commands/explain.ts')).explainCommand(opts, io))();
    });

  program
    .command('validate')
    .description("fastai's validate: the loss and metrics on the config's validation data (weights from --checkpoint or --model)")
    .addOption(configOption())
    .option('--checkpoint <file>', 'load the model weights from this checkpoint (.tapfit)')
    .option('--model <dir>', 'use the model exported to this folder (learn.export)')
    .option('--json', 'print the values as JSON')
    .addOption(debugOption())
    .action(async (opts) => {
      debugOf(opts);
      await run(async () => (await import('./commands/validate.ts')).validateCommand(opts, io))();
    });

  program
    .command('predict')
    .description("fastai's predict: decoded predictions for a JSON file of inputs, or the config's first validation items")
    .addOption(configOption())
    .option('--checkpoint <file>', 'load the model weights from this checkpoint (.tapfit)')
    .option('--model <dir>', 'use the model exported to this folder (learn.export); no config needed with --input')
    .option('-i, --input <file>', 'a JSON item or array of items (nested number arrays)')
    .option('-n <n>', 'how many validation items without --input (default 10)', positiveInt)
    .option('-o, --output <file>', 'write { decoded, probs } as JSON here')
    .addOption(debugOption())
    .action(async (opts) => {
      debugOf(opts);
      await run(async () => (await import('./commands/predict.ts')).predictCommand(opts, io))();
    });

  program
    .command('plugins')
    .description('list the built-in plugins and optimizer steppers with their order constraints and options')
    .addOption(debugOption())
    .action(async (opts) => {
      debugOf(opts);
      await run(async () => (await import('./commands/plugins.ts')).pluginsCommand(io))();
    });

  return program;
}

/**
 * Run the CLI on `argv` (without `node` and the script: `['fit', '--epochs', '2']`) and return the exit code:
 * 0 success, 1 training error, 2 usage or config error. Never throws, never calls `process.exit`.
 */
export async function main(argv: readonly string[], io: CliIO = processIO()): Promise<number> {
  const result = { code: EXIT_OK, debug: argv.includes('--debug') };
  const program = buildProgram(io, result);
  try {
    if (argv.length === 0) {
      io.stderr(program.helpInformation().replace(/\n$/, ''));
      return 2;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return result.code;
  } catch (error) {
    const { code, message } = describeFailure(error, result.debug);
    if (message) io.stderr(message);
    return code;
  }
}
