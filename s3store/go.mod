module github.com/unionstore/unionstore/s3store

go 1.26

require github.com/unionstore/unionstore v0.0.0

replace github.com/unionstore/unionstore => ../
