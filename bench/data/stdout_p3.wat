;; A native WASI 0.3 command that writes 32 MiB to stdout in 64 KiB
;; stream<u8> writes: the baseline that bench/upgrade_bench.py compares an
;; upgraded 0.2 program with on the same host (preview3-shim), so the figure
;; shows what the shim adds rather than what the host costs.
(component $writer
  (import "wasi:cli/types@0.3.0" (instance $types
    (type $ec (enum "io" "illegal-byte-sequence" "pipe"))
    (export "error-code" (type (eq $ec)))))
  (alias export $types "error-code" (type $error-code))
  (import "wasi:cli/stdout@0.3.0" (instance $stdout
    (alias outer $writer $error-code (type $ec0))
    (export "error-code" (type $ec (eq $ec0)))
    (type $s (stream u8))
    (type $r (result (error $ec)))
    (type $f (future $r))
    (export "write-via-stream" (func (param "data" $s) (result $f)))))
  (alias export $stdout "write-via-stream" (func $write-via-stream))

  (core module $memory (memory (export "memory") 2))
  (core instance $memory (instantiate $memory))

  (type $bytes (stream u8))
  (type $outcome (result (error $error-code)))
  (type $done (future $outcome))
  (core func $write-via-stream (canon lower (func $write-via-stream)))
  (core func $ws.new (canon waitable-set.new))
  (core func $ws.wait (canon waitable-set.wait (memory (core memory $memory "memory"))))
  (core func $join (canon waitable.join))
  (core func $stream.new (canon stream.new $bytes))
  (core func $stream.write
    (canon stream.write $bytes async (memory (core memory $memory "memory"))))
  (core func $stream.drop (canon stream.drop-writable $bytes))
  (core func $future.read
    (canon future.read $done async (memory (core memory $memory "memory"))))

  (core module $main
    (import "env" "memory" (memory 2))
    (import "" "write-via-stream" (func $write-via-stream (param i32) (result i32)))
    (import "" "waitable-set.new" (func $ws.new (result i32)))
    (import "" "waitable-set.wait" (func $ws.wait (param i32 i32) (result i32)))
    (import "" "waitable.join" (func $join (param i32 i32)))
    (import "" "stream.new" (func $stream.new (result i64)))
    (import "" "stream.write" (func $stream.write (param i32 i32 i32) (result i32)))
    (import "" "stream.drop-writable" (func $stream.drop (param i32)))
    (import "" "future.read" (func $future.read (param i32 i32) (result i32)))

    ;; 65536..131072: the 64 KiB of text; 16: the event record; 32: the
    ;; future's payload.
    (func $fill (local $i i32)
      (loop $next
        (i32.store8 (i32.add (i32.const 65536) (local.get $i))
          (select (i32.const 10)
                  (i32.add (i32.const 97) (i32.rem_u (local.get $i) (i32.const 26)))
                  (i32.eq (i32.and (local.get $i) (i32.const 63)) (i32.const 63))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $next (i32.lt_u (local.get $i) (i32.const 65536)))))

    ;; Waits until waitable $w reports; returns the event payload.
    (func $wait (param $w i32) (param $set i32) (result i32)
      (call $join (local.get $w) (local.get $set))
      (drop (call $ws.wait (local.get $set) (i32.const 16)))
      (call $join (local.get $w) (i32.const 0))
      (i32.load (i32.const 20)))

    (func (export "run") (result i32)
      (local $set i32) (local $ends i64) (local $w i32) (local $future i32)
      (local $chunk i32) (local $off i32) (local $status i32)
      (call $fill)
      (local.set $set (call $ws.new))
      (local.set $ends (call $stream.new))
      (local.set $w (i32.wrap_i64 (i64.shr_u (local.get $ends) (i64.const 32))))
      (local.set $future (call $write-via-stream (i32.wrap_i64 (local.get $ends))))
      (loop $chunks
        (local.set $off (i32.const 0))
        (loop $rest
          (local.set $status (call $stream.write (local.get $w)
            (i32.add (i32.const 65536) (local.get $off))
            (i32.sub (i32.const 65536) (local.get $off))))
          (if (i32.eq (local.get $status) (i32.const -1))
            (then (local.set $status (call $wait (local.get $w) (local.get $set)))))
          (if (i32.and (local.get $status) (i32.const 15)) (then (return (i32.const 1))))
          (local.set $off (i32.add (local.get $off) (i32.shr_u (local.get $status) (i32.const 4))))
          (br_if $rest (i32.lt_u (local.get $off) (i32.const 65536))))
        (local.set $chunk (i32.add (local.get $chunk) (i32.const 1)))
        (br_if $chunks (i32.lt_u (local.get $chunk) (i32.const 512))))
      (call $stream.drop (local.get $w))
      (local.set $status (call $future.read (local.get $future) (i32.const 32)))
      (if (i32.eq (local.get $status) (i32.const -1))
        (then (drop (call $wait (local.get $future) (local.get $set)))))
      (i32.load8_u (i32.const 32))))

  (core instance $main (instantiate $main
    (with "env" (instance $memory))
    (with "" (instance
      (export "write-via-stream" (func $write-via-stream))
      (export "waitable-set.new" (func $ws.new))
      (export "waitable-set.wait" (func $ws.wait))
      (export "waitable.join" (func $join))
      (export "stream.new" (func $stream.new))
      (export "stream.write" (func $stream.write))
      (export "stream.drop-writable" (func $stream.drop))
      (export "future.read" (func $future.read))))))

  (func $run async (result (result)) (canon lift (core func $main "run")))
  (instance $run (export "run" (func $run)))
  (export "wasi:cli/run@0.3.0" (instance $run))
)
