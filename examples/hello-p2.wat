;; hello-p2.wat - a small hand-written WASI 0.2 command component.
;;
;; Imports (WASI 0.2.12, only the items this program uses):
;;   wasi:io/error@0.2.12    resource error
;;   wasi:io/streams@0.2.12  resource output-stream, variant stream-error,
;;                           [method]output-stream.blocking-write-and-flush
;;   wasi:cli/stdout@0.2.12  get-stdout: func() -> output-stream
;; Export:
;;   wasi:cli/run@0.2.12     run: func() -> result
;;
;; `run` gets the stdout stream, writes "hello\n" with blocking-write-and-flush,
;; drops the stream handle and returns ok (or err if the write failed).
;; Assemble:  bash scripts/build-example.sh   (uses `jco parse`)
;; Run:       jco run examples/hello-p2.wasm   (prints "hello")
(component $hello
  ;; ---- imports -------------------------------------------------------------
  (import "wasi:io/error@0.2.12" (instance $io-error
    (export "error" (type (sub resource)))))
  (alias export $io-error "error" (type $error))

  (import "wasi:io/streams@0.2.12" (instance $streams
    (alias outer $hello $error (type $error0))
    (export "error" (type $err (eq $error0)))
    (export "output-stream" (type $output-stream (sub resource)))
    (type $se (variant (case "last-operation-failed" (own $err)) (case "closed")))
    (export "stream-error" (type $stream-error (eq $se)))
    (type $write-result (result (error $stream-error)))
    (export "[method]output-stream.blocking-write-and-flush"
      (func (param "self" (borrow $output-stream)) (param "contents" (list u8))
            (result $write-result)))))
  (alias export $streams "output-stream" (type $output-stream))

  (import "wasi:cli/stdout@0.2.12" (instance $stdout
    (alias outer $hello $output-stream (type $os0))
    (export "output-stream" (type $os (eq $os0)))
    (export "get-stdout" (func (result (own $os))))))

  (alias export $stdout "get-stdout" (func $get-stdout))
  (alias export $streams "[method]output-stream.blocking-write-and-flush"
    (func $blocking-write-and-flush))

  ;; ---- linear memory, in its own module so the lowerings can name it --------
  (core module $libc (memory (export "memory") 1))
  (core instance $libc (instantiate $libc))

  ;; ---- lowered imports ------------------------------------------------------
  (core func $get-stdout.lower (canon lower (func $get-stdout)))
  (core func $blocking-write-and-flush.lower
    (canon lower (func $blocking-write-and-flush) (memory (core memory $libc "memory"))))
  (core func $output-stream.drop (canon resource.drop $output-stream))

  ;; ---- the program ------------------------------------------------------------
  (core module $main
    (import "libc" "memory" (memory 1))
    (import "wasi:cli/stdout@0.2.12" "get-stdout" (func $get-stdout (result i32)))
    ;; (self, contents.ptr, contents.len, retptr)
    (import "wasi:io/streams@0.2.12" "[method]output-stream.blocking-write-and-flush"
      (func $blocking-write-and-flush (param i32 i32 i32 i32)))
    (import "wasi:io/streams@0.2.12" "[resource-drop]output-stream"
      (func $output-stream.drop (param i32)))

    ;; 0..6: the message; 16: return area of blocking-write-and-flush
    (data (i32.const 0) "hello\n")

    ;; returns the discriminant of `result`: 0 = ok, 1 = err
    (func (export "run") (result i32) (local $out i32)
      (local.set $out (call $get-stdout))
      (call $blocking-write-and-flush (local.get $out) (i32.const 0) (i32.const 6) (i32.const 16))
      (call $output-stream.drop (local.get $out))
      (i32.load8_u (i32.const 16))))

  (core instance $main (instantiate $main
    (with "libc" (instance $libc))
    (with "wasi:cli/stdout@0.2.12" (instance
      (export "get-stdout" (func $get-stdout.lower))))
    (with "wasi:io/streams@0.2.12" (instance
      (export "[method]output-stream.blocking-write-and-flush" (func $blocking-write-and-flush.lower))
      (export "[resource-drop]output-stream" (func $output-stream.drop))))))

  ;; ---- export ---------------------------------------------------------------
  (type $run-result (result))
  (type $run-type (func (result $run-result)))
  (func $run (type $run-type) (canon lift (core func $main "run")))
  (instance $run-instance (export "run" (func $run)))
  (export "wasi:cli/run@0.2.12" (instance $run-instance))
)
