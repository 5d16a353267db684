use super::*;

fn naive(x: &[f32], w: &[f32], b: &[f32]) -> Vec<f32> {
    let inputs = w.len() / b.len();
    x.chunks_exact(inputs)
        .flat_map(|row| {
            w.chunks_exact(inputs).zip(b).map(move |(wr, bj)| bj + row.iter().zip(wr).map(|(a, c)| a * c).sum::<f32>())
        })
        .collect()
}

/// A few tokens (the short product) and many (GEMM) both give `x·wᵀ + b`, added to what
/// the output held, on both kernel variants.
#[test]
fn dense_layers_add_the_product_for_short_and_long_inputs() {
    let (inputs, outputs) = (48, 200); // 200 outputs: three chunks of weight rows
    let w: Vec<f32> = (0..inputs * outputs).map(|i| (i as f32 * 0.13).sin()).collect();
    let b: Vec<f32> = (0..outputs).map(|i| i as f32 * 0.01).collect();
    let dense = Dense::new(w.clone(), b.clone());
    for fma in [false, has_fma()] {
        for n in [1, 3, 8, 11, SHORT_ROWS, SHORT_ROWS + 9] {
            let x: Vec<f32> = (0..n * inputs).map(|i| (i as f32 * 0.29).cos()).collect();
            let mut got: Vec<f32> = (0..n * outputs).map(|i| i as f32).collect();
            dense.add_to(&x, &mut got, fma);
            let want = naive(&x, &w, &b);
            for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                assert!((g - (w + i as f32)).abs() < 1e-3, "{n} rows, fma {fma}: {g} vs {}", w + i as f32);
            }
        }
    }
}

#[test]
fn exp_and_gelu_match_the_library_functions() {
    for fma in [false, has_fma()] {
        let xs: Vec<f32> = (-8000..=8000).map(|i| i as f32 * 0.01).collect();
        let mut e = xs.clone();
        for x in &mut e {
            *x = exp(*x);
        }
        for (x, got) in xs.iter().zip(&e) {
            let want = x.exp();
            assert!(((got - want) / want).abs() < 1e-6, "exp({x}) = {got}, want {want}");
        }
        assert!(exp(-200.0) < 1e-37 && exp(-200.0) >= 0.0);
        let mut g = xs.clone();
        gelu(fma, &mut g);
        for (x, got) in xs.iter().zip(&g) {
            let want = 0.5 * *x as f64 * (1.0 + libm_erf(*x as f64 / std::f64::consts::SQRT_2));
            assert!((*got as f64 - want).abs() < 1e-5 * (1.0 + want.abs()), "gelu({x}) = {got}, want {want}");
        }
    }
}

/// erf by its series (|x| < 3) and continued fraction tail, in f64: a reference only.
fn libm_erf(x: f64) -> f64 {
    if x.abs() > 5.0 {
        return x.signum();
    }
    let (mut term, mut sum, mut n) = (x, x, 0.0);
    while term.abs() > 1e-17 * sum.abs().max(1e-300) && n < 200.0 {
        n += 1.0;
        term *= -x * x / n;
        sum += term / (2.0 * n + 1.0);
    }
    sum * 2.0 / std::f64::consts::PI.sqrt()
}

#[test]
fn softmax_parts_and_layer_norm_rows() {
    for fma in [false, has_fma()] {
        let width = 13;
        let mut xs: Vec<f32> = (0..3 * width).map(|i| (i as f32 * 0.7).sin() * 5.0).collect();
        let orig = xs.clone();
        let mut sums = vec![0f32; 3];
        exp_rows(fma, &mut xs, width, &mut sums);
        for ((row, src), sum) in xs.chunks(width).zip(orig.chunks(width)).zip(&sums) {
            let max = src.iter().cloned().fold(f32::MIN, f32::max);
            let total: f64 = src.iter().map(|x| ((x - max) as f64).exp()).sum();
            assert!((*sum as f64 - total).abs() < 1e-5 * total, "{sum} vs {total}");
            for (p, x) in row.iter().zip(src) {
                assert!((*p as f64 / total - ((x - max) as f64).exp() / total).abs() < 1e-6);
            }
        }
        let (gamma, beta): (Vec<f32>, Vec<f32>) = (0..width).map(|i| (1.0 + i as f32 * 0.1, i as f32 * -0.05)).unzip();
        let mut ys = orig.clone();
        layer_norm_rows(fma, &mut ys, &gamma, &beta, 1e-12);
        for (row, src) in ys.chunks(width).zip(orig.chunks(width)) {
            let mean = src.iter().sum::<f32>() / width as f32;
            let var = src.iter().map(|x| (x - mean) * (x - mean)).sum::<f32>() / width as f32;
            for (i, (y, x)) in row.iter().zip(src).enumerate() {
                let want = (x - mean) / var.sqrt() * gamma[i] + beta[i];
                assert!((y - want).abs() < 1e-4, "{y} vs {want}");
            }
        }
    }
}

/// Two texts of different lengths laid end to end attend each over its own tokens only,
/// exactly as each alone would: the strided per-head products against a plain loop.
#[test]
fn attention_stays_within_each_text() {
    let (h, heads) = (16, 4);
    let d = h / heads;
    let bert = Bert {
        words: Vec::new(),
        positions: Vec::new(),
        token_type: Vec::new(),
        norm: Norm { gamma: Vec::new(), beta: Vec::new(), eps: 0.0 },
        layers: Vec::new(),
        hidden: h,
        heads,
        max_positions: 0,
        fma: has_fma(),
        precision: Precision::F32,
    };
    let spans = [(0, 5), (5, 3)];
    let qkv: Vec<f32> = (0..8 * 3 * h).map(|i| (i as f32 * 0.37).sin()).collect();
    let mut ctx = vec![f32::NAN; 8 * h];
    bert.attend(&qkv, &spans, &mut ctx, &mut Vec::new());
    for &(start, len) in &spans {
        for head in 0..heads {
            for i in start..start + len {
                let at = |t: usize, part: usize, c: usize| qkv[t * 3 * h + part * h + head * d + c];
                let s: Vec<f32> =
                    (start..start + len).map(|j| (0..d).map(|c| at(i, 0, c) * at(j, 1, c)).sum()).collect();
                let max = s.iter().cloned().fold(f32::MIN, f32::max);
                let total: f32 = s.iter().map(|x| (x - max).exp()).sum();
                for c in 0..d {
                    let want: f32 =
                        s.iter().zip(start..start + len).map(|(x, j)| (x - max).exp() / total * at(j, 2, c)).sum();
                    let got = ctx[i * h + head * d + c];
                    assert!((got - want).abs() < 1e-5, "text at {start}, head {head}, token {i}: {got} vs {want}");
                }
            }
        }
    }
}

fn tiny_config() -> BertConfig {
    serde_json::from_str(
        r#"{"vocab_size": 12, "hidden_size": 16, "num_hidden_layers": 2, "num_attention_heads": 2,
            "intermediate_size": 32, "max_position_embeddings": 24, "type_vocab_size": 2}"#,
    )
    .unwrap()
}

/// A random model of `tiny_config`'s shape as a safetensors file, its weights stored as
/// `dtype` (F32 or F16), `skip` left out and `bad` given a wrong shape.
fn tiny_model(dtype: Dtype, skip: &str, bad: &str) -> Vec<u8> {
    let cfg = tiny_config();
    let (h, i) = (cfg.hidden_size, cfg.intermediate_size);
    let mut shapes: Vec<(String, Vec<usize>)> = vec![
        ("embeddings.word_embeddings.weight".into(), vec![cfg.vocab_size, h]),
        ("embeddings.position_embeddings.weight".into(), vec![cfg.max_position_embeddings, h]),
        ("embeddings.token_type_embeddings.weight".into(), vec![cfg.type_vocab_size, h]),
    ];
    shapes.push(("embeddings.LayerNorm.weight".into(), vec![h]));
    shapes.push(("embeddings.LayerNorm.bias".into(), vec![h]));
    for l in 0..cfg.num_hidden_layers {
        let p = format!("encoder.layer.{l}");
        for (name, out, inp) in [
            ("attention.self.query", h, h),
            ("attention.self.key", h, h),
            ("attention.self.value", h, h),
            ("attention.output.dense", h, h),
            ("intermediate.dense", i, h),
            ("output.dense", h, i),
        ] {
            shapes.push((format!("{p}.{name}.weight"), vec![out, inp]));
            shapes.push((format!("{p}.{name}.bias"), vec![out]));
        }
        for name in ["attention.output.LayerNorm", "output.LayerNorm"] {
            shapes.push((format!("{p}.{name}.weight"), vec![h]));
            shapes.push((format!("{p}.{name}.bias"), vec![h]));
        }
    }
    let mut seed = 7u32;
    let buffers: Vec<(String, Vec<usize>, Vec<u8>)> = shapes
        .into_iter()
        .filter(|(name, _)| name != skip)
        .map(|(name, mut shape)| {
            if name == bad {
                shape[0] += 1;
            }
            let values = (0..shape.iter().product::<usize>()).map(|_| {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let v = (seed >> 8) as f32 / (1u32 << 24) as f32 - 0.5;
                if name.ends_with("LayerNorm.weight") {
                    1.0 + v * 0.2
                } else {
                    v * 0.6
                }
            });
            let bytes = match dtype {
                Dtype::F16 => values.flat_map(|v| half::f16::from_f32(v).to_le_bytes()).collect(),
                _ => values.flat_map(|v| half::f16::from_f32(v).to_f32().to_le_bytes()).collect(),
            };
            (name, shape, bytes)
        })
        .collect();
    let views = buffers.iter().map(|(name, shape, bytes)| {
        (name.clone(), safetensors::tensor::TensorView::new(dtype, shape.clone(), bytes).unwrap())
    });
    safetensors::serialize(views, None).unwrap()
}

/// Texts laid end to end give each the vector it gets alone; F16 weights load as the same
/// model; a missing or misshapen tensor is named.
#[test]
fn texts_batched_together_embed_as_alone_and_weights_load_from_f32_or_f16() {
    let cfg = tiny_config();
    let bert = Bert::load(&tiny_model(Dtype::F32, "", ""), &cfg).unwrap();
    let texts: [&[u32]; 3] = [&[1, 5, 7, 2], &[1, 3, 3, 9, 11, 4, 8, 2], &[1, 2]];
    let together = bert.embed(&texts);
    assert_eq!(together.len(), 3);
    for (text, v) in texts.iter().zip(&together) {
        let alone = bert.embed(&[text]).remove(0);
        assert_eq!(v.len(), cfg.hidden_size);
        assert!((v.iter().map(|x| x * x).sum::<f32>() - 1.0).abs() < 1e-5);
        for (a, b) in v.iter().zip(&alone) {
            assert!((a - b).abs() < 1e-5, "{text:?}: {a} vs {b}");
        }
    }
    assert!(together[0].iter().zip(&together[1]).any(|(a, b)| (a - b).abs() > 1e-3));
    let half = Bert::load(&tiny_model(Dtype::F16, "", ""), &cfg).unwrap();
    for (a, b) in half.embed(&texts).iter().flatten().zip(together.iter().flatten()) {
        assert!((a - b).abs() < 1e-5, "{a} vs {b}");
    }
    let missing = Bert::load(&tiny_model(Dtype::F32, "encoder.layer.1.output.dense.bias", ""), &cfg);
    assert!(matches!(missing, Err(WeightsError::Missing(n)) if n == "encoder.layer.1.output.dense.bias"));
    let misshapen = Bert::load(&tiny_model(Dtype::F32, "", "encoder.layer.0.intermediate.dense.weight"), &cfg);
    assert!(
        matches!(misshapen, Err(WeightsError::Shape { name, .. }) if name == "encoder.layer.0.intermediate.dense.weight")
    );
    assert!(matches!(Bert::load(b"not safetensors", &cfg), Err(WeightsError::Format(_))));
}

#[test]
fn dot_products_are_every_row_of_one_with_every_row_of_the_other() {
    let a = [1.0, 2.0, 3.0, 0.0, 1.0, 0.0];
    let b = [1.0, 0.0, 0.0, 0.0, 1.0, 1.0, 2.0, 2.0, 2.0, -1.0, 0.0, 1.0];
    let got = crate::dot_products(&a, &b, 3);
    let want: Vec<f32> =
        a.chunks(3).flat_map(|x| b.chunks(3).map(move |y| x.iter().zip(y).map(|(p, q)| p * q).sum::<f32>())).collect();
    assert_eq!(got, want);
    assert_eq!(got, [1.0, 5.0, 12.0, 2.0, 0.0, 1.0, 2.0, 0.0]);
    assert!(crate::dot_products(&[], &b, 3).is_empty());
}
