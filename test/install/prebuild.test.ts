/**
 * The committed CPU prebuild (prebuilds/linux-x64/reinpool_cpu.node, what npm users without a
 * compiler run) must match the native sources: scripts/prebuild.js records their sha256 in
 * reinpool_cpu.json. Change native/kernels/cpu, kernels.h or native/addon and this fails until
 * `npm run build:prebuild` is run and the new binary committed.
 */
import * as fs from 'fs';
import * as path from 'path';

const root = path.resolve(__dirname, '..', '..');
const dir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a plain CommonJS script without types: import would need allowJs
const { sourceHash } = require('../../scripts/prebuild.js') as { sourceHash: () => string };

const onLinuxX64 = process.platform === 'linux' && process.arch === 'x64' ? test : test.skip;

onLinuxX64('the committed CPU prebuild was built from the current native sources', () => {
  const meta = JSON.parse(fs.readFileSync(path.join(dir, 'reinpool_cpu.json'), 'utf8')) as { file: string; sources: string };
  expect(fs.existsSync(path.join(dir, meta.file))).toBe(true);
  expect({ sources: meta.sources, hint: 'run `npm run build:prebuild` and commit prebuilds/' }).toEqual({ sources: sourceHash(), hint: 'run `npm run build:prebuild` and commit prebuilds/' });
});

onLinuxX64('the prebuild is stripped, needs nothing beyond libc/libm, and loads', () => {
  const file = path.join(dir, 'reinpool_cpu.node');
  const bytes = fs.readFileSync(file);
  expect(bytes.includes(Buffer.from('.debug_info'))).toBe(false);
  expect(bytes.length).toBeLessThan(4 * 1024 * 1024);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a native addon (.node) loads only through require()
  const addon = require(file) as { available(): { available: boolean } };
  expect(addon.available().available).toBe(true);
});
