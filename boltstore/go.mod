module github.com/unionstore/unionstore/boltstore

go 1.26.0

require (
	github.com/klauspost/compress v1.20.4
	github.com/unionstore/unionstore v0.1.0
	go.etcd.io/bbolt v1.5.0
	go.uber.org/goleak v1.3.0
)

require golang.org/x/sys v0.45.0 // indirect

replace github.com/unionstore/unionstore => ../
