/**
 * The machine-limit probes of the benchmarks (_probeFma, _probeReadBandwidth in the CPU addon):
 * their contract only (fields, SIMD level, thread count, argument errors). Nothing here is timed;
 * the rates themselves are measured by `npm run bench`. Skipped when the addon predates the probes.
 */
import { loadNativeAddon } from '../../src/kernels/native';

const addon = loadNativeAddon('cpu').addon;
const probes = addon?._probeFma && addon._probeReadBandwidth ? addon : null;
const d = probes ? describe : describe.skip;

d('machine-limit probes', () => {
  afterAll(() => { probes?._setSimd?.('avx512'); });

  for (const level of ['sse2', 'avx2', 'avx512']) {
    it(`run at the kernels' SIMD level (${level} or the best below it) and threads`, () => {
      const a = probes!;
      const used = a._setSimd!(level);
      const threads = a.info().threads!;
      for (const r of [a._probeFma!(5, 2), a._probeReadBandwidth!(2, 2)]) {
        expect(r.simd).toBe(used);
        expect(r.reps).toBe(2);
        expect(r.threads).toBe(threads);
        expect(Number.isFinite(r.median) && r.median > 0).toBe(true);
        expect(r.best).toBeGreaterThanOrEqual(r.median);
      }
      expect(a._probeFma!(5, 1, 1).threads).toBe(1);
      expect(a._probeReadBandwidth!(1, 1, 1).threads).toBe(1);
    });
  }

  it('reject bad arguments with a RangeError or TypeError that names them', () => {
    const a = probes!;
    expect(() => a._probeFma!(0, 1)).toThrow(/_probeFma: ms/);
    expect(() => a._probeFma!(5, 0)).toThrow(/_probeFma: reps/);
    expect(() => a._probeFma!(5, 1, -1)).toThrow(/_probeFma: threads/);
    expect(() => a._probeReadBandwidth!(0, 1)).toThrow(/_probeReadBandwidth: megabytes/);
    expect(() => a._probeReadBandwidth!(1, 1.5)).toThrow(/_probeReadBandwidth: passes/);
  });
});
