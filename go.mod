module github.com/unionstore/unionstore

go 1.26
