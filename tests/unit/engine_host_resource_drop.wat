;; A guest that gets two own handles of a host-defined resource, drops
;; one with resource.drop and keeps the other (engine_host_resource_test.cc).
(component
  (import "host" (instance $h
    (export "r" (type $r (sub resource)))
    (export "make" (func (result (own $r))))
  ))
  (alias export $h "r" (type $r))
  (alias export $h "make" (func $make))
  (core func $make_l (canon lower (func $make)))
  (core func $drop (canon resource.drop $r))
  (core module $m
    (import "" "make" (func $make (result i32)))
    (import "" "drop" (func $drop (param i32)))
    (global $kept (mut i32) (i32.const 0))
    (func (export "run") (result i32)
      (local $a i32)
      call $make local.set $a
      call $make global.set $kept
      local.get $a call $drop
      global.get $kept))
  (core instance $i (instantiate $m
    (with "" (instance (export "make" (func $make_l)) (export "drop" (func $drop))))))
  (func (export "run") (result u32) (canon lift (core func $i "run")))
)
