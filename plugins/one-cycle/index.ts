import { z } from 'zod';
import { definePlugin, definePluginFactory, ONE_CYCLE_DEFAULTS, oneCycleScheds, paramSchedule } from '../../plugin-sdk/index.ts';

const options = z.object({
  /** Peak lr, one value or one per group; default: the lr the fit was started with. */
  lrMax: z.union([z.number().positive(), z.array(z.number().positive()).nonempty()]).optional(),
  div: z.number().positive().default(ONE_CYCLE_DEFAULTS.div),
  divFinal: z.number().positive().default(ONE_CYCLE_DEFAULTS.divFinal),
  pctStart: z.number().min(0).max(1).default(ONE_CYCLE_DEFAULTS.pctStart),
  /** Default: the learner's `moms` (0.95, 0.85, 0.95). */
  moms: z.tuple([z.number(), z.number(), z.number()]).optional(),
});

/**
 * fastai's one-cycle policy as a plugin, for configs (`learn.fitOneCycle` does the same from code): lr
 * warms up from `lrMax/div` to `lrMax` over `pctStart` of training with a cosine, then anneals to
 * `lrMax/divFinal`; momentum goes the opposite way, `moms[0] → moms[1] → moms[2]`.
 *
 * ```ts
 * await learn.fit(3, 1e-2, { plugins: ['one-cycle'] });                 // lrMax = 1e-2
 * await learn.fit(3, undefined, { plugins: [['one-cycle', { lrMax: 3e-3, pctStart: 0.3 }]] });
 * ```
 */
export default definePluginFactory({
  name: 'one-cycle',
  options,
  description: "fastai's one-cycle lr and momentum schedule",
  create: (o) =>
    definePlugin({
      name: 'one-cycle',
      ...paramSchedule({
        // An lrMax option is not set here: the schedule sets lr before the first batch anyway.
        scheds: (learn) => oneCycleScheds(o.lrMax === undefined ? learn.opt.hypers.map((h) => h.lr) : [o.lrMax].flat(), { ...o, moms: o.moms ?? learn.moms }),
      }),
    }),
});
