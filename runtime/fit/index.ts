export {
  fitOneCycle,
  fitFlatCos,
  fitSgdr,
  fineTune,
  type LrSpec,
  type FitVariantOptions,
  type FitOneCycleOptions,
  type FitFlatCosOptions,
  type FitSgdrOptions,
  type FineTuneOptions,
} from './variants.ts';
export { lrFind, type LrFindOptions, type SuggestedLrs } from './lr-find.ts';
export {
  valley,
  slide,
  slideWith,
  minimum,
  steep,
  gradient,
  SUGGESTIONS,
  type Suggestion,
  type SuggestFn,
  type SuggestionName,
  type SlideOptions,
} from './suggestions.ts';
