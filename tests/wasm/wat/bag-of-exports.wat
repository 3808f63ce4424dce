;; An instance made from a bag of exports (no component), exported: its function keeps the imported resource.
(component
  (import "a:b/i" (instance $i
    (export "r" (type (sub resource)))
    (type (own 0))
    (type (func (result 1)))
    (export "make" (func (type 2)))
  ))
  (alias export $i "r" (type $r))
  (alias export $i "make" (func $make))
  (instance $bag (export "make" (func $make)))
  (export "a:b/j" (instance $bag))
)
