module github.com/unionstore/unionstore/mysqlstore

go 1.26.0

require (
	github.com/go-sql-driver/mysql v1.9.3
	github.com/unionstore/unionstore v0.1.0
	go.uber.org/goleak v1.3.0
)

require filippo.io/edwards25519 v1.1.0 // indirect

replace github.com/unionstore/unionstore => ../
