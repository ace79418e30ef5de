module github.com/unionstore/unionstore/cmd/unionstore

go 1.26.0

require (
	github.com/jackc/pgx/v5 v5.13.0
	github.com/unionstore/unionstore v0.0.0
	github.com/unionstore/unionstore/boltstore v0.0.0
	go.uber.org/goleak v1.3.0
	golang.org/x/term v0.47.0
)

require (
	github.com/jackc/pgpassfile v1.0.0 // indirect
	github.com/jackc/pgservicefile v0.0.0-20240606120523-5a60cdf6a761 // indirect
	github.com/jackc/puddle/v2 v2.2.3 // indirect
	github.com/klauspost/compress v1.20.4 // indirect
	golang.org/x/sync v0.22.0 // indirect
	golang.org/x/text v0.41.0 // indirect
)

require (
	github.com/unionstore/unionstore/pgstore v0.0.0
	go.etcd.io/bbolt v1.5.0 // indirect
	golang.org/x/sys v0.49.0
)

replace (
	github.com/unionstore/unionstore => ../../
	github.com/unionstore/unionstore/boltstore => ../../boltstore
)

replace github.com/unionstore/unionstore/pgstore => ../../pgstore
