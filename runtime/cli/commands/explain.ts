import { learnerFromConfig } from '../../config/build.ts';
import { explainFit, type FitExplanation } from '../../config/run-fit.ts';
import { EXIT_OK } from '../errors.ts';
import type { CliIO } from '../io.ts';
import { loadForCli } from '../session.ts';

export interface ExplainFlags {
  config?: string;
  quiet?: boolean;
}

/** The report `tapfit explain` prints: plugins in order, taps per event, stepper order. */
export function formatExplain(
  source: string,
  fitLabel: string,
  { plugins, events, dangling }: FitExplanation,
  stepperNames: readonly string[],
): string {
  const width = Math.max(...events.map((e) => e.event.length));
  // The runtime's own bookkeeping taps (`tapfit:…`, e.g. checkpoint progress) are not plugins: not listed.
  const shown = (taps: readonly string[]) => taps.filter((t) => !t.startsWith('tapfit:'));
  const lines = [
    `config: ${source}`,
    `fit: ${fitLabel}`,
    `plugins (resolved order): ${plugins.join(', ') || '(none)'}`,
    '',
    'events (taps in the order they run; a fit variant\'s scheduler included):',
    ...events.map(({ event, taps }) => `  ${event.padEnd(width)}  ${shown(taps).length ? shown(taps).join(' → ') : '-'}`),
    '',
    `optimizer steppers (in order): ${stepperNames.join(' → ')}`,
  ];
  if (dangling.length > 0) {
    lines.push('', 'order constraints naming plugins that are not loaded (ignored; `strict: true` makes them errors):');
    lines.push(...dangling.map((d) => `  ${d.from}: ${d.key} "${d.name}"`));
  }
  return lines.join('\n');
}

/** `tapfit explain`: build the learner the config describes and show what runs where, without training. */
export async function explainCommand(flags: ExplainFlags, io: CliIO): Promise<number> {
  const loaded = await loadForCli(flags, io);
  const quiet = Boolean(flags.quiet);
  // Same plugins as `tapfit fit` (progress unless --quiet); nothing printed by them here.
  const learn = await learnerFromConfig(loaded, { extraPlugins: quiet ? [] : [{ role: 'progress' }], quiet: true });
  const fit = loaded.config.fit;
  const explanation = await explainFit(learn, fit);
  const fitLabel = `${fit.method} (${fit.method === 'sgdr' ? `${fit.cycles} cycles` : `${fit.epochs} epoch${fit.epochs === 1 ? '' : 's'}`})`;
  io.stdout(formatExplain(loaded.displayName, fitLabel, explanation, learn.opt.stepperNames));
  return EXIT_OK;
}
