/**
 * How a kernel call becomes a Promise, written once for every backend: an argument error of an async
 * form REJECTS (never throws synchronously), and the ts backend's async forms run on a later turn.
 */

/**
 * `prep(a)` runs now; if it throws, the returned promise rejects with that error, else it is
 * `run(prep(a), a)`. prep is where validation (and any argument rewriting) goes.
 */
export function rejectOnThrow<A, P, R>(prep: (a: A) => P, run: (p: P, a: A) => Promise<R>): (a: A) => Promise<R> {
  return (a: A) => {
    let p: P;
    try {
      p = prep(a);
    } catch (e) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passes on what was thrown, as it was
      return Promise.reject(e);
    }
    return run(p, a);
  };
}

/** Runs a synchronous function on a later turn of the event loop, so callers get a real Promise. */
export function later<A, R>(fn: (a: A) => R): (a: A) => Promise<R> {
  return (a: A) => new Promise<R>((resolve, reject) => {
    setImmediate(() => {
      try {
        resolve(fn(a));
      } catch (e) {
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passes on what was thrown, as it was
        reject(e);
      }
    });
  });
}
