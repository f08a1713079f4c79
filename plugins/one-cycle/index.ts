import { z } from 'zod';
import { definePlugin, definePluginFactory, oneCycleScheds, type Schedule } from '../../plugin-sdk/index.ts';

const options = z.object({
  /** Peak lr, one value or one per group; default: the lr the fit was started with. */
  lrMax: z.union([z.number().positive(), z.array(z.number().positive()).nonempty()]).optional(),
  div: z.number().positive().default(25),
  divFinal: z.number().positive().default(1e5),
  pctStart: z.number().min(0).max(1).default(0.25),
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
      order: 60,
      runValid: false,
      runAfter: ['recorder'],
      scheds: {} as Record<string, Schedule>,
      hps: {} as Record<string, number[]>,
      beforeFit(learn) {
        if (o.lrMax !== undefined) learn.opt.setHyper('lr', o.lrMax);
        const lrMax = learn.opt.hypers.map((h) => h.lr);
        this.scheds = oneCycleScheds(lrMax, { ...o, moms: o.moms ?? learn.moms });
        this.hps = { lr: [], mom: [] };
      },
      beforeBatch(learn) {
        for (const [name, sched] of Object.entries(this.scheds)) learn.opt.setHyper(name, sched(learn.pctTrain));
      },
      afterBatch(learn) {
        const last = learn.opt.hypers.at(-1) ?? {};
        for (const name of Object.keys(this.scheds)) this.hps[name].push(last[name]);
      },
    }),
});
