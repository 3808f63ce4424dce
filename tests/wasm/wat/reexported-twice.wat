;; An imported instance re-exported under two names: one type under two names, no WIT for it.
(component
  (import "a:b/x" (instance $i (export "t" (type (sub resource)))))
  (export "a:b/y" (instance $i))
  (export "a:b/z" (instance $i))
)
