export { exportLearner, type ExportOptions, type ExportManifest } from './export.ts';
export { loadLearner, type LoadLearnerOptions } from './load.ts';
