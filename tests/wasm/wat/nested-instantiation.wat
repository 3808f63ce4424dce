;; A nested component defining a resource, instantiated (its resource freshened) and exported.
(component
  (component $c
    (core module $m
      (func (export "ctor") (result i32) i32.const 0)
      (func (export "size") (param i32) (result i32) i32.const 0))
    (core instance $mi (instantiate $m))
    (type $r (resource (rep i32)))
    (export $re "r" (type $r))
    (type $own (own $re))
    (type $borrow (borrow $re))
    (type $ctor-ty (func (result $own)))
    (type $size-ty (func (param "self" $borrow) (result u32)))
    (core func $ctor (alias core export $mi "ctor"))
    (core func $size (alias core export $mi "size"))
    (func $ctor-f (type $ctor-ty) (canon lift (core func $ctor)))
    (func $size-f (type $size-ty) (canon lift (core func $size)))
    (export "[constructor]r" (func $ctor-f))
    (export "[method]r.size" (func $size-f))
  )
  (instance $ci (instantiate $c))
  (export "a:b/k" (instance $ci))
)
