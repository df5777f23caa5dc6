import { initTf, tf } from '../../src/policy/backend';
import { AdamW, clipByGlobalNorm, groupAdvantages, grpoObjective, lrAt, resolveTrainConfig, sampleMasks } from '../../src/train';
import { Rng } from '../../src/random';

beforeAll(async () => {
  await initTf();
});

describe('AdamW', () => {
  test('matches a hand-computed step, with decoupled decay on matrices only', () => {
    const w = tf.variable(tf.tensor2d([[1, -2]]));
    const b = tf.variable(tf.tensor1d([1]));
    const opt = new AdamW(new Map<string, tf.Variable>([['w', w], ['b', b]]), { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1 });
    const gw = tf.tensor2d([[0.5, -1]]);
    const gb = tf.tensor1d([2]);
    opt.step([gw, gb], 0.1);
    // p <- p (1 - lr wd); m_hat = g, v_hat = g^2 at t = 1 -> update = lr * g / |g|
    const w1 = w.dataSync();
    expect(w1[0]).toBeCloseTo(1 * 0.99 - 0.1, 6);
    expect(w1[1]).toBeCloseTo(-2 * 0.99 + 0.1, 6);
    expect(b.dataSync()[0]).toBeCloseTo(0.9, 6);
    opt.step([gw, gb], 0.1);
    // constant gradient: m_hat = g, v_hat = g^2 again
    expect(w.dataSync()[0]).toBeCloseTo(0.89 * 0.99 - 0.1, 5);
    expect(b.dataSync()[0]).toBeCloseTo(0.8, 5);
    // state round-trips
    const st = opt.state();
    expect(st.get('m.w')!.data[0]).toBeCloseTo(0.9 * 0.05 + 0.05, 6);
    expect(st.get('v.b')!.data[0]).toBeCloseTo(0.999 * 0.004 + 0.004, 6);
    opt.dispose();
  });

  test('global-norm clipping', () => {
    const g = [tf.tensor1d([3]), tf.tensor1d([4])];
    const c = clipByGlobalNorm(g, 1);
    expect(c.norm).toBeCloseTo(5, 6);
    expect(c.grads[0].dataSync()[0]).toBeCloseTo(0.6, 5);
    expect(c.grads[1].dataSync()[0]).toBeCloseTo(0.8, 5);
    const u = clipByGlobalNorm(g, 10);
    expect(u.grads[1].dataSync()[0]).toBe(4);
    expect(clipByGlobalNorm(g, 0).grads[0].dataSync()[0]).toBe(3);
  });
});

test('learning-rate schedule: linear warm-up then cosine to minLrRatio', () => {
  const o = { lr: 1, warmupSteps: 4, steps: 14, minLrRatio: 0.1 };
  expect(lrAt(0, o)).toBeCloseTo(0.25);
  expect(lrAt(3, o)).toBeCloseTo(1);
  expect(lrAt(4, o)).toBeCloseTo(1);
  expect(lrAt(13, o)).toBeCloseTo(0.1);
  expect(lrAt(4 + 4.5, o)).toBeCloseTo(0.55); // half-way through the cosine
  for (let s = 4; s < 13; s++) expect(lrAt(s + 1, o)).toBeLessThan(lrAt(s, o));
  expect(lrAt(0, { ...o, warmupSteps: 0 })).toBeCloseTo(1);
});

test('group advantages: (r - mean) / (sample std + eps), zero for a flat group', () => {
  const a = groupAdvantages([1, 0, 0.5, 0.5], 2, 2, 0);
  expect(a[0]).toBeCloseTo(0.5 / Math.SQRT1_2);
  expect(a[1]).toBeCloseTo(-0.5 / Math.SQRT1_2);
  expect(a[2]).toBe(0);
  expect(a[3]).toBe(0);
});

test('sampled masks follow the kernel layout and the padding', () => {
  const s = sampleMasks(Float32Array.from([10, -10, 10, 0, 10, -10, 0, 0]), Int32Array.from([3, 1]), 4, 2, new Rng(1));
  // doc 0 (T=3): keep, drop, keep in both masks; doc 1 (T=1): keep
  expect(Array.from(s.actions)).toEqual([1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
  expect(Array.from(s.kernelMasks)).toEqual([1, 0, 1, 1, 0, 1, 1, 1]);
  expect(Array.from(s.kept)).toEqual([2, 2, 1, 1]);
});

describe('GRPO objective', () => {
  const lsig = (z: number) => -Math.log1p(Math.exp(-z));
  test('matches a hand-computed case; padding does not count', () => {
    // one document, two real vectors (+ one padding slot), G = 2
    const z = [0, Math.log(3), 5];
    const actions = [[1, 0, 1], [0, 1, 0]];
    const adv = [1, -1];
    const clipEps = 0.2;
    const beta = 0.1;
    const old = 0; // old and reference logits: 0 -> log pi = log 0.5 for every action
    let J = 0;
    let klSum = 0;
    let clipped = 0;
    for (let g = 0; g < 2; g++) {
      let s = 0;
      for (let t = 0; t < 2; t++) {
        const a = actions[g][t];
        const lp = a ? lsig(z[t]) : lsig(-z[t]);
        const lo = a ? lsig(old) : lsig(-old);
        const r = Math.exp(lp - lo);
        if (Math.abs(r - 1) > clipEps) clipped++;
        const surr = Math.min(r * adv[g], Math.min(Math.max(r, 1 - clipEps), 1 + clipEps) * adv[g]);
        const d = lo - lp;
        const kl = Math.exp(d) - d - 1;
        klSum += kl;
        s += surr - beta * kl;
      }
      J += s / 2;
    }
    J /= 2;
    expect(J).toBeCloseTo(((1 + 0.5 - 0.1 * (1 - Math.log(2))) / 2 + (-1 - 1.5 - 0.1 * (2 / 3 - Math.log(2 / 3) - 1)) / 2) / 2, 10);
    const actionsT = tf.tensor3d([actions], [1, 2, 3]);
    const mask = tf.tensor2d([[1, 1, 0]]);
    const oldLogp = tf.fill<tf.Rank.R3>([1, 2, 3], Math.log(0.5));
    const t = grpoObjective(tf.tensor2d([z]), { actions: actionsT, oldLogp, refLogp: oldLogp, adv: tf.tensor2d([adv]), mask, clipEps, beta });
    expect(t.loss.dataSync()[0]).toBeCloseTo(-J, 5);
    expect(t.kl.dataSync()[0]).toBeCloseTo(klSum / 4, 5);
    expect(t.clipFrac.dataSync()[0]).toBeCloseTo(clipped / 4, 6);
  });

  test('KL (k3) is exactly zero and the loss is -mean(A) when policy = old = reference', () => {
    const z = tf.tensor2d([[0.3, -1.2, 2]]);
    const actions = tf.tensor3d([[[1, 0, 1], [0, 0, 1]]]);
    const lp = tf.tidy(() => {
      const zz = z.expandDims<tf.Tensor3D>(1);
      return actions.mul(tf.softplus(zz.neg()).neg()).add<tf.Tensor3D>(tf.sub<tf.Tensor3D>(1, actions).mul(tf.softplus(zz).neg()));
    });
    const t = grpoObjective(z, { actions, oldLogp: lp, refLogp: lp, adv: tf.tensor2d([[0.7, 0.1]]), mask: tf.tensor2d([[1, 1, 1]]), clipEps: 0.2, beta: 1 });
    expect(t.kl.dataSync()[0]).toBe(0);
    expect(t.loss.dataSync()[0]).toBeCloseTo(-0.4, 6);
  });
});

test('config validation names the bad option', () => {
  expect(() => resolveTrainConfig({ groupSize: 1 })).toThrow(/groupSize/);
  expect(() => resolveTrainConfig({ lr: 0 })).toThrow(/lr/);
  expect(resolveTrainConfig({}).rewardK).toBe(3);
});
