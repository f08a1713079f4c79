;; tapfit's WebAssembly SIMD kernels for the wasm backend. They import tfjs-backend-wasm's own memory and work
;; on tensors in place: every pointer is a byte offset of a float32 tensor in that heap (BackendWasm's
;; getMemoryOffset). No data segments, no stack, no globals: the module owns no part of the heap.
;; Build: `npm run build:simd` (wabt) writes kernels-wasm.ts; a test checks that this source rebuilds to it.
(module
  (import "env" "memory" (memory 1))

  ;; colsT[k, m] = x[b, oy·sH + r − top, ox·sW + c − left, i] (0 outside the input), k = (r, c, i) and
  ;; m = (b, oy, ox): the im2col patches of an NHWC input, transposed (one row per filter tap and channel).
  ;; One filter tap at a time, so only inC rows are being written at once: writing all fh·fw·inC rows per
  ;; output position touches that many pages per step and measured 3× slower on the wasm heap (TLB misses).
  (func (export "im2col_t")
    (param $x i32) (param $cols i32) (param $batch i32) (param $inH i32) (param $inW i32) (param $inC i32)
    (param $fh i32) (param $fw i32) (param $sH i32) (param $sW i32) (param $top i32) (param $left i32)
    (param $outH i32) (param $outW i32)
    (local $rb i32) (local $m i32) (local $b i32) (local $oy i32) (local $ox i32) (local $r i32) (local $c i32)
    (local $i i32) (local $iy i32) (local $ix i32) (local $dst i32) (local $src i32) (local $v v128) (local $tap i32)
    (local $quads i32) (local $pix i32) (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    ;; bytes between two rows of colsT
    (local.set $rb (i32.shl (i32.mul (i32.mul (local.get $batch) (local.get $outH)) (local.get $outW)) (i32.const 2)))
    ;; Four neighbouring output positions at once when they read four neighbouring pixels (stride 1) whose
    ;; channels come one or four at a time: a 4×4 transpose in registers turns 16 scattered float stores into
    ;; four vector stores, one per row of colsT.
    (local.set $quads (i32.and (i32.eq (local.get $sW) (i32.const 1))
      (i32.or (i32.eq (local.get $inC) (i32.const 1)) (i32.eqz (i32.and (local.get $inC) (i32.const 3))))))
    (local.set $pix (i32.shl (local.get $inC) (i32.const 2)))
    (local.set $r (i32.const 0))
    (block $r_done (loop $r_loop
      (br_if $r_done (i32.ge_u (local.get $r) (local.get $fh)))
      (local.set $c (i32.const 0))
      (block $c_done (loop $c_loop
        (br_if $c_done (i32.ge_u (local.get $c) (local.get $fw)))
        ;; the first of this tap's inC rows
        (local.set $tap (i32.add (local.get $cols)
          (i32.mul (i32.mul (i32.add (i32.mul (local.get $r) (local.get $fw)) (local.get $c)) (local.get $inC)) (local.get $rb))))
        (local.set $m (i32.const 0))
        (local.set $b (i32.const 0))
        (block $b_done (loop $b_loop
          (br_if $b_done (i32.ge_u (local.get $b) (local.get $batch)))
          (local.set $oy (i32.const 0))
          (block $oy_done (loop $oy_loop
            (br_if $oy_done (i32.ge_u (local.get $oy) (local.get $outH)))
            (local.set $iy (i32.sub (i32.add (i32.mul (local.get $oy) (local.get $sH)) (local.get $r)) (local.get $top)))
            (local.set $ox (i32.const 0))
            (block $ox_done (loop $ox_loop
              (br_if $ox_done (i32.ge_u (local.get $ox) (local.get $outW)))
              (local.set $ix (i32.sub (i32.add (i32.mul (local.get $ox) (local.get $sW)) (local.get $c)) (local.get $left)))
              (local.set $dst (i32.add (local.get $tap) (i32.shl (local.get $m) (i32.const 2))))
              (local.set $i (i32.const 0))
              (if (i32.and (i32.and (local.get $quads) (i32.lt_u (local.get $iy) (local.get $inH)))
                    (i32.and (i32.le_u (i32.add (local.get $ox) (i32.const 4)) (local.get $outW))
                      (i32.and (i32.ge_s (local.get $ix) (i32.const 0)) (i32.lt_s (i32.add (local.get $ix) (i32.const 3)) (local.get $inW)))))
                (then
                  (local.set $src (i32.add (local.get $x) (i32.mul
                    (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $inH)) (local.get $iy)) (local.get $inW)) (local.get $ix))
                    (local.get $pix))))
                  (if (i32.eq (local.get $inC) (i32.const 1))
                    (then (v128.store (local.get $dst) (v128.load (local.get $src))))
                    (else
                      (block $q_done (loop $q_loop
                        (br_if $q_done (i32.ge_u (local.get $i) (local.get $inC)))
                        ;; v_p = channels i..i+3 of pixel p; the transpose gives channel i+j of pixels 0..3
                        (local.set $v0 (v128.load (local.get $src)))
                        (local.set $v1 (v128.load (i32.add (local.get $src) (local.get $pix))))
                        (local.set $v2 (v128.load (i32.add (local.get $src) (i32.shl (local.get $pix) (i32.const 1)))))
                        (local.set $v3 (v128.load (i32.add (local.get $src) (i32.mul (local.get $pix) (i32.const 3)))))
                        (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v0) (local.get $v1)))
                        (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v0) (local.get $v1)))
                        (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v2) (local.get $v3)))
                        (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v2) (local.get $v3)))
                        (v128.store (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
                        (local.set $dst (i32.add (local.get $dst) (local.get $rb)))
                        (v128.store (local.get $dst) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
                        (local.set $dst (i32.add (local.get $dst) (local.get $rb)))
                        (v128.store (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
                        (local.set $dst (i32.add (local.get $dst) (local.get $rb)))
                        (v128.store (local.get $dst) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
                        (local.set $dst (i32.add (local.get $dst) (local.get $rb)))
                        (local.set $src (i32.add (local.get $src) (i32.const 16)))
                        (local.set $i (i32.add (local.get $i) (i32.const 4)))
                        (br $q_loop)))))
                  (local.set $m (i32.add (local.get $m) (i32.const 4)))
                  (local.set $ox (i32.add (local.get $ox) (i32.const 4)))
                  (br $ox_loop)))
              ;; unsigned compares: a negative row or column is outside too
              (if (i32.or (i32.ge_u (local.get $iy) (local.get $inH)) (i32.ge_u (local.get $ix) (local.get $inW)))
                (then
                  (block $z_done (loop $z_loop
                    (br_if $z_done (i32.ge_u (local.get $i) (local.get $inC)))
                    (f32.store (local.get $dst) (f32.const 0))
                    (local.set $dst (i32.add (local.get $dst) (local.get $rb)))
                    (local.set $i (i32.add (local.get $i) (i32.const 1)))
                    (br $z_loop))))
                (else
                  (local.set $src (i32.add (local.get $x) (i32.shl
                    (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $inH)) (local.get $iy)) (local.get $inW)) (local.get $ix)) (local.get $inC))
                    (i32.const 2))))
                  (block $v_done (loop $v_loop
                    (br_if $v_done (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $inC)))
                    (local.set $v (v128.load (local.get $src)))
                    (f32.store (local.get $dst) (f32x4.extract_lane 0 (local.get $v)))
                    (local.set $dst (i32.add (local.get $dst) (local.get $rb)))
                    (f32.store (local.get $dst) (f32x4.extract_lane 1 (local.get $v)))
                    (local.set $dst (i32.add (local.get $dst) (local.get $rb)))
                    (f32.store (local.get $dst) (f32x4.extract_lane 2 (local.get $v)))
                    (local.set $dst (i32.add (local.get $dst) (local.get $rb)))
                    (f32.store (local.get $dst) (f32x4.extract_lane 3 (local.get $v)))
                    (local.set $dst (i32.add (local.get $dst) (local.get $rb)))
                    (local.set $src (i32.add (local.get $src) (i32.const 16)))
                    (local.set $i (i32.add (local.get $i) (i32.const 4)))
                    (br $v_loop)))
                  (block $s_done (loop $s_loop
                    (br_if $s_done (i32.ge_u (local.get $i) (local.get $inC)))
                    (f32.store (local.get $dst) (f32.load (local.get $src)))
                    (local.set $dst (i32.add (local.get $dst) (local.get $rb)))
                    (local.set $src (i32.add (local.get $src) (i32.const 4)))
                    (local.set $i (i32.add (local.get $i) (i32.const 1)))
                    (br $s_loop)))))
              (local.set $m (i32.add (local.get $m) (i32.const 1)))
              (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
              (br $ox_loop)))
            (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
            (br $oy_loop)))
          (local.set $b (i32.add (local.get $b) (i32.const 1)))
          (br $b_loop)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $c_loop)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $r_loop))))

  ;; The gradient of an NHWC max-pool: per window and channel, dy is added to dx at the first (row-major)
  ;; position holding the window's max (strictly greater than everything before it, starting from −∞, so a
  ;; window of −∞/NaN only routes nowhere); the part of a window outside the input is skipped. dx must be zero.
  ;; Four channels at a time.
  (func (export "max_pool_grad")
    (param $x i32) (param $dy i32) (param $dx i32) (param $batch i32) (param $inH i32) (param $inW i32) (param $ch i32)
    (param $fh i32) (param $fw i32) (param $sH i32) (param $sW i32) (param $top i32) (param $left i32)
    (param $outH i32) (param $outW i32)
    (local $b i32) (local $oy i32) (local $ox i32) (local $y0 i32) (local $x0 i32) (local $yMin i32) (local $yMax i32)
    (local $xMin i32) (local $xMax i32) (local $iy i32) (local $ix i32) (local $d i32) (local $o i32) (local $e i32)
    (local $at i32) (local $best v128) (local $bestIdx v128) (local $v v128) (local $mask v128)
    (local $bs f32) (local $bi i32) (local $vs f32)
    (local.set $o (i32.const 0))
    (local.set $b (i32.const 0))
    (block $b_done (loop $b_loop
      (br_if $b_done (i32.ge_u (local.get $b) (local.get $batch)))
      (local.set $oy (i32.const 0))
      (block $oy_done (loop $oy_loop
        (br_if $oy_done (i32.ge_u (local.get $oy) (local.get $outH)))
        (local.set $y0 (i32.sub (i32.mul (local.get $oy) (local.get $sH)) (local.get $top)))
        (local.set $yMin (select (local.get $y0) (i32.const 0) (i32.gt_s (local.get $y0) (i32.const 0))))
        (local.set $yMax (i32.add (local.get $y0) (local.get $fh)))
        (local.set $yMax (select (local.get $yMax) (local.get $inH) (i32.lt_s (local.get $yMax) (local.get $inH))))
        (local.set $ox (i32.const 0))
        (block $ox_done (loop $ox_loop
          (br_if $ox_done (i32.ge_u (local.get $ox) (local.get $outW)))
          (local.set $x0 (i32.sub (i32.mul (local.get $ox) (local.get $sW)) (local.get $left)))
          (local.set $xMin (select (local.get $x0) (i32.const 0) (i32.gt_s (local.get $x0) (i32.const 0))))
          (local.set $xMax (i32.add (local.get $x0) (local.get $fw)))
          (local.set $xMax (select (local.get $xMax) (local.get $inW) (i32.lt_s (local.get $xMax) (local.get $inW))))
          (local.set $d (i32.const 0))
          ;; four channels at a time
          (block $d4_done (loop $d4_loop
            (br_if $d4_done (i32.gt_u (i32.add (local.get $d) (i32.const 4)) (local.get $ch)))
            (local.set $best (f32x4.splat (f32.const -inf)))
            (local.set $bestIdx (i32x4.splat (i32.const -1)))
            (local.set $iy (local.get $yMin))
            (block $iy_done (loop $iy_loop
              (br_if $iy_done (i32.ge_s (local.get $iy) (local.get $yMax)))
              (local.set $ix (local.get $xMin))
              (block $ix_done (loop $ix_loop
                (br_if $ix_done (i32.ge_s (local.get $ix) (local.get $xMax)))
                ;; element index of x[b, iy, ix, d]
                (local.set $e (i32.add (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $inH)) (local.get $iy)) (local.get $inW)) (local.get $ix)) (local.get $ch)) (local.get $d)))
                (local.set $v (v128.load (i32.add (local.get $x) (i32.shl (local.get $e) (i32.const 2)))))
                (local.set $mask (f32x4.gt (local.get $v) (local.get $best)))
                (local.set $best (v128.bitselect (local.get $v) (local.get $best) (local.get $mask)))
                (local.set $bestIdx (v128.bitselect
                  (i32x4.add (i32x4.splat (local.get $e)) (v128.const i32x4 0 1 2 3))
                  (local.get $bestIdx) (local.get $mask)))
                (local.set $ix (i32.add (local.get $ix) (i32.const 1)))
                (br $ix_loop)))
              (local.set $iy (i32.add (local.get $iy) (i32.const 1)))
              (br $iy_loop)))
            (local.set $at (i32.add (local.get $dy) (i32.shl (i32.add (local.get $o) (local.get $d)) (i32.const 2))))
            (local.set $bi (i32x4.extract_lane 0 (local.get $bestIdx)))
            (if (i32.ge_s (local.get $bi) (i32.const 0)) (then (call $add_at (local.get $dx) (local.get $bi) (f32.load offset=0 (local.get $at)))))
            (local.set $bi (i32x4.extract_lane 1 (local.get $bestIdx)))
            (if (i32.ge_s (local.get $bi) (i32.const 0)) (then (call $add_at (local.get $dx) (local.get $bi) (f32.load offset=4 (local.get $at)))))
            (local.set $bi (i32x4.extract_lane 2 (local.get $bestIdx)))
            (if (i32.ge_s (local.get $bi) (i32.const 0)) (then (call $add_at (local.get $dx) (local.get $bi) (f32.load offset=8 (local.get $at)))))
            (local.set $bi (i32x4.extract_lane 3 (local.get $bestIdx)))
            (if (i32.ge_s (local.get $bi) (i32.const 0)) (then (call $add_at (local.get $dx) (local.get $bi) (f32.load offset=12 (local.get $at)))))
            (local.set $d (i32.add (local.get $d) (i32.const 4)))
            (br $d4_loop)))
          ;; the channels left over, one at a time
          (block $d_done (loop $d_loop
            (br_if $d_done (i32.ge_u (local.get $d) (local.get $ch)))
            (local.set $bs (f32.const -inf))
            (local.set $bi (i32.const -1))
            (local.set $iy (local.get $yMin))
            (block $siy_done (loop $siy_loop
              (br_if $siy_done (i32.ge_s (local.get $iy) (local.get $yMax)))
              (local.set $ix (local.get $xMin))
              (block $six_done (loop $six_loop
                (br_if $six_done (i32.ge_s (local.get $ix) (local.get $xMax)))
                (local.set $e (i32.add (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $inH)) (local.get $iy)) (local.get $inW)) (local.get $ix)) (local.get $ch)) (local.get $d)))
                (local.set $vs (f32.load (i32.add (local.get $x) (i32.shl (local.get $e) (i32.const 2)))))
                (if (f32.gt (local.get $vs) (local.get $bs)) (then (local.set $bs (local.get $vs)) (local.set $bi (local.get $e))))
                (local.set $ix (i32.add (local.get $ix) (i32.const 1)))
                (br $six_loop)))
              (local.set $iy (i32.add (local.get $iy) (i32.const 1)))
              (br $siy_loop)))
            (if (i32.ge_s (local.get $bi) (i32.const 0))
              (then (call $add_at (local.get $dx) (local.get $bi)
                (f32.load (i32.add (local.get $dy) (i32.shl (i32.add (local.get $o) (local.get $d)) (i32.const 2)))))))
            (local.set $d (i32.add (local.get $d) (i32.const 1)))
            (br $d_loop)))
          (local.set $o (i32.add (local.get $o) (local.get $ch)))
          (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
          (br $ox_loop)))
        (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
        (br $oy_loop)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $b_loop))))

  ;; max_pool_grad for 2×2 windows with stride 2 that tile the input exactly (inH = 2·outH, inW = 2·outW, no
  ;; padding) and channels in fours: every element of dx belongs to one window, so each window's four positions
  ;; are written outright (dy at the first max, 0 elsewhere) and dx needs no zeroing and no scatter. Same rule
  ;; as max_pool_grad: strictly greater than everything before, from −∞.
  (func (export "max_pool_grad_2x2")
    (param $x i32) (param $dy i32) (param $dx i32) (param $batch i32) (param $outH i32) (param $outW i32) (param $ch i32)
    (local $pix i32) (local $row i32) (local $bands i32) (local $k i32) (local $ox i32) (local $d i32)
    (local $win i32) (local $out i32) (local $at i32) (local $g v128) (local $best v128) (local $sel v128)
    (local $m v128) (local $v v128)
    (local.set $pix (i32.shl (local.get $ch) (i32.const 2)))
    ;; bytes per input row: 2·outW pixels
    (local.set $row (i32.mul (i32.shl (local.get $outW) (i32.const 1)) (local.get $pix)))
    (local.set $bands (i32.mul (local.get $batch) (local.get $outH)))
    (local.set $k (i32.const 0))
    (block $k_done (loop $k_loop
      (br_if $k_done (i32.ge_u (local.get $k) (local.get $bands)))
      (local.set $ox (i32.const 0))
      (block $ox_done (loop $ox_loop
        (br_if $ox_done (i32.ge_u (local.get $ox) (local.get $outW)))
        ;; byte offset of the window's top-left pixel: input row 2k (image b, row 2·oy), column 2·ox
        (local.set $win (i32.add (i32.mul (i32.shl (local.get $k) (i32.const 1)) (local.get $row))
          (i32.mul (i32.shl (local.get $ox) (i32.const 1)) (local.get $pix))))
        (local.set $d (i32.const 0))
        (block $d_done (loop $d_loop
          (br_if $d_done (i32.ge_u (local.get $d) (local.get $pix)))
          (local.set $at (i32.add (local.get $x) (i32.add (local.get $win) (local.get $d))))
          (local.set $v (v128.load (local.get $at)))
          (local.set $m (f32x4.gt (local.get $v) (f32x4.splat (f32.const -inf))))
          (local.set $best (v128.bitselect (local.get $v) (f32x4.splat (f32.const -inf)) (local.get $m)))
          ;; sel: which of the four positions (0–3) holds the first max, −1 for none
          (local.set $sel (v128.not (local.get $m)))
          (local.set $v (v128.load (i32.add (local.get $at) (local.get $pix))))
          (local.set $m (f32x4.gt (local.get $v) (local.get $best)))
          (local.set $best (v128.bitselect (local.get $v) (local.get $best) (local.get $m)))
          (local.set $sel (v128.bitselect (i32x4.splat (i32.const 1)) (local.get $sel) (local.get $m)))
          (local.set $v (v128.load (i32.add (local.get $at) (local.get $row))))
          (local.set $m (f32x4.gt (local.get $v) (local.get $best)))
          (local.set $best (v128.bitselect (local.get $v) (local.get $best) (local.get $m)))
          (local.set $sel (v128.bitselect (i32x4.splat (i32.const 2)) (local.get $sel) (local.get $m)))
          (local.set $v (v128.load (i32.add (i32.add (local.get $at) (local.get $row)) (local.get $pix))))
          (local.set $m (f32x4.gt (local.get $v) (local.get $best)))
          (local.set $sel (v128.bitselect (i32x4.splat (i32.const 3)) (local.get $sel) (local.get $m)))
          (local.set $g (v128.load (local.get $dy)))
          (local.set $out (i32.add (local.get $dx) (i32.add (local.get $win) (local.get $d))))
          (v128.store (local.get $out) (v128.and (local.get $g) (i32x4.eq (local.get $sel) (i32x4.splat (i32.const 0)))))
          (v128.store (i32.add (local.get $out) (local.get $pix)) (v128.and (local.get $g) (i32x4.eq (local.get $sel) (i32x4.splat (i32.const 1)))))
          (v128.store (i32.add (local.get $out) (local.get $row)) (v128.and (local.get $g) (i32x4.eq (local.get $sel) (i32x4.splat (i32.const 2)))))
          (v128.store (i32.add (i32.add (local.get $out) (local.get $row)) (local.get $pix))
            (v128.and (local.get $g) (i32x4.eq (local.get $sel) (i32x4.splat (i32.const 3)))))
          (local.set $dy (i32.add (local.get $dy) (i32.const 16)))
          (local.set $d (i32.add (local.get $d) (i32.const 16)))
          (br $d_loop)))
        (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
        (br $ox_loop)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $k_loop))))

  ;; base[index] += value (float32 elements)
  (func $add_at (param $base i32) (param $index i32) (param $value f32)
    (local $p i32)
    (local.set $p (i32.add (local.get $base) (i32.shl (local.get $index) (i32.const 2))))
    (f32.store (local.get $p) (f32.add (f32.load (local.get $p)) (local.get $value))))

  ;; out[c] = Σ_r x[r, c] over a row-major [rows, cols] matrix, accumulated in float64 in acc (cols float64s
  ;; of scratch) with the rows outer, so x is read once, in order; then rounded to float32 into out.
  (func (export "sum_rows") (param $x i32) (param $out i32) (param $acc i32) (param $rows i32) (param $cols i32)
    (local $r i32) (local $c i32) (local $src i32) (local $a i32) (local $v v128)
    (local.set $c (i32.const 0))
    (block $z_done (loop $z_loop
      (br_if $z_done (i32.ge_u (local.get $c) (local.get $cols)))
      (f64.store (i32.add (local.get $acc) (i32.shl (local.get $c) (i32.const 3))) (f64.const 0))
      (local.set $c (i32.add (local.get $c) (i32.const 1)))
      (br $z_loop)))
    (local.set $src (local.get $x))
    (local.set $r (i32.const 0))
    (block $r_done (loop $r_loop
      (br_if $r_done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $a (local.get $acc))
      (local.set $c (i32.const 0))
      (block $v_done (loop $v_loop
        (br_if $v_done (i32.gt_u (i32.add (local.get $c) (i32.const 4)) (local.get $cols)))
        (local.set $v (v128.load (local.get $src)))
        (v128.store offset=0 (local.get $a) (f64x2.add (v128.load offset=0 (local.get $a)) (f64x2.promote_low_f32x4 (local.get $v))))
        (v128.store offset=16 (local.get $a) (f64x2.add (v128.load offset=16 (local.get $a))
          (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (local.set $a (i32.add (local.get $a) (i32.const 32)))
        (local.set $c (i32.add (local.get $c) (i32.const 4)))
        (br $v_loop)))
      (block $s_done (loop $s_loop
        (br_if $s_done (i32.ge_u (local.get $c) (local.get $cols)))
        (f64.store (local.get $a) (f64.add (f64.load (local.get $a)) (f64.promote_f32 (f32.load (local.get $src)))))
        (local.set $src (i32.add (local.get $src) (i32.const 4)))
        (local.set $a (i32.add (local.get $a) (i32.const 8)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $s_loop)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $r_loop)))
    (local.set $c (i32.const 0))
    (block $o_done (loop $o_loop
      (br_if $o_done (i32.ge_u (local.get $c) (local.get $cols)))
      (f32.store (i32.add (local.get $out) (i32.shl (local.get $c) (i32.const 2)))
        (f32.demote_f64 (f64.load (i32.add (local.get $acc) (i32.shl (local.get $c) (i32.const 3))))))
      (local.set $c (i32.add (local.get $c) (i32.const 1)))
      (br $o_loop))))
)
