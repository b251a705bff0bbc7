/**
 * Small dense symmetric linear algebra (n ≤ 5) for the fitter: Cholesky solves, inverses, and
 * Minuit-style forcing of a covariance to be positive definite.
 */

/** Cholesky factor L (row-major, lower) of the n×n matrix A, or null if A is not positive definite. */
export function cholesky(A: Float64Array, n: number): Float64Array | null {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = A[i * n + j] as number;
      for (let k = 0; k < j; k++) sum -= (L[i * n + k] as number) * (L[j * n + k] as number);
      if (i === j) {
        if (!(sum > 0)) return null;
        L[i * n + i] = Math.sqrt(sum);
      } else {
        L[i * n + j] = sum / (L[j * n + j] as number);
      }
    }
  }
  return L;
}

/** Solves L Lᵀ x = b in place of a copy of b. */
export function choleskySolve(L: Float64Array, n: number, b: Float64Array): Float64Array {
  const x = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    let sum = x[i] as number;
    for (let k = 0; k < i; k++) sum -= (L[i * n + k] as number) * (x[k] as number);
    x[i] = sum / (L[i * n + i] as number);
  }
  for (let i = n - 1; i >= 0; i--) {
    let sum = x[i] as number;
    for (let k = i + 1; k < n; k++) sum -= (L[k * n + i] as number) * (x[k] as number);
    x[i] = sum / (L[i * n + i] as number);
  }
  return x;
}

/** Inverse of a symmetric positive-definite matrix from its Cholesky factor. */
export function choleskyInverse(L: Float64Array, n: number): Float64Array {
  const inv = new Float64Array(n * n);
  const e = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    e.fill(0);
    e[j] = 1;
    const col = choleskySolve(L, n, e);
    for (let i = 0; i < n; i++) inv[i * n + j] = col[i] as number;
  }
  return inv;
}

/** Eigenvalues of a symmetric matrix (cyclic Jacobi). */
export function symmetricEigenvalues(A: Float64Array, n: number): Float64Array {
  const a = Float64Array.from(A);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++)
      for (let j = i + 1; j < n; j++) off += (a[i * n + j] as number) ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q] as number;
        if (apq === 0) continue;
        const theta = ((a[q * n + q] as number) - (a[p * n + p] as number)) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const cs = 1 / Math.sqrt(t * t + 1);
        const sn = t * cs;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p] as number;
          const akq = a[k * n + q] as number;
          a[k * n + p] = cs * akp - sn * akq;
          a[k * n + q] = sn * akp + cs * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k] as number;
          const aqk = a[q * n + k] as number;
          a[p * n + k] = cs * apk - sn * aqk;
          a[q * n + k] = sn * apk + cs * aqk;
        }
      }
    }
  }
  return Float64Array.from({ length: n }, (_, i) => a[i * n + i] as number);
}

/**
 * Makes a symmetric matrix positive definite the way Minuit's MnPosDef does: non-positive diagonal
 * entries are replaced; if the smallest eigenvalue of the correlation form is below 2√ε × the largest,
 * the diagonal is scaled up so that it becomes 1e-3 × the largest. Returns null when A needs no change.
 */
export function forcePositiveDefinite(A: Float64Array, n: number): Float64Array | null {
  const eps2 = 2 * Math.sqrt(Number.EPSILON);
  const B = Float64Array.from(A);
  let dgmin = Infinity;
  for (let i = 0; i < n; i++) dgmin = Math.min(dgmin, B[i * n + i] as number);
  if (dgmin <= 0) {
    for (let i = 0; i < n; i++) B[i * n + i] = (B[i * n + i] as number) + 1e-8 - dgmin;
  }
  const scale = Float64Array.from({ length: n }, (_, i) => 1 / Math.sqrt(B[i * n + i] as number));
  const corr = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++)
      corr[i * n + j] = (B[i * n + j] as number) * (scale[i] as number) * (scale[j] as number);
  }
  const eig = symmetricEigenvalues(corr, n);
  const pmin = Math.min(...eig);
  const pmax = Math.max(Math.max(...eig.map(Math.abs)), 1);
  if (dgmin > 0 && pmin > eps2 * pmax) return null;
  const shift = 1e-3 * pmax - pmin;
  for (let i = 0; i < n; i++) {
    B[i * n + i] = (B[i * n + i] as number) * (1 + shift);
  }
  return B;
}
