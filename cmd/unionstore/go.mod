module github.com/unionstore/unionstore/cmd/unionstore

go 1.26

require (
	github.com/unionstore/unionstore v0.0.0
	github.com/unionstore/unionstore/boltstore v0.0.0
)

replace (
	github.com/unionstore/unionstore => ../../
	github.com/unionstore/unionstore/boltstore => ../../boltstore
)
