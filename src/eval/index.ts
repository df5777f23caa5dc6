/** reinpool/eval: baselines, metrics through the kernels, TREC runs, reports and charts. */
export {
  evaluate, scoreRankings, rankingMetrics, withoutDoc, METRICS, DEFAULT_EVAL_METHODS,
} from './evaluate';
export type { EvaluateOptions, EvaluationResult, MethodMetrics, MetricName } from './evaluate';
export {
  methodFromName, maxsimMethod, poolMethod, tokenpoolMethod, muveraMethod, reinpoolMethod, tokenPool,
  METHOD_NAMES,
} from './methods';
export type {
  Method, MethodIndex, MethodOptions, CompressFn, PoolMethodOptions, TokenPoolOptions,
} from './methods';
export { selfQueryTask, FIDELITY_DEFAULTS } from './fidelity';
export type { SelfQueryTask, FidelityOptions, FidelityGrading } from './fidelity';
export { MuveraEncoder } from './muvera';
export type { MuveraOptions, MuveraConfig } from './muvera';
export { wardLabels, wardTree, cutWardTree, clusterCount } from './ward';
export type { WardTree } from './ward';
export { prepareQrels, qrelsToMap } from './qrels';
export type { QrelEntry, QrelsInput, PreparedQrels } from './qrels';
export { trecOrder, compareCodePoints } from './trec';
export { markdownReport, resultsTable, methodsChart, budgetChart, equalBytesChart, tokenpoolCurve, writeReport } from './report';
export type { BudgetPoint, ReportOptions } from './report';
export { barChartSvg, lineChartSvg, escapeXml } from './svg';
export type { CurvePoint, BarChartOptions, LineChartOptions } from './svg';
export { meanInterval, pairedRandomizationTest, formatInterval, t975 } from './stats';
export type { MeanInterval, PairedTest } from './stats';
