;; A minimal shim following shims/ABI.md: just enough of wasi:cli/stdout and
;; wasi:io/streams for examples/hello-p2.wasm. The splicer tests use it so
;; they do not depend on the C shim; it writes through a stream<u8> and the
;; write-via-stream future exactly as the fused-shim proof does.
(module
  (import "env" "memory" (memory 1))
  (import "wb:bridge" "copy-in" (func $copy-in (param i32 i32 i32)))
  (import "wb:bridge" "copy-out" (func $copy-out (param i32 i32 i32)))
  (import "wasi:cli/stdout@0.3.0" "write-via-stream" (func $wvs (param i32) (result i32)))
  (import "wasi:cli/stdout@0.3.0" "[stream-new]write-via-stream" (func $stream.new (result i64)))
  (import "wasi:cli/stdout@0.3.0" "[stream-write]write-via-stream" (func $stream.write (param i32 i32 i32) (result i32)))
  (import "wasi:cli/stdout@0.3.0" "[stream-drop-writable]write-via-stream" (func $stream.drop-w (param i32)))
  (import "wasi:cli/stdout@0.3.0" "[future-read]write-via-stream" (func $future.read (param i32 i32) (result i32)))
  (import "wasi:cli/stdout@0.3.0" "[future-drop-readable]write-via-stream" (func $future.drop-r (param i32)))
  (import "wb:canon" "waitable-set.new" (func $ws.new (result i32)))
  (import "wb:canon" "waitable-set.wait" (func $ws.wait (param i32 i32) (result i32)))
  (import "wb:canon" "waitable.join" (func $join (param i32 i32)))

  ;; state: 0 writable end, 4 future, 8 waitable set; 16 event; 32 payload;
  ;; 1024.. copy buffer
  (global $heap (mut i32) (i32.const 65536))

  (func $wait-for (param $w i32) (param $code i32) (result i32)
    (call $join (local.get $w) (i32.load (i32.const 8)))
    (if (i32.ne (call $ws.wait (i32.load (i32.const 8)) (i32.const 16)) (local.get $code))
      (then unreachable))
    (call $join (local.get $w) (i32.const 0))
    (i32.load (i32.const 20)))

  (func (export "wasi:cli/stdout#get-stdout") (result i32)
    (local $rw i64)
    (if (i32.eqz (i32.load (i32.const 0)))
      (then
        (local.set $rw (call $stream.new))
        (i32.store (i32.const 0) (i32.wrap_i64 (i64.shr_u (local.get $rw) (i64.const 32))))
        (i32.store (i32.const 4) (call $wvs (i32.wrap_i64 (local.get $rw))))
        (i32.store (i32.const 8) (call $ws.new))))
    (i32.const 1))

  ;; (self, ptr, len, retptr): result<_, stream-error> at retptr
  (func (export "wasi:io/streams#[method]output-stream.blocking-write-and-flush")
        (param $self i32) (param $ptr i32) (param $len i32) (param $ret i32)
    (local $off i32) (local $st i32)
    (if (i32.gt_u (local.get $len) (i32.const 4096)) (then unreachable))
    (call $copy-in (i32.const 1024) (local.get $ptr) (local.get $len))
    (block $done
      (loop $more
        (br_if $done (i32.ge_u (local.get $off) (local.get $len)))
        (local.set $st (call $stream.write (i32.load (i32.const 0))
          (i32.add (i32.const 1024) (local.get $off))
          (i32.sub (local.get $len) (local.get $off))))
        (if (i32.eq (local.get $st) (i32.const -1))
          (then (local.set $st (call $wait-for (i32.load (i32.const 0)) (i32.const 3)))))
        (if (i32.ne (i32.and (local.get $st) (i32.const 0xf)) (i32.const 0)) (then unreachable))
        (local.set $off (i32.add (local.get $off) (i32.shr_u (local.get $st) (i32.const 4))))
        (br $more)))
    (i32.store8 (i32.const 32) (i32.const 0))
    (call $copy-out (local.get $ret) (i32.const 32) (i32.const 1)))

  ;; Dropping stdout ends the stream and waits until the host took it all.
  ;; After run: close stdout if the program did not drop it.
  (func (export "wb:shim#finish")
    (if (i32.load (i32.const 0)) (then (call $close-stdout (i32.const 1)))))

  (func $close-stdout (export "wasi:io/streams#[resource-drop]output-stream") (param i32)
    (local $st i32)
    (call $stream.drop-w (i32.load (i32.const 0)))
    (local.set $st (call $future.read (i32.load (i32.const 4)) (i32.const 40)))
    (if (i32.eq (local.get $st) (i32.const -1))
      (then (local.set $st (call $wait-for (i32.load (i32.const 4)) (i32.const 4)))))
    (call $future.drop-r (i32.load (i32.const 4)))
    (i32.store (i32.const 0) (i32.const 0)))

  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (local.get $p) (local.get 3)))
    (local.get $p))
)
