export { validate, getPreds, type GetPredsOptions, type Preds, type ValidateOptions } from './get-preds.ts';
export { predict, type Prediction } from './predict.ts';
export { showResults, type ShowResultsOptions } from './show-results.ts';
export { inferenceInfo, setInferenceInfo, type InferenceInfo } from './info.ts';
export { exportLearner, type ExportOptions } from '../export/index.ts';
