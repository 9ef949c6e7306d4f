;; A WASI 0.2 command that blocks reading stdin (engine_isolation_test.cc
;; upgrades it in memory and runs it next to a 0.3 task). Assembled with
;; wasm-tools 1.263 and embedded in engine_isolation_components.h.
;;   run: get-stdin, blocking-read(100), return ok (err if the read failed)
(component $reader
  (import "wasi:io/error@0.2.12" (instance $io-error
    (export "error" (type (sub resource)))))
  (alias export $io-error "error" (type $error))

  (import "wasi:io/streams@0.2.12" (instance $streams
    (alias outer $reader $error (type $error0))
    (export "error" (type $err (eq $error0)))
    (export "input-stream" (type $input-stream (sub resource)))
    (type $se (variant (case "last-operation-failed" (own $err)) (case "closed")))
    (export "stream-error" (type $stream-error (eq $se)))
    (type $read-result (result (list u8) (error $stream-error)))
    (export "[method]input-stream.blocking-read"
      (func (param "self" (borrow $input-stream)) (param "len" u64) (result $read-result)))))
  (alias export $streams "input-stream" (type $input-stream))

  (import "wasi:cli/stdin@0.2.12" (instance $stdin
    (alias outer $reader $input-stream (type $is0))
    (export "input-stream" (type $is (eq $is0)))
    (export "get-stdin" (func (result (own $is))))))

  (alias export $stdin "get-stdin" (func $get-stdin))
  (alias export $streams "[method]input-stream.blocking-read" (func $blocking-read))

  (core module $libc
    (memory (export "memory") 1)
    (global $next (mut i32) (i32.const 1024))
    (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (local.set $p (i32.and (i32.add (global.get $next) (i32.const 7)) (i32.const -8)))
      (global.set $next (i32.add (local.get $p) (local.get 3)))
      (local.get $p)))
  (core instance $libc (instantiate $libc))

  (core func $get-stdin.lower (canon lower (func $get-stdin)))
  (core func $blocking-read.lower
    (canon lower (func $blocking-read) (memory (core memory $libc "memory"))
      (realloc (core func $libc "cabi_realloc"))))
  (core func $input-stream.drop (canon resource.drop $input-stream))

  (core module $main
    (import "libc" "memory" (memory 1))
    (import "wasi:cli/stdin@0.2.12" "get-stdin" (func $get-stdin (result i32)))
    ;; (self, len, retptr)
    (import "wasi:io/streams@0.2.12" "[method]input-stream.blocking-read"
      (func $blocking-read (param i32 i64 i32)))
    (import "wasi:io/streams@0.2.12" "[resource-drop]input-stream"
      (func $input-stream.drop (param i32)))
    ;; 16: return area of blocking-read
    (func (export "run") (result i32) (local $in i32)
      (local.set $in (call $get-stdin))
      (call $blocking-read (local.get $in) (i64.const 100) (i32.const 16))
      (call $input-stream.drop (local.get $in))
      (i32.load8_u (i32.const 16))))

  (core instance $main (instantiate $main
    (with "libc" (instance $libc))
    (with "wasi:cli/stdin@0.2.12" (instance
      (export "get-stdin" (func $get-stdin.lower))))
    (with "wasi:io/streams@0.2.12" (instance
      (export "[method]input-stream.blocking-read" (func $blocking-read.lower))
      (export "[resource-drop]input-stream" (func $input-stream.drop))))))

  (type $run-result (result))
  (type $run-type (func (result $run-result)))
  (func $run (type $run-type) (canon lift (core func $main "run")))
  (instance $run-instance (export "run" (func $run)))
  (export "wasi:cli/run@0.2.12" (instance $run-instance))
)
