//! Dense layers in 8-bit integers: weights quantized per output row when the model loads,
//! activations per token (row) before each product, both symmetric in [-127, 127]; the
//! products are summed exactly in `i32` and scaled back to `f32` with the row's and the
//! token's scales. Bias and residual stay in `f32`.
//!
//! The weights are packed for the integer dot-product instructions: blocks of 16 outputs, each
//! holding, for every 4 consecutive inputs, the 16 outputs' 4 bytes side by side
//! (`[block][input / 4][output % 16][input % 4]`). One 4-byte group of a token's inputs,
//! broadcast, times one 64-byte row of a block gives 16 outputs' partial sums at once, with no
//! sum across lanes. Three kernels compute the same integers:
//! - AVX-512 VNNI (`vpdpbusd`): unsigned × signed bytes, so the token's bytes go in offset by
//!   128 and the accumulators start at −128 · (the output's weight sum);
//! - AVX2 (`vpmaddubsw`): |x| × (w with x's sign), which cannot saturate since both are at most
//!   127 (2 · 127 · 127 < 2¹⁵);
//! - plain Rust, for other CPUs and as the reference the tests hold the others to.

/// Outputs in a packed block (one 512-bit register of `i32`s).
const BLOCK: usize = 16;
/// Tokens multiplied together by a kernel (accumulators held in registers).
const TILE_ROWS: usize = 8;
/// Tokens whose quantized inputs are worked through together, so that they stay in cache while
/// every block of weights goes by.
const CHUNK_ROWS: usize = 128;

/// Calls `$kernel::<R, B>` for the runtime `nt` (1..=8) tokens and `nb` (1..=2) blocks.
macro_rules! dispatch {
    ($kernel:path, $nt:expr, $nb:expr, $($arg:expr),*) => {{
        use $kernel as k;
        match ($nt, $nb) {
            (8, 2) => k::<8, 2>($($arg),*), (7, 2) => k::<7, 2>($($arg),*),
            (6, 2) => k::<6, 2>($($arg),*), (5, 2) => k::<5, 2>($($arg),*),
            (4, 2) => k::<4, 2>($($arg),*), (3, 2) => k::<3, 2>($($arg),*),
            (2, 2) => k::<2, 2>($($arg),*), (1, 2) => k::<1, 2>($($arg),*),
            (8, _) => k::<8, 1>($($arg),*), (7, _) => k::<7, 1>($($arg),*),
            (6, _) => k::<6, 1>($($arg),*), (5, _) => k::<5, 1>($($arg),*),
            (4, _) => k::<4, 1>($($arg),*), (3, _) => k::<3, 1>($($arg),*),
            (2, _) => k::<2, 1>($($arg),*), _ => k::<1, 1>($($arg),*),
        }
    }};
}

/// Which integer kernel runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kernel {
    Vnni512,
    Avx2,
    Portable,
}

impl Kernel {
    /// The fastest kernel this CPU runs.
    pub fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512vnni") && std::arch::is_x86_feature_detected!("avx512f") {
                return Kernel::Vnni512;
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                return Kernel::Avx2;
            }
        }
        Kernel::Portable
    }

    /// Every kernel this CPU can run (for tests and benchmarks).
    pub fn available() -> Vec<Self> {
        let best = Self::detect();
        [Kernel::Vnni512, Kernel::Avx2, Kernel::Portable]
            .into_iter()
            .filter(|k| {
                matches!((best, k), (_, Kernel::Portable) | (Kernel::Vnni512, _) | (Kernel::Avx2, Kernel::Avx2))
            })
            .collect()
    }
}

/// A dense layer's weights in 8 bits.
pub(crate) struct Int8Weights {
    /// `[block][input / 4][16][4]` bytes; outputs past the last are zero.
    packed: Vec<i8>,
    /// Per output (padded to whole blocks with zeros): the f32 weight that one step of the
    /// row's integers stands for.
    scales: Vec<f32>,
    /// Per output, padded likewise.
    bias: Vec<f32>,
    /// Per output (padded to whole blocks): −128 · the sum of its quantized weights.
    offsets: Vec<i32>,
    inputs: usize,
    /// Inputs rounded up to a multiple of 4.
    padded: usize,
    outputs: usize,
    kernel: Kernel,
    /// Whether the element-wise loops run their AVX2/FMA variant.
    fma: bool,
}

/// Rounds `x · inv` to the nearest integer (ties to even) for |x · inv| ≤ 127: adding
/// 1.5 · 2²³ leaves the integer in the float's low bits (vectorisable, no conversion).
#[inline(always)]
fn quantize(x: f32, inv: f32) -> i8 {
    const ROUND: f32 = 12_582_912.0;
    ((x * inv).clamp(-127.0, 127.0) + ROUND).to_bits().wrapping_sub(ROUND.to_bits()) as i8
}

/// The scale of `row` (its largest magnitude over 127, or 1 for a row of zeros).
#[inline(always)]
fn scale_of(row: &[f32]) -> f32 {
    let mut lanes = [0f32; 8];
    let chunks = row.chunks_exact(8);
    let mut max = chunks.remainder().iter().fold(0f32, |m, &x| if x.abs() > m { x.abs() } else { m });
    for c in chunks {
        for l in 0..8 {
            lanes[l] = if c[l].abs() > lanes[l] { c[l].abs() } else { lanes[l] };
        }
    }
    max = lanes.iter().fold(max, |m, &x| if x > m { x } else { m });
    if max > 0.0 && max.is_finite() {
        max / 127.0
    } else {
        1.0
    }
}

vectorised! {
    /// A token's inputs in 8 bits (`out` may be longer: the rest is zeroed), and its scale.
    fn quantize_row(row: &[f32], out: &mut [i8], scale: &mut f32) {
        *scale = scale_of(row);
        let inv = 1.0 / *scale;
        let (head, tail) = out.split_at_mut(row.len());
        for (o, &v) in head.iter_mut().zip(row) {
            *o = quantize(v, inv);
        }
        tail.fill(0);
    }

    /// `out[j] += sums[j] · token_scale · scales[j] + bias[j]`: the integer sums back in f32.
    fn dequantize_row(sums: &[i32], scales: &[f32], bias: &[f32], token_scale: f32, out: &mut [f32]) {
        for (((o, &s), &w), &b) in out.iter_mut().zip(sums).zip(scales).zip(bias) {
            *o += s as f32 * (token_scale * w) + b;
        }
    }
}

impl Int8Weights {
    /// Quantizes `w` (`outputs × inputs`, row-major as PyTorch stores a linear layer's weights)
    /// per output row.
    pub fn new(w: &[f32], bias: &[f32], inputs: usize, kernel: Kernel) -> Self {
        let outputs = bias.len();
        assert_eq!(w.len(), outputs * inputs, "weights of {outputs} × {inputs}");
        // A kernel this CPU cannot run is never used: the fastest it can run instead.
        let kernel = if Kernel::available().contains(&kernel) { kernel } else { Kernel::detect() };
        let padded = inputs.div_ceil(4) * 4;
        let blocks = outputs.div_ceil(BLOCK);
        let mut packed = vec![0i8; blocks * padded * BLOCK];
        let mut scales = vec![0f32; blocks * BLOCK];
        let mut padded_bias = bias.to_vec();
        padded_bias.resize(blocks * BLOCK, 0.0);
        let mut offsets = vec![0i32; blocks * BLOCK];
        for (j, row) in w.chunks_exact(inputs).enumerate() {
            let scale = scale_of(row);
            scales[j] = scale;
            let (block, lane) = (j / BLOCK, j % BLOCK);
            let mut sum = 0i32;
            for (k, &x) in row.iter().enumerate() {
                let q = quantize(x, 1.0 / scale);
                sum += i32::from(q);
                packed[((block * padded / 4 + k / 4) * BLOCK + lane) * 4 + k % 4] = q;
            }
            offsets[j] = -128 * sum;
        }
        Self {
            packed,
            scales,
            bias: padded_bias,
            offsets,
            inputs,
            padded,
            outputs,
            kernel,
            fma: kernel != Kernel::Portable && crate::has_fma(),
        }
    }

    #[allow(dead_code)]
    pub fn kernel(&self) -> Kernel {
        self.kernel
    }

    /// `dst += x · wᵀ + bias` for the rows of `x` (each `inputs` long) and of `dst`.
    pub fn add_to(&self, x: &[f32], dst: &mut [f32]) {
        let rows = x.len() / self.inputs;
        assert!(
            x.len() == rows * self.inputs && dst.len() == rows * self.outputs,
            "dense layer given the wrong shapes"
        );
        let mut q = vec![0i8; CHUNK_ROWS.min(rows) * self.padded];
        let mut token_scales = vec![0f32; CHUNK_ROWS.min(rows)];
        let mut sums = [0i32; TILE_ROWS * 2 * BLOCK];
        for first in (0..rows).step_by(CHUNK_ROWS) {
            let n = (rows - first).min(CHUNK_ROWS);
            // Quantize this chunk's tokens, each by its own largest magnitude.
            let rows_in = x[first * self.inputs..(first + n) * self.inputs].chunks_exact(self.inputs);
            for ((row, out), scale) in rows_in.zip(q.chunks_exact_mut(self.padded)).zip(token_scales.iter_mut()) {
                quantize_row(self.fma, row, out, scale);
            }
            let blocks = self.outputs.div_ceil(BLOCK);
            for b0 in (0..blocks).step_by(2) {
                let nb = (blocks - b0).min(2);
                for t0 in (0..n).step_by(TILE_ROWS) {
                    let nt = (n - t0).min(TILE_ROWS);
                    let xs = &q[t0 * self.padded..(t0 + nt) * self.padded];
                    let (from, to) = (b0 * BLOCK, ((b0 + nb) * BLOCK).min(self.outputs));
                    let rows = &mut dst[(first + t0) * self.outputs..(first + t0 + nt) * self.outputs];
                    self.tile(xs, nt, b0, nb, &token_scales[t0..t0 + nt], (rows, from, to), &mut sums);
                }
            }
        }
    }

    /// `rows[t][from..to] += x_t · w_jᵀ + b_j` for the `nt` quantized tokens `xs` (`padded`
    /// bytes each, scaled by `token_scales`) and the outputs of the `nb` blocks from `b0`
    /// (`from..to`; the last block may be partial).
    #[allow(clippy::too_many_arguments)]
    fn tile(
        &self,
        xs: &[i8],
        nt: usize,
        b0: usize,
        nb: usize,
        token_scales: &[f32],
        (rows, from, to): (&mut [f32], usize, usize),
        sums: &mut [i32; TILE_ROWS * 2 * BLOCK],
    ) {
        let w = &self.packed[b0 * self.padded * BLOCK..(b0 + nb) * self.padded * BLOCK];
        let (scales, bias) = (&self.scales[from..from + nb * BLOCK], &self.bias[from..from + nb * BLOCK]);
        match self.kernel {
            #[cfg(target_arch = "x86_64")]
            Kernel::Vnni512 => {
                let offsets = &self.offsets[from..from + nb * BLOCK];
                assert!(rows.len() >= (nt - 1) * self.outputs + to && token_scales.len() >= nt);
                let out = x86::Out { at: rows[from..].as_mut_ptr(), stride: self.outputs, valid: to - from };
                // SAFETY: a kernel other than Portable is only chosen where `Kernel::detect`
                // found the CPU features it is compiled for; `xs` holds `nt` tokens and `w`
                // `nb` blocks (the kernel checks), and `out` addresses `nt` rows of `valid`
                // outputs inside `rows` (checked above).
                unsafe { dispatch!(x86::vnni512, nt, nb, xs, w, self.padded, offsets, scales, bias, token_scales, out) }
                return;
            }
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above; the kernel checks the slices' lengths.
            Kernel::Avx2 => unsafe { dispatch!(x86::avx2, nt, nb, xs, w, self.padded, sums) },
            _ => portable(xs, nt, w, nb, self.padded, sums),
        }
        for (t, row) in rows.chunks_exact_mut(self.outputs).take(nt).enumerate() {
            let n = to - from;
            dequantize_row(
                self.fma,
                &sums[t * 2 * BLOCK..t * 2 * BLOCK + n],
                &scales[..n],
                &bias[..n],
                token_scales[t],
                &mut row[from..to],
            );
        }
    }
}

/// The plain-Rust kernel: the reference for the others.
fn portable(xs: &[i8], nt: usize, w: &[i8], nb: usize, padded: usize, sums: &mut [i32; TILE_ROWS * 2 * BLOCK]) {
    for t in 0..nt {
        let x = &xs[t * padded..(t + 1) * padded];
        for b in 0..nb {
            let block = &w[b * padded * BLOCK..(b + 1) * padded * BLOCK];
            let mut acc = [0i32; BLOCK];
            for (g, group) in block.chunks_exact(4 * BLOCK).enumerate() {
                let xg = &x[g * 4..g * 4 + 4];
                for (lane, wl) in group.chunks_exact(4).enumerate() {
                    acc[lane] += (0..4).map(|i| i32::from(xg[i]) * i32::from(wl[i])).sum::<i32>();
                }
            }
            sums[t * 2 * BLOCK + b * BLOCK..t * 2 * BLOCK + (b + 1) * BLOCK].copy_from_slice(&acc);
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{BLOCK, TILE_ROWS};
    use std::arch::x86_64::*;

    /// Where a tile's outputs go: `at` is row 0's first output, rows `stride` apart, `valid`
    /// outputs (of the tile's `B · 16`) written.
    pub struct Out {
        pub at: *mut f32,
        pub stride: usize,
        pub valid: usize,
    }

    /// `R` tokens × `B` blocks with `vpdpbusd` on 512-bit registers, scaled back to f32 and
    /// added (with the bias) onto the outputs in registers.
    ///
    /// # Safety
    /// The CPU must have AVX-512F and AVX-512 VNNI; `out` must address `R` rows of `valid`
    /// writable values.
    #[allow(clippy::too_many_arguments)]
    #[target_feature(enable = "avx512f,avx512vnni")]
    pub unsafe fn vnni512<const R: usize, const B: usize>(
        xs: &[i8],
        w: &[i8],
        padded: usize,
        offsets: &[i32],
        scales: &[f32],
        bias: &[f32],
        token_scales: &[f32],
        out: Out,
    ) {
        assert!(xs.len() >= R * padded && w.len() >= B * padded * BLOCK && token_scales.len() >= R);
        assert!(offsets.len() >= B * BLOCK && scales.len() >= B * BLOCK && bias.len() >= B * BLOCK);
        let mut acc = [[_mm512_setzero_si512(); B]; R];
        for (b, start) in offsets.chunks_exact(BLOCK).take(B).enumerate() {
            let init = _mm512_loadu_si512(start.as_ptr().cast());
            for row in acc.iter_mut() {
                row[b] = init;
            }
        }
        let (xp, wp) = (xs.as_ptr(), w.as_ptr());
        for g in 0..padded / 4 {
            let mut wv = [_mm512_setzero_si512(); B];
            for (b, v) in wv.iter_mut().enumerate() {
                *v = _mm512_loadu_si512(wp.add(b * padded * BLOCK + g * 4 * BLOCK).cast());
            }
            for (r, row) in acc.iter_mut().enumerate() {
                // The token's 4 bytes, offset by 128 (signed → unsigned), in every lane.
                let four = (xp.add(r * padded + g * 4) as *const i32).read_unaligned() ^ (0x8080_8080u32 as i32);
                let xv = _mm512_set1_epi32(four);
                for (a, v) in row.iter_mut().zip(&wv) {
                    *a = _mm512_dpbusd_epi32(*a, xv, *v);
                }
            }
        }
        for b in 0..B {
            let lanes = out.valid.saturating_sub(b * BLOCK).min(BLOCK);
            if lanes == 0 {
                break;
            }
            let mask: __mmask16 = if lanes == BLOCK { !0 } else { (1u16 << lanes) - 1 };
            let (sv, bv) =
                (_mm512_loadu_ps(scales.as_ptr().add(b * BLOCK)), _mm512_loadu_ps(bias.as_ptr().add(b * BLOCK)));
            for (r, row) in acc.iter().enumerate() {
                let at = out.at.add(r * out.stride + b * BLOCK);
                let step = _mm512_mul_ps(sv, _mm512_set1_ps(token_scales[r]));
                let v = _mm512_fmadd_ps(_mm512_cvtepi32_ps(row[b]), step, bv);
                _mm512_mask_storeu_ps(at, mask, _mm512_add_ps(_mm512_maskz_loadu_ps(mask, at), v));
            }
        }
    }

    /// `R` tokens × `B` blocks with `vpmaddubsw` on 256-bit registers (two per block).
    ///
    /// # Safety
    /// The CPU must have AVX2; `xs` must hold `R` rows of `padded` bytes and `w` `B` blocks of
    /// `padded · 16` bytes.
    #[target_feature(enable = "avx2")]
    pub unsafe fn avx2<const R: usize, const B: usize>(
        xs: &[i8],
        w: &[i8],
        padded: usize,
        sums: &mut [i32; TILE_ROWS * 2 * BLOCK],
    ) {
        assert!(xs.len() >= R * padded && w.len() >= B * padded * BLOCK);
        let ones = _mm256_set1_epi16(1);
        let mut acc = [[[_mm256_setzero_si256(); 2]; B]; R];
        let (xp, wp) = (xs.as_ptr(), w.as_ptr());
        for g in 0..padded / 4 {
            let mut wv = [[_mm256_setzero_si256(); 2]; B];
            for (b, v) in wv.iter_mut().enumerate() {
                let at = wp.add(b * padded * BLOCK + g * 4 * BLOCK);
                v[0] = _mm256_loadu_si256(at.cast());
                v[1] = _mm256_loadu_si256(at.add(32).cast());
            }
            for (r, row) in acc.iter_mut().enumerate() {
                let xv = _mm256_set1_epi32((xp.add(r * padded + g * 4) as *const i32).read_unaligned());
                let magnitude = _mm256_abs_epi8(xv);
                for (a, v) in row.iter_mut().zip(&wv) {
                    for h in 0..2 {
                        let pairs = _mm256_maddubs_epi16(magnitude, _mm256_sign_epi8(v[h], xv));
                        a[h] = _mm256_add_epi32(a[h], _mm256_madd_epi16(pairs, ones));
                    }
                }
            }
        }
        for (r, row) in acc.iter().enumerate() {
            for (b, a) in row.iter().enumerate() {
                let at = sums.as_mut_ptr().add(r * 2 * BLOCK + b * BLOCK);
                _mm256_storeu_si256(at.cast(), a[0]);
                _mm256_storeu_si256(at.add(8).cast(), a[1]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weights(outputs: usize, inputs: usize) -> Vec<f32> {
        (0..outputs * inputs).map(|i| ((i as f32) * 0.37).sin() * (1.0 + (i % 7) as f32)).collect()
    }

    /// Every kernel this CPU has gives the same integers as the plain loop, for token counts
    /// and output counts that leave partial tiles and blocks, and inputs that are no multiple of 4.
    #[test]
    fn every_kernel_gives_the_reference_result() {
        for (outputs, inputs) in [(40, 30), (16, 64), (33, 384), (96, 7)] {
            let w = weights(outputs, inputs);
            let bias: Vec<f32> = (0..outputs).map(|j| j as f32 * 0.1).collect();
            for rows in [1, 5, 8, 13, 130] {
                let x: Vec<f32> = (0..rows * inputs).map(|i| ((i as f32) * 0.11).cos() * 3.0).collect();
                let reference = {
                    let q = Int8Weights::new(&w, &bias, inputs, Kernel::Portable);
                    let mut out = vec![1f32; rows * outputs];
                    q.add_to(&x, &mut out);
                    out
                };
                for kernel in Kernel::available() {
                    let q = Int8Weights::new(&w, &bias, inputs, kernel);
                    let mut out = vec![1f32; rows * outputs];
                    q.add_to(&x, &mut out);
                    // The same integers; the f32 scaling may round in another order (FMA).
                    for (g, r) in out.iter().zip(&reference) {
                        assert!(
                            (g - r).abs() <= 1e-5 * (1.0 + r.abs()),
                            "{kernel:?}: {rows} × {inputs} → {outputs}: {g} vs {r}"
                        );
                    }
                }
                // And the 8-bit product is close to the f32 one.
                for (t, xr) in x.chunks_exact(inputs).enumerate() {
                    for (j, wr) in w.chunks_exact(inputs).enumerate() {
                        let exact = 1.0 + bias[j] + xr.iter().zip(wr).map(|(a, b)| a * b).sum::<f32>();
                        let norm =
                            xr.iter().map(|a| a.abs()).sum::<f32>() * wr.iter().fold(0f32, |m, b| m.max(b.abs()));
                        let got = reference[t * outputs + j];
                        assert!((got - exact).abs() <= 0.02 * norm, "{got} vs {exact} (scale {norm})");
                    }
                }
            }
        }
    }

    #[test]
    fn zero_rows_and_weights_stay_zero() {
        let w = vec![0f32; 16 * 8];
        for kernel in Kernel::available() {
            let q = Int8Weights::new(&w, &[0f32; 16], 8, kernel);
            let mut out = vec![0f32; 2 * 16];
            q.add_to(&[0f32; 16], &mut out);
            assert!(out.iter().all(|&v| v == 0.0), "{kernel:?}");
        }
    }
}
