// The specs live in the SDK, so that the runtime's `tapfit plot` draws a saved run with the same charts.
export { lossChart, lrFindChart, schedChart } from '../../plugin-sdk/run-charts.ts';
export { writeChart } from '../../plugin-sdk/charts.ts';
