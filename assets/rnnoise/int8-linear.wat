;; RNNoise's int8 linear layer (compute_linear_c for a LinearLayer with int8
;; weights and no float weights) in WebAssembly SIMD. The npm build of RNNoise
;; is compiled without SIMD and spends 83% of its time in that function, one
;; multiply-add at a time; src/audio/rnnoise-simd.ts puts this body in its
;; place (assembled to int8-linear.wasm with `wat2wasm int8-linear.wat`; a test
;; checks that the two agree).
;;
;; The same arithmetic as the scalar code: the input is quantised to int8 as
;; floor(0.5 + 127 x), the weights come in blocks of 8 rows by 4 columns
;; (dense, or sparse with a per-row-block list of column offsets), each row is
;; scaled by its float scale, then the bias and the GRU diagonal are added.
;; Sums are exact 32-bit integers where the scalar code adds them up in float
;; (the same whenever the partial sums stay below 2^24, which they do).
;;
;; LinearLayer (32-bit pointers): bias 0, subias 4, weights 8, float_weights 12,
;; weights_idx 16, diag 20, scale 24, nb_inputs 28, nb_outputs 32.
(module
  ;; Global 0 and memory 0 are the host module's stack pointer and memory.
  (import "env" "stack_pointer" (global $sp (mut i32)))
  (import "env" "memory" (memory 1))
  (func $int8_linear (export "int8_linear") (param $layer i32) (param $out i32) (param $in i32)
    (local $x i32) (local $m i32) (local $n i32) (local $w i32) (local $idx i32) (local $scale i32)
    (local $i i32) (local $j i32) (local $blocks i32) (local $p i32) (local $v i32)
    (local $xv v128) (local $wv v128) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    ;; The quantised input lives on the host's stack, as in the scalar code (2048 inputs at most).
    global.get $sp
    i32.const 2048
    i32.sub
    local.tee $x
    global.set $sp
    (local.set $m (i32.load offset=28 (local.get $layer)))
    (local.set $n (i32.load offset=32 (local.get $layer)))
    (local.set $w (i32.load offset=8 (local.get $layer)))
    (local.set $idx (i32.load offset=16 (local.get $layer)))
    (local.set $scale (i32.load offset=24 (local.get $layer)))

    ;; x[j] = (int8) floor(0.5 + (double)(127.f * in[j])); rounded up to whole 4-column blocks with zeros.
    (local.set $j (i32.const 0))
    (block $done
      (loop $quantise
        (br_if $done (i32.ge_s (local.get $j) (local.get $m)))
        (i32.store8
          (i32.add (local.get $x) (local.get $j))
          (i32.trunc_sat_f64_s
            (f64.floor
              (f64.add
                (f64.promote_f32 (f32.mul (f32.load (i32.add (local.get $in) (i32.shl (local.get $j) (i32.const 2)))) (f32.const 127)))
                (f64.const 0.5)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $quantise)))
    (i32.store align=1 (i32.add (local.get $x) (local.get $m)) (i32.const 0))

    ;; Eight rows at a time. Each i32x4.dot_i16x8_s sums two of a row's four products, so the accumulators
    ;; hold two half sums per row: a0 rows 0-1, a1 rows 2-3, a2 rows 4-5, a3 rows 6-7.
    (local.set $i (i32.const 0))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_s (local.get $i) (local.get $n)))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $a2 (v128.const i32x4 0 0 0 0))
        (local.set $a3 (v128.const i32x4 0 0 0 0))
        (if (local.get $idx)
          (then
            (local.set $blocks (i32.load (local.get $idx)))
            (local.set $idx (i32.add (local.get $idx) (i32.const 4))))
          (else
            (local.set $blocks (i32.shr_s (i32.add (local.get $m) (i32.const 3)) (i32.const 2)))))
        (local.set $j (i32.const 0))
        (block $cols_done
          (loop $cols
            (br_if $cols_done (i32.ge_s (local.get $j) (local.get $blocks)))
            (if (local.get $idx)
              (then
                (local.set $p (i32.load (local.get $idx)))
                (local.set $idx (i32.add (local.get $idx) (i32.const 4))))
              (else
                (local.set $p (i32.shl (local.get $j) (i32.const 2)))))
            ;; The block's four inputs, as i16, twice over: one per row of a pair.
            (local.set $xv (i16x8.extend_low_i8x16_s (v128.load32_splat align=1 (i32.add (local.get $x) (local.get $p)))))
            (local.set $wv (v128.load align=1 (local.get $w)))
            (local.set $a0 (i32x4.add (local.get $a0) (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_s (local.get $wv)) (local.get $xv))))
            (local.set $a1 (i32x4.add (local.get $a1) (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_s (local.get $wv)) (local.get $xv))))
            (local.set $wv (v128.load offset=16 align=1 (local.get $w)))
            (local.set $a2 (i32x4.add (local.get $a2) (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_s (local.get $wv)) (local.get $xv))))
            (local.set $a3 (i32x4.add (local.get $a3) (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_s (local.get $wv)) (local.get $xv))))
            (local.set $w (i32.add (local.get $w) (i32.const 32)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $cols)))
        ;; Half sums to row sums, to float, times the rows' scales.
        (local.set $v (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2))))
        (local.set $p (i32.add (local.get $scale) (i32.shl (local.get $i) (i32.const 2))))
        (v128.store align=4 (local.get $v)
          (f32x4.mul
            (v128.load align=4 (local.get $p))
            (f32x4.convert_i32x4_s
              (i32x4.add
                (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $a0) (local.get $a1))
                (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $a0) (local.get $a1))))))
        (v128.store offset=16 align=4 (local.get $v)
          (f32x4.mul
            (v128.load offset=16 align=4 (local.get $p))
            (f32x4.convert_i32x4_s
              (i32x4.add
                (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $a2) (local.get $a3))
                (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $a2) (local.get $a3))))))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $rows)))

    ;; out += bias
    (if (local.tee $p (i32.load offset=0 (local.get $layer)))
      (then
        (local.set $i (i32.const 0))
        (block $bias_done
          (loop $bias
            (br_if $bias_done (i32.ge_s (local.get $i) (local.get $n)))
            (local.set $v (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2))))
            (f32.store (local.get $v)
              (f32.add (f32.load (local.get $v)) (f32.load (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 2))))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $bias)))))

    ;; out[i + k m] += diag[i + k m] * in[i], k = 0, 1, 2 (GRU recurrent weights only)
    (if (local.tee $p (i32.load offset=20 (local.get $layer)))
      (then
        (local.set $i (i32.const 0))
        (block $diag_done
          (loop $diag
            (br_if $diag_done (i32.ge_s (local.get $i) (local.get $m)))
            (local.set $j (i32.const 0))
            (block $k_done
              (loop $k
                (br_if $k_done (i32.ge_s (local.get $j) (i32.const 3)))
                ;; v = byte offset of element i + j m
                (local.set $v (i32.shl (i32.add (local.get $i) (i32.mul (local.get $j) (local.get $m))) (i32.const 2)))
                (f32.store (i32.add (local.get $out) (local.get $v))
                  (f32.add
                    (f32.load (i32.add (local.get $out) (local.get $v)))
                    (f32.mul
                      (f32.load (i32.add (local.get $p) (local.get $v)))
                      (f32.load (i32.add (local.get $in) (i32.shl (local.get $i) (i32.const 2)))))))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $k)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $diag)))))

    (global.set $sp (i32.add (local.get $x) (i32.const 2048)))))
