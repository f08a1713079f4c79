export { exportLearner, type ExportOptions, type ExportManifest } from './export.ts';
