export { ClassificationInterpretation, type InterpretationData, type FromLearnerOptions } from './classification.ts';
