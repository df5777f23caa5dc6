export * from './types';
export { getKernels, kernelsFor, backendReport } from './select';
export type { BackendReport } from './select';
export { tsKernels } from './ts';
