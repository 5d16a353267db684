//! A dense layer, `x · wᵀ + b` added onto the output: one `gemm` product for a batch's tokens, a short
//! AVX2/FMA kernel for a query's few tokens, or 8-bit integers ([`quant`](super::quant)).

use super::{add_rows, product, quant, Kernel, SHORT_ROWS};

/// A dense layer: weights `(outputs, inputs)` as PyTorch stores them, and a bias.
pub(crate) struct Dense {
    pub(crate) w: Vec<f32>,
    pub(crate) b: Vec<f32>,
    inputs: usize,
    /// The same weights in 8 bits, when the model runs in [`Precision::Int8`].
    int8: Option<quant::Int8Weights>,
}

impl Dense {
    pub(crate) fn new(w: Vec<f32>, b: Vec<f32>) -> Self {
        let inputs = w.len() / b.len().max(1);
        assert_eq!(inputs * b.len(), w.len(), "weights and bias disagree");
        Self { w, b, inputs, int8: None }
    }

    /// Multiplies in 8-bit integers with `kernel` from now on (the f32 weights are dropped).
    pub(crate) fn quantize(&mut self, kernel: Kernel) {
        self.int8 = Some(quant::Int8Weights::new(&self.w, &self.b, self.inputs, kernel));
        self.w = Vec::new();
    }

    pub(crate) fn outputs(&self) -> usize {
        self.b.len()
    }

    /// `dst += x · wᵀ + b` for the rows of `x` (each `inputs` long) and of `dst`.
    pub(crate) fn add_to(&self, x: &[f32], dst: &mut [f32], fma: bool) {
        let (inputs, outputs) = (self.inputs, self.outputs());
        let rows = x.len() / inputs;
        assert!(x.len() == rows * inputs && dst.len() == rows * outputs, "dense layer given the wrong shapes");
        if let Some(int8) = &self.int8 {
            int8.add_to(x, dst);
            return;
        }
        if rows <= SHORT_ROWS && inputs % 8 == 0 && fma {
            short_product(x, inputs, &self.w, &self.b, dst);
            return;
        }
        add_rows(fma, dst, &self.b);
        // SAFETY: the shapes were checked above; `dst` is a separate, mutable slice.
        unsafe {
            product(
                (rows, outputs, inputs),
                dst.as_mut_ptr(),
                (outputs, 1),
                true,
                x.as_ptr(),
                (inputs, 1),
                self.w.as_ptr(),
                (1, inputs),
            )
        }
    }
}

/// `dst += x · wᵀ + bias` for a few rows `x` (each `inputs` long, a multiple of 8) and `w` of
/// `(outputs, inputs)`. Up to 8 rows at a time: each row of `w` is multiplied with every row
/// of `x` into 8-lane accumulators held in registers. The weights go by in chunks of 16 KB,
/// each taken once from memory for all rows (a second block of 8 rows finds it in L1): a
/// query is bound by reading the weights. Only called where the CPU has AVX2 and FMA
/// ([`has_fma`]).
fn short_product(x: &[f32], inputs: usize, w: &[f32], bias: &[f32], dst: &mut [f32]) {
    let outputs = bias.len();
    let rows = x.len() / inputs;
    let chunk = (4096 / inputs).max(1);
    for j0 in (0..outputs).step_by(chunk) {
        let j1 = (j0 + chunk).min(outputs);
        let (w, bias) = (&w[j0 * inputs..j1 * inputs], &bias[j0..j1]);
        let mut first = 0;
        while first < rows {
            let n = (rows - first).min(8);
            let (xs, os) = (&x[first * inputs..(first + n) * inputs], &mut dst[first * outputs..(first + n) * outputs]);
            let at = (inputs, j0, outputs);
            #[cfg(target_arch = "x86_64")]
            // SAFETY: callers check `has_fma` first: the CPU has what the function is compiled for.
            unsafe {
                match n {
                    8 => block_fma::<8>(xs, w, bias, at, os),
                    7 => block_fma::<7>(xs, w, bias, at, os),
                    6 => block_fma::<6>(xs, w, bias, at, os),
                    5 => block_fma::<5>(xs, w, bias, at, os),
                    4 => block_fma::<4>(xs, w, bias, at, os),
                    3 => block_fma::<3>(xs, w, bias, at, os),
                    2 => block_fma::<2>(xs, w, bias, at, os),
                    _ => block_fma::<1>(xs, w, bias, at, os),
                }
            }
            #[cfg(not(target_arch = "x86_64"))]
            unreachable!("short_product needs AVX2/FMA ({xs:?}, {os:?}, {at:?})");
            first += n;
        }
    }
}

/// `out[t][first + j] += bias[j] + x[t] · w[j]` for the `T` rows of `x` and the rows `j` of `w`
/// (`first` is where they start among the `outputs` of a row of `out`).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn block_fma<const T: usize>(
    x: &[f32],
    w: &[f32],
    bias: &[f32],
    (inputs, first, outputs): (usize, usize, usize),
    out: &mut [f32],
) {
    for (j, w_row) in w.chunks_exact(inputs).enumerate() {
        let mut acc = [[0f32; 8]; T];
        for (c, w8) in w_row.chunks_exact(8).enumerate() {
            for (t, acc) in acc.iter_mut().enumerate() {
                let x8 = &x[t * inputs + c * 8..t * inputs + c * 8 + 8];
                for l in 0..8 {
                    acc[l] = x8[l].mul_add(w8[l], acc[l]);
                }
            }
        }
        for (t, acc) in acc.iter().enumerate() {
            out[t * outputs + first + j] += bias[j] + acc.iter().sum::<f32>();
        }
    }
}
