;; A 0.3 component whose async export does work with async waits in it
;; (engine_isolation_test.cc). Assembled with wasm-tools 1.263 and embedded
;; in engine_isolation_components.h.
;;   import tick: async func() -> u32   (the host resolves it from a 0 ms timer)
;;   work(n: u32, k: u32) -> u32   n steps; each does k rounds of xorshift32,
;;       then (alternately) async-lowers tick and WAITs for it, or returns
;;       YIELD to the event loop; returns the xorshift state.
;; One call at a time per instance (the state is in globals).
(component
  (import "tick" (func $tick async (result u32)))
  (core module $Memory (memory (export "mem") 1))
  (core instance $memory (instantiate $Memory))
  (core module $M
    (import "" "mem" (memory 1))
    (import "" "ret32" (func $ret32 (param i32)))
    (import "" "tick.async" (func $tick_async (param i32) (result i32)))
    (import "" "ws.new" (func $ws.new (result i32)))
    (import "" "ws.drop" (func $ws.drop (param i32)))
    (import "" "join" (func $join (param i32 i32)))
    (import "" "subtask.drop" (func $subtask.drop (param i32)))
    (global $left (mut i32) (i32.const 0))
    (global $k (mut i32) (i32.const 0))
    (global $x (mut i32) (i32.const 0))
    (global $ws (mut i32) (i32.const 0))
    (func $compute
      (local $i i32) (local $x i32)
      (local.set $x (global.get $x))
      (local.set $i (global.get $k))
      (block $done (loop $l
        (br_if $done (i32.eqz (local.get $i)))
        (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 13))))
        (local.set $x (i32.xor (local.get $x) (i32.shr_u (local.get $x) (i32.const 17))))
        (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 5))))
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (br $l)))
      (global.set $x (local.get $x)))
    ;; one step: compute, then wait (tick or yield) or finish
    (func $step (result i32)
      (local $r i32)
      (loop $again
        (if (i32.eqz (global.get $left)) (then
          (call $ws.drop (global.get $ws))
          (call $ret32 (global.get $x))
          (return (i32.const 0 (; EXIT ;)))))
        (global.set $left (i32.sub (global.get $left) (i32.const 1)))
        (call $compute)
        (if (i32.and (global.get $left) (i32.const 1)) (then
          (return (i32.const 1 (; YIELD ;)))))
        (local.set $r (call $tick_async (i32.const 0x100)))
        (br_if $again (i32.eq (local.get $r) (i32.const 2 (; RETURNED ;))))
        (if (i32.ne (i32.and (local.get $r) (i32.const 0xf)) (i32.const 1 (; STARTED ;)))
          (then unreachable))
        (call $join (i32.shr_u (local.get $r) (i32.const 4)) (global.get $ws))
        (return (i32.or (i32.const 2 (; WAIT ;)) (i32.shl (global.get $ws) (i32.const 4)))))
      unreachable)
    (func (export "work") (param $n i32) (param $k i32) (result i32)
      (global.set $left (local.get $n))
      (global.set $k (local.get $k))
      (global.set $x (i32.const 0x9e3779b9))
      (global.set $ws (call $ws.new))
      (call $step))
    (func (export "work-cb") (param $ev i32) (param $idx i32) (param $p i32) (result i32)
      (if (i32.eq (local.get $ev) (i32.const 0 (; NONE, after YIELD ;))) (then
        (return (call $step))))
      (if (i32.ne (local.get $ev) (i32.const 1 (; SUBTASK ;))) (then unreachable))
      (if (i32.ne (local.get $p) (i32.const 2 (; RETURNED ;))) (then
        (return (i32.or (i32.const 2) (i32.shl (global.get $ws) (i32.const 4))))))
      (call $join (local.get $idx) (i32.const 0))
      (call $subtask.drop (local.get $idx))
      (call $step))
  )
  (canon task.return (result u32) (core func $ret32))
  (canon lower (func $tick) async (memory (core memory $memory "mem")) (core func $tick_async))
  (canon waitable-set.new (core func $ws.new))
  (canon waitable-set.drop (core func $ws.drop))
  (canon waitable.join (core func $join))
  (canon subtask.drop (core func $subtask.drop))
  (core instance $m (instantiate $M (with "" (instance
    (export "mem" (memory $memory "mem"))
    (export "ret32" (func $ret32))
    (export "tick.async" (func $tick_async))
    (export "ws.new" (func $ws.new))
    (export "ws.drop" (func $ws.drop))
    (export "join" (func $join))
    (export "subtask.drop" (func $subtask.drop))
  ))))
  (func (export "work") async (param "n" u32) (param "k" u32) (result u32)
    (canon lift (core func $m "work") async (callback (core func $m "work-cb"))))
)
