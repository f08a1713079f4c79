import { defineStepper, stateNumber } from '../../plugin-sdk/index.ts';

/**
 * fastai's `step_stat`: counts the steps taken for each parameter (`state.step`), for debiasing.
 * @example createOptimizer(params, { steppers: ['average-grad', 'average-sqr-grad', 'step-stat', 'adam-step'], hypers })
 */
export default defineStepper({
  name: 'step-stat',
  order: -10,
  step: ({ state }) => ({ state: { step: stateNumber(state, 'step', 0) + 1 } }),
});
