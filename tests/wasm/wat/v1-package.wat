;; A WIT package in the first encoding format: one export named ns:pkg/wit.
(component
  (type (component
    (type (instance
      (type (record (field "a" u32)))
      (export "r" (type (eq 0)))
      (type (func (param "x" 1) (result string)))
      (export "f" (func (type 2)))
    ))
    (export "foo:bar/i" (instance (type 0)))
    (type (component
      (type (instance
        (type (record (field "a" u32)))
        (export "r" (type (eq 0)))
      ))
      (import "foo:bar/i" (instance (type 0)))
      (type (func (result u8)))
      (export "run" (func (type 1)))
    ))
    (export "foo:bar/w" (component (type 1)))
  ))
  (export "foo:bar/wit" (type 0))
)
