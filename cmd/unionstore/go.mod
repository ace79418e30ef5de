module github.com/unionstore/unionstore/cmd/unionstore

go 1.26

require (
	github.com/unionstore/unionstore v0.0.0
	github.com/unionstore/unionstore/boltstore v0.0.0
)

require (
	go.etcd.io/bbolt v1.5.0 // indirect
	golang.org/x/sys v0.45.0 // indirect
)

replace (
	github.com/unionstore/unionstore => ../../
	github.com/unionstore/unionstore/boltstore => ../../boltstore
)
